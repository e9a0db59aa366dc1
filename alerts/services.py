"""Business rules of alerts: who may send one, sending it, acknowledging it, escalating it, closing it, and the test
alerts' report. The admin, the portal, the one-click link page and the periodic job call these.

- ``send_alert`` validates an alert and sends it, in one transaction, to every member country's crisis centre: its
  24/7 functional mailbox and the people holding a contact-point mandate (``members.identity.seat_holders``). The
  outbox rows are *urgent*: handed to the workers ahead of any other queued mail (see ``outbox.services.enqueue``).
- ``acknowledge`` records the first acknowledgement of a country (by a signed link or in the portal).
- ``escalate`` (every 30 s, ``network.tasks``) moves each country that has not acknowledged one step up once its
  alert's delay has passed: sent again, also to the deputy director-general; then also to the director-general; then
  the board shows the centre's 24/7 telephone number. Each step is a conditional UPDATE on the country's row (only
  from the step it read), so it happens once even with two schedulers running.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.enums import OrganisationKind, Participation, Role
from members.identity import person_of, seat_holders
from members.models import Country, Organisation, Person
from members.services import language_of
from outbox.models import MessageKind, MessageStatus, OutgoingMessage
from outbox.services import new_message, store

from .enums import AlertStatus, CallOutcome, Step
from .models import Alert, AlertCountry, AlertRecipient

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TEXT_FIELDS = ("title", "body", "request")

# Who gets the alert at each step besides the centre's 24/7 mailbox and contact points (every step sends again).
STEP_ROLES: dict[int, tuple[str, ...]] = {
    Step.FIRST: (Role.CONTACT_POINT,),
    Step.AGAIN: (Role.CONTACT_POINT, Role.DEPUTY),
    Step.DIRECTOR: (Role.CONTACT_POINT, Role.DEPUTY, Role.DIRECTOR_GENERAL),
}


# --- Who may send ---------------------------------------------------------------------------------------------------


def may_send(user) -> bool:
    """Secretariat staff with the admin's right to add alerts, and the people who hold the seat of the chair's
    centre (``ALERTS_CHAIR_COUNTRY``, Belgium: the network is chaired from its National Crisis Centre)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff and user.has_perm("alerts.add_alert"):
        return True
    person = person_of(user)
    if person is None or person.country is None or person.country.code != settings.ALERTS_CHAIR_COUNTRY:
        return False
    return seat_holders(person.country).filter(pk=person.pk).exists()


def may_watch(user) -> bool:
    """Who sees every country's row on an alert's board: those who may send."""
    return may_send(user)


# --- Texts ----------------------------------------------------------------------------------------------------------


def text_of(alert: Alert, field: str, language: str) -> str:
    """``field`` (title, body, request) of ``alert`` in ``language`` when it was translated, else as written."""
    return getattr(alert, f"{field}_{language}", "") or getattr(alert, f"{field}_{alert.language}", "") or ""


def texts_of(alert: Alert, language: str) -> dict[str, str]:
    """The alert's title, body and request in ``language`` (falling back to the sender's), and the language each is
    actually in (``language_shown``)."""
    shown = language if getattr(alert, f"body_{language}", "") else alert.language
    return {**{field: text_of(alert, field, language) for field in TEXT_FIELDS}, "language_shown": shown}


# --- Sending --------------------------------------------------------------------------------------------------------


def validate(alert: Alert, *, now: datetime.datetime | None = None) -> None:
    """Raise ``ValidationError`` (by field) when the alert cannot be sent: no title or no text in the sender's
    language, an acknowledge-by time not in the future, an escalation delay under one minute, or not a draft."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if alert.status != AlertStatus.DRAFT:
        errors.setdefault("__all__", []).append(_("This alert was already sent."))
    if not (getattr(alert, f"title_{alert.language}", "") or "").strip():
        errors.setdefault(f"title_{alert.language}", []).append(
            _("Give the alert a title in the language you write in.")
        )
    if not (getattr(alert, f"body_{alert.language}", "") or "").strip():
        errors.setdefault(f"body_{alert.language}", []).append(
            _("Write the alert's text in the language you write in.")
        )
    if alert.acknowledge_by is None or alert.acknowledge_by <= now:
        errors.setdefault("acknowledge_by", []).append(_("The acknowledge-by time must be in the future."))
    if not alert.escalation_minutes or alert.escalation_minutes < 1:
        errors.setdefault("escalation_minutes", []).append(_("The escalation delay is at least one minute."))
    if errors:
        raise ValidationError(errors)


def member_centres() -> list[Organisation]:
    """Each member country's crisis centre (the first active one by id when a country has several), by country
    code. Countries without an active crisis centre are not alerted: they have no 24/7 point to reach."""
    centres: dict[int, Organisation] = {}
    organisations = (
        Organisation.objects.filter(
            kind=OrganisationKind.CRISIS_CENTRE, is_active=True, country__participation=Participation.MEMBER
        )
        .select_related("country")
        .order_by("country__code", "pk")
    )
    for organisation in organisations:
        centres.setdefault(organisation.country_id, organisation)
    return list(centres.values())


@transaction.atomic
def send_alert(alert: Alert, *, now: datetime.datetime | None = None) -> int:
    """Validate ``alert`` (a saved draft; see ``validate``) and send it to every member centre: one ``AlertCountry``
    row per country and the first step's messages, urgent in the outbox. Raises ``ValidationError``; then nothing is
    changed. Returns how many messages were queued."""
    now = now or timezone.now()
    given, alert = alert, Alert.objects.select_for_update().get(pk=alert.pk)
    validate(alert, now=now)
    alert.status, alert.sent_at = AlertStatus.SENT, now
    alert.save(update_fields=["status", "sent_at"])
    given.status, given.sent_at = alert.status, alert.sent_at
    targets = AlertCountry.objects.bulk_create(
        AlertCountry(alert=alert, country=centre.country, organisation=centre, step=Step.FIRST, step_at=now)
        for centre in member_centres()
    )
    for target in targets:
        target.alert = alert
    return _queue_step(targets, Step.FIRST)


def _addresses(target: AlertCountry, step: int) -> list[tuple[str, Person | None]]:
    """(address, person or None) to send ``step`` to: the centre's 24/7 mailbox and the seat holders of the step's
    roles, each address once."""
    found: dict[str, tuple[str, Person | None]] = {}
    if target.organisation.mailbox_24_7:
        found[target.organisation.mailbox_24_7.lower()] = (target.organisation.mailbox_24_7, None)
    for person in seat_holders(target.country, roles=STEP_ROLES[step]):
        found.setdefault(person.email.lower(), (person.email, person))
    return list(found.values())


def _queue_step(targets: list[AlertCountry], step: int) -> int:
    """Make the recipient rows and urgent outbox messages of ``step`` for ``targets`` (in the caller's
    transaction). Each message's key names the alert, the country, the step and the address: never made twice."""
    from . import links  # the links name recipient rows, made here

    recipients: list[AlertRecipient] = []
    for target in targets:
        for address, person in _addresses(target, step):
            recipients.append(AlertRecipient(target=target, step=step, person=person, address=address))
    AlertRecipient.objects.bulk_create(recipients, ignore_conflicts=True)
    recipients = list(
        AlertRecipient.objects.filter(target__in=targets, step=step, message__isnull=True).select_related(
            "target__alert", "target__country", "target__organisation", "person"
        )
    )
    messages = []
    for recipient in recipients:
        messages.append(_compose(recipient, links.acknowledge_url(recipient)))
    store(messages)
    by_key = dict(OutgoingMessage.objects.filter(key__in=[m.key for m in messages]).values_list("key", "pk"))
    for recipient, message in zip(recipients, messages, strict=True):
        recipient.message_id = by_key.get(message.key)
    AlertRecipient.objects.bulk_update(recipients, ["message"])
    return len(recipients)


def _compose(recipient: AlertRecipient, url: str):
    target, alert = recipient.target, recipient.target.alert
    person = recipient.person
    language = language_of(person) if person is not None else alert.language
    zone = zoneinfo.ZoneInfo(person.time_zone if person is not None else alert.time_zone)
    with translation.override(language), timezone.override(zone):
        context = {
            "alert": alert,
            "texts": texts_of(alert, language),
            "target": target,
            "person": person,
            "step": recipient.step,
            "acknowledge_url": url,
            "portal_url": settings.SITE_URL,
            "secretariat_email": settings.SECRETARIAT_EMAIL,
        }
        title = {"title": context["texts"]["title"]}
        subject = _("TEST ALERT: %(title)s") % title if alert.is_test else _("ALERT: %(title)s") % title
        text = render_to_string("alerts/email/alert.txt", context)
        html = render_to_string("alerts/email/alert.html", context)
    return new_message(
        key=f"alert:{alert.pk}:{target.country_id}:{recipient.step}:{recipient.address.lower()}",
        kind=MessageKind.ALERT,
        to=recipient.address,
        person=person,
        language=language,
        subject=subject,
        text=text,
        html=html,
        urgent=True,
    )


# --- Acknowledging --------------------------------------------------------------------------------------------------


class Closed(Exception):
    """The alert was closed: acknowledgements no longer count."""


def acknowledge(target: AlertCountry, *, by: str, via: str, now: datetime.datetime | None = None) -> bool:
    """Record that ``target``'s country acknowledged its alert: ``by`` names who (a person's name or the 24/7
    mailbox's address), ``via`` is ``link`` or ``portal``. The first acknowledgement counts; a later one changes
    nothing and returns False. Raises ``Closed`` when the alert is no longer open (nothing changed)."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=target.alert_id)
        if alert.status != AlertStatus.SENT:
            raise Closed
        updated = AlertCountry.objects.filter(pk=target.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=by[:200], acknowledged_via=via
        )
    return bool(updated)


def acknowledger_name(recipient: AlertRecipient) -> str:
    return recipient.person.full_name if recipient.person is not None else recipient.address


def country_target(alert: Alert, person: Person | None) -> AlertCountry | None:
    """The row of ``alert`` for the country whose seat ``person`` holds today, if any."""
    if person is None or person.country is None:
        return None
    if not seat_holders(person.country).filter(pk=person.pk).exists():
        return None
    return alert.countries.filter(country=person.country).select_related("country", "organisation").first()


# --- Escalating -----------------------------------------------------------------------------------------------------


def escalate(now: datetime.datetime | None = None) -> int:
    """Move every country that has not acknowledged an open alert one step up once ``escalation_minutes`` passed
    since its last step (see the module's docstring). Safe to run from two schedulers at once: a step is taken by
    the one conditional UPDATE that finds the country still at the step it read. Returns how many steps were taken."""
    now = now or timezone.now()
    taken = 0
    for alert in Alert.objects.filter(status=AlertStatus.SENT).only("pk", "escalation_minutes"):
        due = now - datetime.timedelta(minutes=alert.escalation_minutes)
        waiting = AlertCountry.objects.filter(
            alert=alert, acknowledged_at__isnull=True, step__lt=Step.CALL, step_at__lte=due
        ).values_list("pk", "step")
        for pk, step in waiting:
            with transaction.atomic():
                moved = AlertCountry.objects.filter(pk=pk, step=step, acknowledged_at__isnull=True).update(
                    step=step + 1, step_at=now
                )
                if moved and step + 1 in STEP_ROLES:
                    target = AlertCountry.objects.select_related("alert", "country", "organisation").get(pk=pk)
                    _queue_step([target], step + 1)
            taken += moved
    return taken


# --- The secretariat's follow-up ------------------------------------------------------------------------------------


def record_call(target: AlertCountry, *, outcome: str, note: str = "", now: datetime.datetime | None = None) -> None:
    """Record the outcome of the secretariat's call to the centre's 24/7 telephone. Raises ``ValidationError`` for
    an unknown outcome."""
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Choose the call's outcome.")})
    AlertCountry.objects.filter(pk=target.pk).update(
        call_outcome=outcome, call_note=" ".join(note.split())[:300], called_at=now or timezone.now()
    )


def close(alert: Alert, *, now: datetime.datetime | None = None) -> bool:
    """Close a sent alert: no more escalation, acknowledgements no longer count. Returns False if it was not open."""
    now = now or timezone.now()
    closed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.SENT).update(status=AlertStatus.CLOSED, closed_at=now)
    if closed:
        alert.status, alert.closed_at = AlertStatus.CLOSED, now
    return bool(closed)


# --- The board ------------------------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    target: AlertCountry
    sent: int
    delivered: int
    first_delivered_at: datetime.datetime | None
    elapsed: datetime.timedelta
    phone: str

    @property
    def elapsed_text(self) -> str:
        """The elapsed time as H:MM:SS."""
        seconds = int(self.elapsed.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02}:{seconds % 60:02}"


def board(alert: Alert, *, countries=None, now: datetime.datetime | None = None) -> list[BoardRow]:
    """One row per country of ``alert`` (only those in ``countries`` when given): messages sent and accepted by
    the SMTP server (the outbox rows' status), acknowledgement, the time elapsed since the alert was sent (until the
    acknowledgement), and the centre's 24/7 telephone once the country is at the calling step. Two queries."""
    now = now or timezone.now()
    targets = (
        alert.countries.select_related("country", "organisation")
        .prefetch_related("recipients__message")
        .order_by("country__code")
    )
    if countries is not None:
        targets = targets.filter(country__in=countries)
    rows = []
    for target in targets:
        recipients = list(target.recipients.all())
        delivered = [r.message.sent_at for r in recipients if r.message and r.message.status == MessageStatus.SENT]
        end = target.acknowledged_at or (alert.closed_at if alert.status == AlertStatus.CLOSED else None) or now
        rows.append(
            BoardRow(
                target=target,
                sent=len(recipients),
                delivered=len(delivered),
                first_delivered_at=min(delivered) if delivered else None,
                elapsed=max(end - (alert.sent_at or now), datetime.timedelta(0)),
                phone=target.organisation.phone_24_7 if target.step >= Step.CALL else "",
            )
        )
    return rows


# --- Test alerts' report --------------------------------------------------------------------------------------------


def test_report() -> tuple[list[Alert], list[tuple[Country, list[int | None]]]]:
    """Every sent test alert (oldest first) and, per country, the seconds each took to be acknowledged (None: not
    acknowledged, or the country was not alerted). Two queries."""
    alerts = list(Alert.objects.filter(is_test=True, sent_at__isnull=False).order_by("sent_at", "pk"))
    index = {alert.pk: i for i, alert in enumerate(alerts)}
    times: dict[int, list[int | None]] = {}
    countries: dict[int, Country] = {}
    for target in AlertCountry.objects.filter(alert__in=alerts).select_related("country", "alert"):
        countries[target.country_id] = target.country
        row = times.setdefault(target.country_id, [None] * len(alerts))
        if target.acknowledged_at is not None:
            row[index[target.alert_id]] = int((target.acknowledged_at - target.alert.sent_at).total_seconds())
    ordered = sorted(countries.values(), key=lambda c: c.code)
    return alerts, [(country, times[country.pk]) for country in ordered]


def test_report_dataset():
    """The test report as a ``tablib.Dataset`` (country, then one column per test alert: seconds to acknowledge),
    every cell neutralised for spreadsheets."""
    import tablib

    from network.lib.neutralise import spreadsheet_cell

    alerts, rows = test_report()
    headers = [_("Country")] + [f"{a.title} ({timezone.localtime(a.sent_at):%Y-%m-%d %H:%M})" for a in alerts]
    data = tablib.Dataset(headers=[spreadsheet_cell(h) for h in headers])
    for country, seconds in rows:
        data.append([spreadsheet_cell(country.name)] + [s if s is not None else "" for s in seconds])
    return data

"""The demo's alerts: two quarterly tests of the 24/7 lines (closed, with each centre's time to acknowledge) and an
open alert whose board shows every state: acknowledged by link or in the portal, and centres to call.

The messages are recorded as already accepted by the SMTP server (outbox rows marked sent, never handed to a
worker), so loading the demo sends no mail; the open alert's late centres are already at the calling step, so the
escalation job sends none either. Created where missing (by title)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import User
from members.services import language_of
from outbox.models import MessageKind, MessageStatus
from outbox.services import new_message

from . import services
from .enums import AlertStatus, CallOutcome, Step
from .models import Alert, AlertCountry, AlertRecipient

UTC = datetime.UTC

# Minutes each centre took to acknowledge, by country code, cycled over the member centres (None: no answer).
DELAYS = [2, 4, 3, None, 7, 1, 12, 5, 3, 9, 2, None, 6, 4, 18, 3, 2, 8, 5, 11, 3, 6, 4]


def _record(alert: Alert, sent_at: datetime.datetime, delays: list[int | None], *, last_step: int) -> None:
    """Make each member centre's row, its recipients and their (sent) outbox rows; acknowledge after ``delays``."""
    for i, centre in enumerate(services.member_centres()):
        delay = delays[i % len(delays)]
        acknowledged = sent_at + datetime.timedelta(minutes=delay, seconds=17 * i % 50) if delay is not None else None
        target = AlertCountry.objects.create(
            alert=alert,
            country=centre.country,
            organisation=centre,
            step=Step.FIRST if acknowledged else last_step,
            step_at=sent_at if acknowledged else sent_at + datetime.timedelta(minutes=alert.escalation_minutes * 3),
            acknowledged_at=acknowledged,
            acknowledged_via=("link" if i % 3 else "portal") if acknowledged else "",
        )
        for address, person in services._addresses(target, Step.FIRST):
            recipient = AlertRecipient.objects.create(target=target, step=Step.FIRST, person=person, address=address)
            message = new_message(
                key=f"alert:{alert.pk}:{target.country_id}:0:{address.lower()}",
                kind=MessageKind.ALERT,
                to=address,
                person=person,
                language=language_of(person) if person else alert.language,
                subject=f"ALERT: {alert.title_en}",
                text=alert.body_en,
                urgent=True,
            )
            message.status, message.sent_at, message.attempts = MessageStatus.SENT, sent_at, 1
            message.created_at = sent_at
            message.save()
            recipient.message = message
            recipient.save(update_fields=["message"])
            if acknowledged and person is not None:  # the duty officer acknowledged, rather than the mailbox
                target.acknowledged_by = person.full_name
                target.save(update_fields=["acknowledged_by"])
            elif acknowledged and not target.acknowledged_by:
                target.acknowledged_by = address
                target.save(update_fields=["acknowledged_by"])
        if not acknowledged and delay is None and i % 2 == 0:
            target.call_outcome, target.call_note = CallOutcome.REACHED, "Duty officer had no mail access; confirmed."
            target.called_at = target.step_at + datetime.timedelta(minutes=4)
            target.save(update_fields=["call_outcome", "call_note", "called_at"])


def _alert(title: str, *, by: User, sent_at: datetime.datetime, **fields) -> Alert:
    fields.setdefault("acknowledge_by", sent_at + datetime.timedelta(hours=1))
    return Alert.objects.create(title_en=title, created_by=by, created_at=sent_at, sent_at=sent_at, **fields)


@transaction.atomic
def load() -> dict[str, int]:
    if Alert.objects.filter(title_en__startswith="Quarterly test of the 24/7 lines").exists():
        return {"alerts": 0}
    by = User.objects.filter(is_staff=True).order_by("pk").first()
    if by is None or not services.member_centres():
        return {"alerts": 0}
    made = 0
    for sent_at, shift in (
        (datetime.datetime(2022, 3, 1, 9, 0, tzinfo=UTC), 0),
        (datetime.datetime(2022, 6, 1, 9, 0, tzinfo=UTC), 5),
    ):
        alert = _alert(
            f"Quarterly test of the 24/7 lines ({sent_at:%B %Y})",
            by=by,
            sent_at=sent_at,
            body_en="This is a test of the network's alert line. Please acknowledge it with the link.",
            is_test=True,
            status=AlertStatus.CLOSED,
            closed_at=sent_at + datetime.timedelta(hours=2),
        )
        _record(alert, sent_at, DELAYS[shift:] + DELAYS[:shift], last_step=Step.CALL)
        made += 1
    now = timezone.now().replace(second=0, microsecond=0)
    live = _alert(
        "Large power outage in central Europe",
        by=by,
        sent_at=now - datetime.timedelta(minutes=52),
        title_fr="Panne d'électricité majeure en Europe centrale",
        title_de="Großer Stromausfall in Mitteleuropa",
        body_en="A cascading failure of the transmission grid has cut power in several countries since 06:40 UTC. "
        "Restoration is expected to take at least 12 hours.",
        request_en="Confirm that your centre is reachable and tell the secretariat whether your country is "
        "affected and needs generators.",
        handling_note="For the crisis centres only; not for public release.",
        status=AlertStatus.SENT,
        acknowledge_by=now + datetime.timedelta(minutes=30),
    )
    _record(live, live.sent_at, DELAYS, last_step=Step.CALL)
    return {"alerts": made + 1}

"""The rules of meetings: who is invited, seats per country, what an answer may change, what a change means.

The admin, the portal, the email links, management commands and Celery tasks all call these functions, so each
rule lives here once. Functions that change data run in a transaction and lock the meeting row, so two people
acting at once are serialised rather than both passing a check that only one of them should pass.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.enums import OrganisationKind, Participation, Role
from members.models import Country, Mandate, Person
from members.services import presidency_on
from outbox.services import handing_over_in_steps

from . import delivery
from .agenda import AgendaEntry as AgendaEntry  # the agenda's reading is imported from here too
from .agenda import planned_agenda as planned_agenda
from .enums import Answer, AttendanceMode, Capacity, MeetingFormat, MeetingStatus, Presence
from .models import (
    DEFAULT_REMINDERS,
    AgendaItem,
    Attendance,
    Invitation,
    Meeting,
    MeetingChange,
    ReminderRule,
    SeatAllowance,
)

# --- Seats -----------------------------------------------------------------------------------------------------


def seats_for(meeting: Meeting, country: Country) -> int:
    allowance = SeatAllowance.objects.filter(meeting=meeting, country=country).values_list("seats", flat=True).first()
    return allowance or 1


def _check_seat(meeting: Meeting, country: Country | None, *, exclude: tuple[Invitation | None, ...] = ()) -> None:
    if country is None:
        return
    holders = Invitation.objects.filter(meeting=meeting, country=country).holding_seat().select_related("person")
    holders = holders.exclude(pk__in=[i.pk for i in exclude if i is not None and i.pk])
    holders = list(holders)
    if len(holders) >= seats_for(meeting, country):
        raise ValidationError(
            _(
                "%(country)s already has its seat at this meeting (%(people)s). Raise the country's seats on the "
                "meeting first, or ask the invitee to send a substitute."
            ),
            params={"country": country, "people": ", ".join(str(h.person) for h in holders)},
            code="seat_taken",
        )


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


# --- Inviting ---------------------------------------------------------------------------------------------------


def capacity_of(person: Person, *, on: datetime.date) -> str:
    """Members sit for a member country; EU bodies, observer countries and observer mandates only observe."""
    organisation = person.organisation
    if organisation.kind == OrganisationKind.EU_BODY:
        return Capacity.OBSERVER
    if organisation.country_id and organisation.country.participation != Participation.MEMBER:
        return Capacity.OBSERVER
    if Mandate.objects.active_on(on).filter(person=person, role=Role.OBSERVER).exists():
        return Capacity.OBSERVER
    return Capacity.MEMBER


def check_invitable(meeting: Meeting, person: Person, *, capacity: str) -> None:
    """Raise ``ValidationError`` when ``person`` cannot be invited to ``meeting`` in ``capacity``."""
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.CLOSED, MeetingStatus.HELD):
        raise ValidationError(
            _("Invitations cannot be added to a meeting that is %(status)s."),
            params={"status": meeting.get_status_display().lower()},
            code="meeting_closed",
        )
    if not person.is_active:
        raise ValidationError(_("%(person)s is deactivated."), params={"person": person}, code="inactive")
    if Invitation.objects.filter(meeting=meeting, person=person).exists():
        raise ValidationError(_("%(person)s is already invited."), params={"person": person}, code="duplicate")
    if capacity == Capacity.MEMBER:
        _check_seat(meeting, person.organisation.country)


@transaction.atomic
def invite(meeting: Meeting, person: Person, *, capacity: str | None = None, by=None) -> Invitation:
    """Invite one person. Their country's seat must be free (for a member); raises ``ValidationError``."""
    meeting = _lock(meeting)
    capacity = capacity or capacity_of(person, on=meeting.local_start.date())
    check_invitable(meeting, person, capacity=capacity)
    invitation = Invitation.objects.create(
        meeting=meeting,
        person=person,
        capacity=capacity,
        country=person.organisation.country if capacity == Capacity.MEMBER else None,
        invited_by=by,
    )
    if meeting.status == MeetingStatus.INVITED:
        # Invitations already went out for this meeting: this one goes out at once too.
        _send(meeting, [invitation])
    return invitation


@dataclass(frozen=True)
class Planned:
    person: Person
    capacity: str
    reason: str


@dataclass(frozen=True)
class Skipped:
    person: Person
    reason: str


def network_invitees(meeting: Meeting) -> tuple[list[Planned], list[Skipped]]:
    """Who "Invite the network" would invite, and whom it skips and why (the preview shown before confirming).

    Every active director-general of a member country's crisis centre (an acting one where there is no other),
    the current Presidency's representative and the holders of observer mandates (the Council's services) are
    invited; anyone already invited is skipped, as is anyone who would take a seat that is already taken.
    """
    day = meeting.local_start.date()
    existing = set(Invitation.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    seats_used: dict[int, int] = dict(
        Invitation.objects.filter(meeting=meeting)
        .holding_seat()
        .values_list("country_id")
        .annotate(n=Count("pk"))
        .values_list("country_id", "n")
    )
    allowances = dict(SeatAllowance.objects.filter(meeting=meeting).values_list("country_id", "seats"))
    planned: list[Planned] = []
    skipped: list[Skipped] = []
    seen: set[int] = set()

    directors = (
        Mandate.objects.active_on(day)
        .filter(
            role=Role.DIRECTOR_GENERAL,
            organisation__kind=OrganisationKind.CRISIS_CENTRE,
            organisation__is_active=True,
            organisation__country__participation__in=[Participation.MEMBER, Participation.OBSERVER],
        )
        .select_related("person__organisation__country", "organisation__country")
        .order_by("organisation__country__code", "organisation_id", "acting", "start_date")
    )
    organisations_done: set[int] = set()
    for mandate in directors:
        person = mandate.person
        if mandate.organisation_id in organisations_done or person.pk in seen:
            continue
        organisations_done.add(mandate.organisation_id)
        seen.add(person.pk)
        country = mandate.organisation.country
        capacity = Capacity.MEMBER if country.participation == Participation.MEMBER else Capacity.OBSERVER
        if person.pk in existing:
            skipped.append(Skipped(person, _("already invited")))
            continue
        if not person.is_active:
            skipped.append(Skipped(person, _("deactivated")))
            continue
        if capacity == Capacity.MEMBER:
            if seats_used.get(country.pk, 0) >= allowances.get(country.pk, 1):
                skipped.append(Skipped(person, _("%(country)s's seat is taken") % {"country": country}))
                continue
            seats_used[country.pk] = seats_used.get(country.pk, 0) + 1
        label = _("acting director-general") if mandate.acting else _("director-general")
        planned.append(Planned(person, capacity, str(label)))

    observers: list[tuple[Person, str]] = []
    presidency = presidency_on(day)
    if presidency and presidency.representative_id:
        observers.append(
            (presidency.representative, _("Council Presidency (%(country)s)") % {"country": presidency.country})
        )
    for mandate in (
        Mandate.objects.active_on(day)
        .filter(role=Role.OBSERVER, organisation__is_active=True)
        .select_related("person__organisation__country", "organisation")
        .order_by("organisation__name", "person__last_name")
    ):
        observers.append((mandate.person, _("observer (%(organisation)s)") % {"organisation": mandate.organisation}))
    for person, reason in observers:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        if person.pk in existing:
            skipped.append(Skipped(person, _("already invited")))
        elif not person.is_active:
            skipped.append(Skipped(person, _("deactivated")))
        else:
            planned.append(Planned(person, Capacity.OBSERVER, str(reason)))
    return planned, skipped


@transaction.atomic
def invite_network(meeting: Meeting, *, by=None) -> list[Invitation]:
    """Create the invitations ``network_invitees`` plans (computed again under the meeting's lock)."""
    meeting = _lock(meeting)
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.INVITED):
        raise ValidationError(
            _("Invitations cannot be added to a meeting that is %(status)s."),
            params={"status": meeting.get_status_display().lower()},
            code="meeting_closed",
        )
    planned, _skipped = network_invitees(meeting)
    invitations = Invitation.objects.bulk_create(
        Invitation(
            meeting=meeting,
            person=p.person,
            capacity=p.capacity,
            country=p.person.organisation.country if p.capacity == Capacity.MEMBER else None,
            invited_by=by,
        )
        for p in planned
    )
    invitations = list(Invitation.objects.filter(meeting=meeting, person__in=[p.person for p in planned]))
    if meeting.status == MeetingStatus.INVITED:
        _send(meeting, invitations)
    return invitations


@transaction.atomic
def withdraw_invitation(invitation: Invitation, *, by=None, notify: bool = True) -> None:
    """Take an invitation back without deleting it (the history stays); it no longer holds a seat. ``notify``:
    whether an invitation that went out is cancelled in the person's calendar."""
    invitation = Invitation.objects.select_for_update().select_related("meeting", "person").get(pk=invitation.pk)
    if invitation.withdrawn_at is None:
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])
        if notify:
            delivery.queue_withdrawal(invitation)


def withdraw_open_invitations(person: Person, *, notify: bool = True) -> int:
    """Withdraw ``person``'s standing invitations to meetings that have not ended (and are not cancelled): what a
    person who leaves the network (deactivated or erased) no longer holds. Their answer links then say the
    invitation was withdrawn and change nothing. Invitations to meetings already over stay as the record.
    ``notify``: whether invitations that went out are cancelled in the person's calendar (``False`` when the person
    is being erased). Returns how many were withdrawn. Runs in the caller's transaction."""
    invitations = list(
        Invitation.objects.live()
        .filter(person=person, meeting__ends_at__gt=timezone.now())
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .order_by("pk")
    )
    with transaction.atomic():
        for invitation in invitations:
            withdraw_invitation(invitation, notify=notify)
    return len(invitations)


def _on_person_left(sender, *, person: Person, notify: bool = True, **kwargs) -> None:
    """Receiver of ``members.signals.person_left`` (connected in ``MeetingsConfig.ready``)."""
    withdraw_open_invitations(person, notify=notify)


# --- Sending ------------------------------------------------------------------------------------------------------


def _send(meeting: Meeting, invitations: list[Invitation], *, shared: dict | None = None) -> None:
    """Mark the invitations sent and queue their emails (in this transaction; handed to Celery after commit).
    ``shared``: see ``delivery.queue``."""
    now = timezone.now()
    to_send = [i for i in invitations if i.sent_at is None and i.withdrawn_at is None]
    for invitation in to_send:
        invitation.meeting = meeting
        invitation.sent_at = now
    Invitation.objects.filter(pk__in=[i.pk for i in to_send]).update(sent_at=now)
    delivery.queue_invitations(to_send, shared=shared)


# A meeting's invitations go out at most this many to a transaction, the first transactions fewer (see
# send_invitations).
INVITATIONS_PER_TRANSACTION = 250
FIRST_INVITATIONS_PER_TRANSACTION = 50


def send_invitations(meeting: Meeting, *, by=None) -> int:
    """Send every invitation not sent yet; the meeting becomes "invitations sent". Returns how many went out.

    They go out in batches, each in a transaction of its own: its invitations are marked sent and their messages
    written to the outbox together, and handed to the workers when it commits. So the first invitations are on their
    way while the next ones are written, and no transaction holds the meeting locked for long. The first batch is
    small (``FIRST_INVITATIONS_PER_TRANSACTION``), so that the workers start at once; each next one is as large as
    all before it together, up to ``INVITATIONS_PER_TRANSACTION``. Should the process stop part-way, the invitations
    it did not reach are still "not sent": the next "send the invitations" sends them (and nobody gets a message
    twice, see ``delivery.queue``). Inside a caller's transaction, everything commits with it."""
    sent = 0
    forms: dict = {}  # rendered once for all the batches, unless the meeting changes in between
    with handing_over_in_steps():
        while True:
            count, more = _send_batch(meeting, done=sent, forms=forms)
            sent += count
            if not more:
                return sent


@transaction.atomic
def _send_batch(meeting: Meeting, *, done: int, forms: dict) -> tuple[int, bool]:
    """One batch of ``send_invitations``, after ``done`` invitations: how many it sent, and whether more are
    waiting."""
    first = done == 0
    meeting = _lock(meeting)
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.INVITED):
        if not first:
            return 0, False  # cancelled meanwhile: the cancellation told everyone who had been invited
        raise ValidationError(
            _("Invitations cannot be sent for a meeting that is %(status)s."),
            params={"status": meeting.get_status_display().lower()},
            code="meeting_closed",
        )
    if first and meeting.is_over:
        raise ValidationError(_("The meeting is over."), code="over")
    size = min(INVITATIONS_PER_TRANSACTION, max(FIRST_INVITATIONS_PER_TRANSACTION, done))
    pending = list(
        meeting.invitations.live().filter(sent_at__isnull=True).select_related("person").order_by("pk")[: size + 1]
    )
    if not pending and meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Nobody is invited yet: invite the network first."), code="nobody")
    if meeting.status == MeetingStatus.DRAFT:
        meeting.status = MeetingStatus.INVITED
        meeting.invitations_sent_at = timezone.now()
        meeting.save(update_fields=["status", "invitations_sent_at", "updated_at"])
    # The wording is the meeting's as it stands: should it change between two batches, the later ones are written
    # afresh (and the change's update goes to the invitees of the earlier ones).
    _send(meeting, pending[:size], shared=forms.setdefault((meeting.sequence, meeting.updated_at), {}))
    return len(pending[:size]), len(pending) > size


# --- Answers ------------------------------------------------------------------------------------------------------


def _check_answerable(invitation: Invitation) -> None:
    meeting = invitation.meeting
    if invitation.withdrawn_at:
        raise ValidationError(_("This invitation was withdrawn."), code="withdrawn")
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("The meeting was cancelled; answers can no longer change."), code="cancelled")
    if not meeting.accepts_answers:
        raise ValidationError(_("The meeting is over; answers can no longer change."), code="over")


def modes_for(meeting: Meeting) -> list[str]:
    return {
        MeetingFormat.VIRTUAL: [AttendanceMode.ONLINE],
        MeetingFormat.IN_PERSON: [AttendanceMode.IN_PERSON],
        MeetingFormat.HYBRID: [AttendanceMode.IN_PERSON, AttendanceMode.ONLINE],
    }[meeting.format]


@transaction.atomic
def record_answer(
    invitation: Invitation,
    *,
    answer: str,
    mode: str = "",
    substitute: Person | None = None,
    remarks: str | None = None,
    by=None,
    on_behalf: bool = False,
) -> Invitation:
    """Record (or change) an answer. Raises ``ValidationError`` and changes nothing when the answer breaks a rule:

    - the meeting must still take answers (not cancelled, not over) and the invitation must stand;
    - accepting a hybrid meeting says how (in person or online); other formats have one way;
    - accepting again after declining needs the country's seat to be free;
    - a substitute must be an active colleague of the same organisation who is not already invited; the
      substitute gets an invitation of their own and takes the invitee's seat. A substitute cannot delegate again;
    - changing away from a delegation withdraws the substitute's invitation.

    ``on_behalf`` marks an answer the secretariat recorded for the person (after a phone call or an email).
    """
    meeting = _lock(invitation.meeting)
    invitation = Invitation.objects.select_for_update().select_related("person__organisation").get(pk=invitation.pk)
    invitation.meeting = meeting
    _check_answerable(invitation)
    current_substitution = invitation.substitutions.live().select_related("person").first()
    if answer not in (Answer.ACCEPTED, Answer.DECLINED, Answer.DELEGATED):
        raise ValidationError(_("Choose accept, decline or send a substitute."), code="answer")

    if answer == Answer.ACCEPTED:
        allowed = modes_for(meeting)
        if not mode and len(allowed) == 1:
            mode = allowed[0]
        if mode not in allowed:
            raise ValidationError(_("Say whether you will attend in person or online."), code="mode")
        if invitation.answer not in (Answer.PENDING, Answer.ACCEPTED) and invitation.capacity == Capacity.MEMBER:
            # The invitee's own substitute gives the seat back when the invitee comes after all.
            _check_seat(meeting, invitation.country, exclude=(invitation, current_substitution))
    else:
        mode = ""
    if answer == Answer.DELEGATED:
        if invitation.delegated_from_id:
            raise ValidationError(_("A substitute cannot send a substitute in turn."), code="nested")
        if substitute is None:
            raise ValidationError(_("Name the substitute."), code="substitute_missing")
        if substitute.pk == invitation.person_id:
            raise ValidationError(_("The substitute must be someone else."), code="substitute_self")
        if substitute.organisation_id != invitation.person.organisation_id:
            raise ValidationError(
                _("The substitute must come from the same organisation (%(organisation)s)."),
                params={"organisation": invitation.person.organisation},
                code="substitute_organisation",
            )
        if not substitute.is_active:
            raise ValidationError(_("%(person)s is deactivated."), params={"person": substitute}, code="inactive")
        if current_substitution is None or current_substitution.person_id != substitute.pk:
            other = Invitation.objects.filter(meeting=meeting, person=substitute).first()
            if other is not None and other.withdrawn_at is None:
                raise ValidationError(
                    _("%(person)s is already invited to this meeting."),
                    params={"person": substitute},
                    code="substitute_invited",
                )
            if current_substitution is not None:
                withdraw_invitation(current_substitution, by=by)
            if other is not None:  # a withdrawn invitation comes back as the substitute's
                other.withdrawn_at = None
                other.answer = Answer.PENDING
                other.mode = ""
                other.delegated_from = invitation
                other.capacity = invitation.capacity
                other.country = invitation.country
                other.sent_at = None
                other.save()
                substitution = other
            else:
                substitution = Invitation.objects.create(
                    meeting=meeting,
                    person=substitute,
                    capacity=invitation.capacity,
                    country=invitation.country,
                    delegated_from=invitation,
                    invited_by=by,
                )
            if meeting.status == MeetingStatus.INVITED:
                _send(meeting, [substitution])
    elif current_substitution is not None:
        withdraw_invitation(current_substitution, by=by)
        substitute = None

    invitation.answer = answer
    invitation.mode = mode
    invitation.substitute = substitute if answer == Answer.DELEGATED else None
    if remarks is not None:
        invitation.remarks = remarks.strip()
    invitation.answered_at = timezone.now()
    invitation.answered_by = by if getattr(by, "is_authenticated", False) else None
    invitation.answered_on_behalf = on_behalf
    invitation.save()
    if invitation.sent_at is not None:
        delivery.queue_confirmation(invitation)
    return invitation


def ensure_reminders(meeting: Meeting) -> None:
    """Give a meeting the default reminder schedule (the secretariat can edit it per meeting)."""
    if not meeting.reminder_rules.exists():
        ReminderRule.objects.bulk_create(
            ReminderRule(meeting=meeting, kind=kind, days_before=days) for kind, days in DEFAULT_REMINDERS
        )


# --- Changes to the meeting ---------------------------------------------------------------------------------------


def _display(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return "" if value is None else str(value)


@transaction.atomic
def save_meeting(meeting: Meeting, *, by=None) -> MeetingChange | None:
    """Save ``meeting``; when time, place or format changed after the invitations went out, raise its revision
    and record the change, which the invitees are then told about. Returns the change, if any."""
    if meeting.pk is None:
        meeting.save()
        ensure_reminders(meeting)
        return None
    stored = _lock(meeting)
    changes = {
        field: [_display(getattr(stored, field)), _display(getattr(meeting, field))]
        for field in Meeting.PRACTICAL_FIELDS
        if getattr(stored, field) != getattr(meeting, field)
    }
    meeting.status = stored.status
    meeting.sequence = stored.sequence
    meeting.version = stored.version + 1
    if changes and stored.status == MeetingStatus.INVITED:
        meeting.sequence += 1
        meeting.save()
        change = MeetingChange.objects.create(
            meeting=meeting, sequence=meeting.sequence, changes=changes, changed_by=by
        )
        delivery.queue_update(meeting, change)
        return change
    meeting.save()
    return None


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, reason: str, by=None) -> Meeting:
    meeting = _lock(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for cancelling."), code="reason")
    if meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.INVITED):
        raise ValidationError(
            _("A meeting that is %(status)s cannot be cancelled."),
            params={"status": meeting.get_status_display().lower()},
            code="status",
        )
    if meeting.status == MeetingStatus.INVITED:
        meeting.sequence += 1
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancellation_reason = reason
    meeting.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
    delivery.queue_cancellation(meeting)
    return meeting


@transaction.atomic
def mark_held(meeting: Meeting, *, by=None) -> Meeting:
    """After the meeting: mark it held and prepare the attendance register from the answers."""
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.INVITED:
        raise ValidationError(_("Only a meeting whose invitations went out can be marked as held."), code="status")
    if not meeting.is_over:
        raise ValidationError(_("The meeting has not ended yet."), code="not_over")
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status", "updated_at"])
    prepare_attendance(meeting)
    return meeting


def prepare_attendance(meeting: Meeting) -> int:
    """One attendance row per standing invitation, pre-filled from the answer; existing rows are kept."""
    have = set(Attendance.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    expected = {AttendanceMode.IN_PERSON: Presence.IN_PERSON, AttendanceMode.ONLINE: Presence.ONLINE}
    rows = [
        Attendance(
            meeting=meeting,
            invitation=invitation,
            person_id=invitation.person_id,
            presence=expected.get(invitation.mode, Presence.ABSENT)
            if invitation.answer == Answer.ACCEPTED
            else Presence.ABSENT,
        )
        for invitation in meeting.invitations.live().exclude(answer=Answer.DELEGATED)
        if invitation.person_id not in have
    ]
    Attendance.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def close_meeting(meeting: Meeting, *, by=None) -> Meeting:
    meeting = _lock(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Only a meeting that was held can be closed."), code="status")
    meeting.status = MeetingStatus.CLOSED
    meeting.save(update_fields=["status", "updated_at"])
    return meeting


@transaction.atomic
def copy_meeting(meeting: Meeting, *, by=None) -> Meeting:
    """A draft for the next meeting: the same practical details, crisis, themes and agenda skeleton (titles,
    order, presenters, durations, kinds); no documents, invitations or descriptions."""
    languages = [code for code, _name in settings.LANGUAGES]
    copy = Meeting(
        format=meeting.format,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        time_zone=meeting.time_zone,
        venue_name=meeting.venue_name,
        venue_address=meeting.venue_address,
        venue_city=meeting.venue_city,
        video_link=meeting.video_link,
        dial_in=meeting.dial_in,
        chair=meeting.chair,
        host=meeting.host,
        crisis=meeting.crisis,
    )
    for language in languages:
        setattr(copy, f"title_{language}", getattr(meeting, f"title_{language}"))
    copy.save()
    ensure_reminders(copy)
    copy.themes.set(meeting.themes.all())
    mapping: dict[int, AgendaItem] = {}
    items = sorted(meeting.agenda_items.all(), key=lambda i: (i.parent_id is not None, i.position, i.pk))
    for item in items:
        new = AgendaItem(
            meeting=copy,
            parent=mapping.get(item.parent_id),
            position=item.position,
            presenter=item.presenter,
            presenting_organisation=item.presenting_organisation,
            duration_minutes=item.duration_minutes,
            kind=item.kind,
        )
        for language in languages:
            setattr(new, f"title_{language}", getattr(item, f"title_{language}"))
        new.save()
        mapping[item.pk] = new
    return copy


# --- Reading ------------------------------------------------------------------------------------------------------


def answer_counts(meeting: Meeting) -> dict[str, int]:
    counts = meeting.invitations.live().aggregate(
        invited=Count("pk"),
        accepted=Count("pk", filter=Q(answer=Answer.ACCEPTED)),
        declined=Count("pk", filter=Q(answer=Answer.DECLINED)),
        delegated=Count("pk", filter=Q(answer=Answer.DELEGATED)),
        pending=Count("pk", filter=Q(answer=Answer.PENDING)),
    )
    return counts


def answer_summary(meeting: Meeting) -> str:
    c = answer_counts(meeting)
    return (
        _(
            "invited %(invited)d · accepted %(accepted)d · declined %(declined)d · delegated %(delegated)d · "
            "pending %(pending)d"
        )
        % c
    )

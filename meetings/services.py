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
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


@dataclass
class SeatTally:
    """A meeting's seats per country: how many each country holds (``used``) and may hold (``allowed``, one unless
    raised with a ``SeatAllowance``), both by country id. ``take`` counts a seat planned but not yet stored."""

    used: dict[int, int]
    allowed: dict[int, int]

    def seats(self, country_id: int) -> int:
        return self.allowed.get(country_id, 1)

    def is_free(self, country_id: int) -> bool:
        return self.used.get(country_id, 0) < self.seats(country_id)

    def take(self, country_id: int) -> None:
        self.used[country_id] = self.used.get(country_id, 0) + 1


def seat_tally(meeting: Meeting, *, exclude: tuple[Invitation | None, ...] = ()) -> SeatTally:
    """The seat rule's one count (two queries for any number of countries): every invitation that
    ``holding_seat`` counts, but those in ``exclude`` (unsaved or ``None`` entries are ignored)."""
    holders = Invitation.objects.filter(meeting=meeting).holding_seat()
    holders = holders.exclude(pk__in=[i.pk for i in exclude if i is not None and i.pk])
    used = dict(holders.values_list("country_id").annotate(n=Count("pk")).values_list("country_id", "n"))
    allowed = dict(SeatAllowance.objects.filter(meeting=meeting).values_list("country_id", "seats"))
    return SeatTally(used=used, allowed=allowed)


def _check_seat(meeting: Meeting, country: Country | None, *, exclude: tuple[Invitation | None, ...] = ()) -> None:
    if country is None or seat_tally(meeting, exclude=exclude).is_free(country.pk):
        return
    holders = Invitation.objects.filter(meeting=meeting, country=country).holding_seat().select_related("person")
    holders = holders.exclude(pk__in=[i.pk for i in exclude if i is not None and i.pk])
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


# --- The meeting's state ------------------------------------------------------------------------------------------

_PREPARING = (MeetingStatus.DRAFT, MeetingStatus.INVITED)

# What each step in a meeting's life requires of its status, and what is said when it does not hold (with the
# status in words as ``%(status)s``). The services check it; the admin shows only the steps it allows.
STATUS_RULES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "invite": (
        _PREPARING,
        gettext_lazy("Invitations cannot be added to a meeting that is %(status)s."),
        "meeting_closed",
    ),
    "send": (
        _PREPARING,
        gettext_lazy("Invitations cannot be sent for a meeting that is %(status)s."),
        "meeting_closed",
    ),
    "cancel": (_PREPARING, gettext_lazy("A meeting that is %(status)s cannot be cancelled."), "status"),
    "held": (
        (MeetingStatus.INVITED,),
        gettext_lazy("Only a meeting whose invitations went out can be marked as held."),
        "status",
    ),
    "close": ((MeetingStatus.HELD,), gettext_lazy("Only a meeting that was held can be closed."), "status"),
}


def allows(meeting: Meeting, step: str) -> bool:
    """Whether ``meeting``'s status allows ``step`` (a key of ``STATUS_RULES``)."""
    return meeting.status in STATUS_RULES[step][0]


def require_status(meeting: Meeting, step: str) -> None:
    """The one guard for "the meeting is in state X": raise ``ValidationError`` (``STATUS_RULES``' message and
    code) unless ``allows(meeting, step)``."""
    if not allows(meeting, step):
        _statuses, message, code = STATUS_RULES[step]
        raise ValidationError(message, params={"status": meeting.get_status_display().lower()}, code=code)


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
    require_status(meeting, "invite")
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
    seats = seat_tally(meeting)
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
            if not seats.is_free(country.pk):
                skipped.append(Skipped(person, _("%(country)s's seat is taken") % {"country": country}))
                continue
            seats.take(country.pk)
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
    require_status(meeting, "invite")
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
def withdraw_invitation(invitation: Invitation, *, notify: bool = True) -> None:
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


def send_invitations(meeting: Meeting) -> int:
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
    if not first and not allows(meeting, "send"):
        return 0, False  # cancelled meanwhile: the cancellation told everyone who had been invited
    require_status(meeting, "send")
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


def check_answerable(invitation: Invitation) -> None:
    """Raise ``ValidationError`` (code ``withdrawn``, ``cancelled`` or ``over``) when the invitation's answer can no
    longer change: ``Invitation.answer_closed_reason`` in words."""
    reason = invitation.answer_closed_reason
    if reason == "withdrawn":
        raise ValidationError(_("This invitation was withdrawn."), code="withdrawn")
    if reason == "cancelled":
        raise ValidationError(_("The meeting was cancelled; answers can no longer change."), code="cancelled")
    if reason == "over":
        raise ValidationError(_("The meeting is over; answers can no longer change."), code="over")


def modes_for(meeting: Meeting) -> list[str]:
    return {
        MeetingFormat.VIRTUAL: [AttendanceMode.ONLINE],
        MeetingFormat.IN_PERSON: [AttendanceMode.IN_PERSON],
        MeetingFormat.HYBRID: [AttendanceMode.IN_PERSON, AttendanceMode.ONLINE],
    }[meeting.format]


def check_answer(invitation: Invitation, *, answer: str, mode: str = "", substitute: Person | None = None) -> str:
    """Validate an answer without changing anything; return the attendance mode to record (``""`` unless
    accepting). Raises ``ValidationError`` when the answer breaks a rule (see ``record_answer``). ``record_answer``
    calls it first, under the meeting's lock; a form calls it to validate. Reads ``invitation.meeting`` and
    ``invitation.person.organisation``."""
    check_answerable(invitation)
    if answer == Answer.PENDING:
        if invitation.answer != Answer.PENDING:
            raise ValidationError(_("An answer cannot be taken back to pending."), code="pending")
        return ""  # the remarks only
    if answer == Answer.ACCEPTED:
        return _check_accept(invitation, mode)
    if answer == Answer.DECLINED:
        return ""
    if answer == Answer.DELEGATED:
        _check_substitute(invitation, substitute)
        return ""
    raise ValidationError(_("Choose accept, decline or send a substitute."), code="answer")


def _check_accept(invitation: Invitation, mode: str) -> str:
    allowed = modes_for(invitation.meeting)
    if not mode and len(allowed) == 1:
        mode = allowed[0]
    if mode not in allowed:
        raise ValidationError(_("Say whether you will attend in person or online."), code="mode")
    if invitation.answer not in (Answer.PENDING, Answer.ACCEPTED) and invitation.capacity == Capacity.MEMBER:
        # The invitee's own substitute gives the seat back when the invitee comes after all.
        current_substitution = invitation.substitutions.live().first()
        _check_seat(invitation.meeting, invitation.country, exclude=(invitation, current_substitution))
    return mode


def _check_substitute(invitation: Invitation, substitute: Person | None) -> None:
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
    invited = Invitation.objects.live().filter(meeting=invitation.meeting, person=substitute)
    if invited.exclude(delegated_from=invitation).exists():
        raise ValidationError(
            _("%(person)s is already invited to this meeting."),
            params={"person": substitute},
            code="substitute_invited",
        )


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
    - changing away from a delegation withdraws the substitute's invitation;
    - "pending" keeps a pending answer and changes only the remarks (``set_remarks``); an answer cannot go back
      to pending.

    ``on_behalf`` marks an answer the secretariat recorded for the person (after a phone call or an email).
    """
    meeting = _lock(invitation.meeting)
    invitation = Invitation.objects.select_for_update().select_related("person__organisation").get(pk=invitation.pk)
    invitation.meeting = meeting
    mode = check_answer(invitation, answer=answer, mode=mode, substitute=substitute)
    if answer == Answer.PENDING:
        return set_remarks(invitation, remarks=remarks or "")
    current_substitution = invitation.substitutions.live().first()
    if answer == Answer.DELEGATED:
        _delegate(invitation, substitute, current=current_substitution, by=by)
    elif current_substitution is not None:
        withdraw_invitation(current_substitution)
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


def _delegate(invitation: Invitation, substitute: Person, *, current: Invitation | None, by) -> None:
    """The substitute's own invitation (a withdrawn one comes back), which takes the invitee's seat; a previous
    substitute's is withdrawn. Keeps a standing substitution to the same person."""
    if current is not None and current.person_id == substitute.pk:
        return
    meeting = invitation.meeting
    if current is not None:
        withdraw_invitation(current)
    substitution = Invitation.objects.filter(meeting=meeting, person=substitute).first()
    if substitution is not None:
        substitution.withdrawn_at = None
        substitution.answer = Answer.PENDING
        substitution.mode = ""
        substitution.delegated_from = invitation
        substitution.capacity = invitation.capacity
        substitution.country = invitation.country
        substitution.sent_at = None
        substitution.save()
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


@transaction.atomic
def set_remarks(invitation: Invitation, *, remarks: str) -> Invitation:
    """Change only an invitation's remarks (dietary needs, accessibility), stripped; the answer stays. Saved with
    the model's ``save()``, so the change is in the invitation's history. Raises ``ValidationError`` when
    ``check_answerable`` does."""
    invitation = Invitation.objects.select_for_update().select_related("meeting").get(pk=invitation.pk)
    check_answerable(invitation)
    invitation.remarks = (remarks or "").strip()
    invitation.save(update_fields=["remarks"])
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
def save_meeting(meeting: Meeting, *, by=None, default_reminders: bool = True) -> MeetingChange | None:
    """Save ``meeting``; when time, place or format changed after the invitations went out, raise its revision
    and record the change, which the invitees are then told about. Returns the change, if any. A new meeting gets
    the default reminder schedule unless ``default_reminders`` is false (the caller saves a schedule of its own)."""
    if meeting.pk is None:
        meeting.save()
        if default_reminders:
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
def cancel_meeting(meeting: Meeting, *, reason: str) -> Meeting:
    meeting = _lock(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for cancelling."), code="reason")
    require_status(meeting, "cancel")
    if meeting.status == MeetingStatus.INVITED:
        meeting.sequence += 1
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancellation_reason = reason
    meeting.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
    delivery.queue_cancellation(meeting)
    return meeting


@transaction.atomic
def mark_held(meeting: Meeting) -> Meeting:
    """After the meeting: mark it held and prepare the attendance register from the answers."""
    meeting = _lock(meeting)
    require_status(meeting, "held")
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
def close_meeting(meeting: Meeting) -> Meeting:
    meeting = _lock(meeting)
    require_status(meeting, "close")
    meeting.status = MeetingStatus.CLOSED
    meeting.save(update_fields=["status", "updated_at"])
    return meeting


@transaction.atomic
def copy_meeting(meeting: Meeting) -> Meeting:
    """A draft for the next meeting: the same practical details, crisis, themes, reminder schedule and agenda
    skeleton (titles, order, presenters, durations, kinds); no documents, invitations or descriptions."""
    titles = [f"title_{code}" for code, _name in settings.LANGUAGES]
    kept = (*Meeting.PRACTICAL_FIELDS, "chair", "host", "crisis", *titles)
    copy = Meeting(**{name: getattr(meeting, name) for name in kept})
    copy.save()
    ReminderRule.objects.bulk_create(
        ReminderRule(meeting=copy, kind=rule.kind, days_before=rule.days_before, active=rule.active)
        for rule in meeting.reminder_rules.all()
    )
    ensure_reminders(copy)  # the default schedule when the meeting copied had none
    copy.themes.set(meeting.themes.all())
    mapping: dict[int, AgendaItem] = {}
    kept = ("position", "presenter", "presenting_organisation", "duration_minutes", "kind", *titles)
    for item in sorted(meeting.agenda_items.all(), key=lambda i: (i.parent_id is not None, i.position, i.pk)):
        new = AgendaItem(meeting=copy, parent=mapping.get(item.parent_id), **{n: getattr(item, n) for n in kept})
        new.save()
        mapping[item.pk] = new
    return copy


# --- Reading ------------------------------------------------------------------------------------------------------


ANSWER_COUNTS = ("invited", "accepted", "declined", "delegated", "pending")


def _answer_count_expressions(prefix: str = "") -> dict[str, Count]:
    """The counts of standing invitations by answer, as ``Count`` expressions over ``prefix`` (``""`` on
    invitations, ``"invitations__"`` on meetings)."""
    live = Q(**{f"{prefix}withdrawn_at__isnull": True})
    answer = f"{prefix}answer"
    return {
        "invited": Count(f"{prefix}pk", filter=live),
        "accepted": Count(f"{prefix}pk", filter=live & Q(**{answer: Answer.ACCEPTED})),
        "declined": Count(f"{prefix}pk", filter=live & Q(**{answer: Answer.DECLINED})),
        "delegated": Count(f"{prefix}pk", filter=live & Q(**{answer: Answer.DELEGATED})),
        "pending": Count(f"{prefix}pk", filter=live & Q(**{answer: Answer.PENDING})),
    }


def with_answer_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """``meetings`` with their answer counts in the same query, which ``answer_counts`` then reads (for lists)."""
    return meetings.annotate(**{f"n_{k}": v for k, v in _answer_count_expressions("invitations__").items()})


def answer_counts(meeting: Meeting) -> dict[str, int]:
    """A meeting's standing invitations by answer: ``{"invited", "accepted", "declined", "delegated", "pending"}``
    → count. Read from ``with_answer_counts``'s annotations when the meeting has them, else one query."""
    if hasattr(meeting, "n_invited"):
        return {k: getattr(meeting, f"n_{k}") for k in ANSWER_COUNTS}
    return Invitation.objects.filter(meeting=meeting).aggregate(**_answer_count_expressions())


def answer_summary(meeting: Meeting) -> str:
    """``answer_counts`` in one line of words (the admin's list, the portal's board)."""
    return _(
        "invited %(invited)d · accepted %(accepted)d · declined %(declined)d · delegated %(delegated)d · "
        "pending %(pending)d"
    ) % answer_counts(meeting)

"""The rules of drafts and of the written (silence) procedure. The admin, the portal, the answer links and the
periodic job call these functions; each checks its input and changes nothing when it raises ``ValidationError``.

Source of the procedure's rules: the Council of the EU's written procedure (Rules of Procedure of the Council,
Article 12), as the network uses it: a text is circulated with a deadline; a country may break silence (with a
reason) or comment without breaking it; without a broken silence at the deadline, the text is adopted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import Action, Conclusion
from members.identity import holds_seat, seat_countries
from members.models import Country, Person

from . import mail
from .enums import (
    AnswerChannel,
    DraftStatus,
    ProcedureAnswerKind,
    ProcedureStatus,
    ProposalOutcome,
    ReservationKind,
)
from .models import (
    PARAGRAPH_LIMIT,
    Draft,
    Paragraph,
    ProcedureAnswer,
    ProcedureCountry,
    Proposal,
    Reservation,
    Revision,
    WrittenProcedure,
)

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _lock(draft: Draft) -> Draft:
    return Draft.objects.select_for_update().get(pk=draft.pk)


def latest_revision(draft: Draft) -> Revision | None:
    return draft.revisions.order_by("-number").first()


# --- Drafts and revisions ---------------------------------------------------------------------------------------


@transaction.atomic
def publish_revision(
    draft: Draft,
    paragraphs: list[dict[str, str]],
    *,
    note: str = "",
    outcomes: dict[int, str] | None = None,
    by=None,
) -> Revision:
    """Publish the next revision of ``draft`` (REV 1, REV 2 …): ``paragraphs`` in order, each a dict of texts by
    language code (English required), numbered from 1. ``outcomes`` says, by proposal id, what became of the
    pending proposals on earlier revisions (``ProposalOutcome.ACCEPTED`` or ``SET_ASIDE``); those not named stay
    pending. The draft must not be adopted, withdrawn or under written procedure. Earlier revisions are kept."""
    draft = _lock(draft)
    if draft.status in (DraftStatus.ADOPTED, DraftStatus.WITHDRAWN, DraftStatus.PROCEDURE):
        raise ValidationError(
            _("A draft that is %(status)s takes no new revision."),
            params={"status": draft.get_status_display().lower()},
            code="status",
        )
    if not paragraphs:
        raise ValidationError(_("A revision needs at least one paragraph."), code="empty")
    for n, texts in enumerate(paragraphs, start=1):
        _check_action(n, texts.get("action"))
        if not (texts.get("en") or "").strip():
            raise ValidationError(
                _("Paragraph %(number)s has no English text."), params={"number": n}, code="no_english"
            )
        if any(len(texts.get(code) or "") > PARAGRAPH_LIMIT for code in LANGUAGES):
            raise ValidationError(
                _("Paragraph %(number)s is longer than %(limit)s characters."),
                params={"number": n, "limit": PARAGRAPH_LIMIT},
                code="too_long",
            )
    number = (draft.revisions.aggregate(m=Max("number"))["m"] or 0) + 1
    revision = Revision.objects.create(draft=draft, number=number, note=note, published_by=by)
    Paragraph.objects.bulk_create(
        [
            Paragraph(
                revision=revision,
                number=n,
                **{f"text_{code}": (texts.get(code) or "").strip() or None for code in LANGUAGES},
                **_action_fields(texts.get("action")),
            )
            for n, texts in enumerate(paragraphs, start=1)
        ]
    )
    for proposal_id, outcome in (outcomes or {}).items():
        decide_proposal(
            Proposal.objects.get(pk=proposal_id, revision__draft=draft), outcome=outcome, in_revision=revision
        )
    return revision


def _check_action(number: int, action: dict | None) -> None:
    """An action (``{"title": {language: text}, "country": Country | None, "secretariat": bool, "due": date}``)
    needs an English title, a due date and exactly one owner (a country or the secretariat), as
    ``knowledge.Action`` does."""
    if not action:
        return
    title = (action.get("title") or {}).get("en", "").strip()
    owners = int(action.get("country") is not None) + int(bool(action.get("secretariat")))
    if not title or action.get("due") is None or owners != 1:
        raise ValidationError(
            _("The action of paragraph %(number)s needs an English title, a due date and one owner."),
            params={"number": number},
            code="action",
        )
    if any(c in title for c in "\r\n\t"):
        raise ValidationError(
            _("The action of paragraph %(number)s is written on one line."), params={"number": number}, code="action"
        )


def _action_fields(action: dict | None) -> dict:
    if not action:
        return {}
    titles = action.get("title") or {}
    return {
        **{f"action_title_{code}": (titles.get(code) or "").strip() or None for code in LANGUAGES},
        "action_owner_country": action.get("country"),
        "action_owner_secretariat": bool(action.get("secretariat")),
        "action_due": action.get("due"),
    }


def action_of(paragraph: Paragraph) -> dict | None:
    """A paragraph's action as ``publish_revision`` takes it, or None."""
    if not paragraph.action_title_en:
        return None
    return {
        "title": {code: getattr(paragraph, f"action_title_{code}") or "" for code in LANGUAGES},
        "country": paragraph.action_owner_country,
        "secretariat": paragraph.action_owner_secretariat,
        "due": paragraph.action_due,
    }


def copy_paragraphs(revision: Revision) -> list[dict]:
    """A revision's paragraphs as ``publish_revision`` takes them (texts by language, and ``action`` when the
    paragraph has one): the start of the next revision."""
    copied = []
    for paragraph in revision.paragraphs.order_by("number").select_related("action_owner_country"):
        texts: dict = {code: getattr(paragraph, f"text_{code}") or "" for code in LANGUAGES}
        if action := action_of(paragraph):
            texts["action"] = action
        copied.append(texts)
    return copied


def decide_proposal(proposal: Proposal, *, outcome: str, in_revision: Revision) -> Proposal:
    """Record that ``proposal`` was accepted or set aside when ``in_revision`` was prepared."""
    if outcome not in (ProposalOutcome.ACCEPTED, ProposalOutcome.SET_ASIDE):
        raise ValidationError(_("Accept the proposal or set it aside."), code="outcome")
    if proposal.outcome != ProposalOutcome.PENDING:
        raise ValidationError(_("This proposal was already decided."), code="decided")
    proposal.outcome = outcome
    proposal.decided_in = in_revision
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["outcome", "decided_in", "decided_at"])
    return proposal


@transaction.atomic
def open_for_comments(draft: Draft) -> Draft:
    """Open ``draft`` to the countries' proposals and reservations; it needs a revision."""
    draft = _lock(draft)
    if draft.status not in (DraftStatus.DRAFTING, DraftStatus.COMMENTS):
        raise ValidationError(
            _("A draft that is %(status)s cannot be opened for comments."),
            params={"status": draft.get_status_display().lower()},
            code="status",
        )
    if not draft.revisions.exists():
        raise ValidationError(_("Publish a first revision before opening the draft for comments."), code="empty")
    draft.status = DraftStatus.COMMENTS
    draft.save(update_fields=["status"])
    return draft


@transaction.atomic
def withdraw_draft(draft: Draft) -> Draft:
    """Withdraw a draft that is not adopted (it is kept; a procedure still open is withdrawn first)."""
    if Draft.objects.get(pk=draft.pk).status == DraftStatus.ADOPTED:
        raise ValidationError(_("An adopted text cannot be withdrawn."), code="status")
    # The procedure's row before the draft's, in the order the close takes them.
    for procedure in WrittenProcedure.objects.filter(revision__draft=draft, status=ProcedureStatus.OPEN):
        withdraw_procedure(procedure)
    draft = _lock(draft)
    if draft.status == DraftStatus.ADOPTED:
        raise ValidationError(_("An adopted text cannot be withdrawn."), code="status")
    draft.status = DraftStatus.WITHDRAWN
    draft.save(update_fields=["status"])
    return draft


def _check_commenter(revision: Revision, person: Person) -> Country:
    draft = Draft.objects.get(pk=revision.draft_id)  # its status now, not as the caller loaded it
    if draft.status != DraftStatus.COMMENTS:
        raise ValidationError(_("This draft is not open for comments."), code="not_open")
    if revision.pk != latest_revision(draft).pk:
        raise ValidationError(_("Comment on the latest revision."), code="not_latest")
    country = person.organisation.country
    if country is None or not holds_seat(person, country):
        raise ValidationError(_("Only the people who hold a country's seat speak for it."), code="not_holder")
    return country


def _paragraph_exists(revision: Revision, number: int) -> None:
    if not revision.paragraphs.filter(number=number).exists():
        raise ValidationError(
            _("%(label)s has no paragraph %(number)s."),
            params={"label": revision.label, "number": number},
            code="paragraph",
        )


@transaction.atomic
def propose(revision: Revision, *, person: Person, paragraph_number: int, text: str, reason: str = "") -> Proposal:
    """``person``'s country proposes new wording for a paragraph of the latest revision of a draft open for
    comments; ``person`` must hold the country's seat today."""
    country = _check_commenter(revision, person)
    _paragraph_exists(revision, paragraph_number)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the wording you propose."), code="empty")
    return Proposal.objects.create(
        revision=revision,
        paragraph_number=paragraph_number,
        country=country,
        author=person,
        text=text,
        reason=reason.strip(),
    )


@transaction.atomic
def reserve(
    revision: Revision, *, person: Person, kind: str, reason: str, paragraph_number: int | None = None
) -> Reservation:
    """``person``'s country enters a general or scrutiny reservation on the latest revision (the whole text, or
    one paragraph) with a reason; the same rights as ``propose``."""
    country = _check_commenter(revision, person)
    if kind not in ReservationKind.values:
        raise ValidationError(_("Choose a general or a scrutiny reservation."), code="kind")
    if paragraph_number is not None:
        _paragraph_exists(revision, paragraph_number)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("A reservation needs a reason."), code="no_reason")
    return Reservation.objects.create(
        revision=revision, paragraph_number=paragraph_number, country=country, author=person, kind=kind, reason=reason
    )


# --- The written procedure ----------------------------------------------------------------------------------------


def _check_deadline(deadline: datetime.datetime, *, after: datetime.datetime | None = None) -> None:
    if timezone.is_naive(deadline):
        raise ValidationError(_("Give the deadline with its time zone."), code="naive")
    if deadline <= timezone.now():
        raise ValidationError(_("The deadline must be in the future."), code="past")
    if after is not None and deadline <= after:
        raise ValidationError(_("The new deadline must be later than the current one."), code="not_later")


def check_hours(hours: list[int]) -> list[int]:
    """A reminder schedule (hours before the deadline) sorted, latest reminder last, without repeats; raises
    ``ValidationError`` unless each is a whole number of hours between 1 and 1440."""
    try:
        cleaned = sorted({int(h) for h in hours}, reverse=True)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("Reminders are whole numbers of hours."), code="hours") from error
    if any(h <= 0 or h > 24 * 60 for h in cleaned):
        raise ValidationError(_("Reminders are between 1 and 1440 hours before the deadline."), code="hours")
    return cleaned


@transaction.atomic
def open_procedure(
    revision: Revision,
    *,
    deadline: datetime.datetime,
    countries: list[Country] | None = None,
    reminder_hours: list[int] | None = None,
    by=None,
) -> WrittenProcedure:
    """Open a written procedure on ``revision``, the latest of its draft, with ``deadline`` (aware, in the future)
    and the ``countries`` concerned (default: ``members.identity.seat_countries`` today). The draft goes under
    written procedure and each country's seat holders are mailed their answer links."""
    draft = _lock(revision.draft)
    if draft.status not in (DraftStatus.DRAFTING, DraftStatus.COMMENTS):
        raise ValidationError(
            _("A draft that is %(status)s cannot go to written procedure."),
            params={"status": draft.get_status_display().lower()},
            code="status",
        )
    if revision.pk != latest_revision(draft).pk:
        raise ValidationError(
            _("%(label)s is not the latest revision: a written procedure is on the latest one."),
            params={"label": revision.label},
            code="not_latest",
        )
    _check_deadline(deadline)
    hours = check_hours(reminder_hours if reminder_hours is not None else [48, 4])
    chosen = list(countries) if countries is not None else list(seat_countries())
    if not chosen:
        raise ValidationError(_("No country holds a seat: nobody could answer."), code="no_country")
    procedure = WrittenProcedure.objects.create(
        revision=revision, deadline=deadline, reminder_hours=hours, opened_by=by
    )
    ProcedureCountry.objects.bulk_create([ProcedureCountry(procedure=procedure, country=c) for c in chosen])
    draft.status = DraftStatus.PROCEDURE
    draft.save(update_fields=["status"])
    mail.queue_to_countries(procedure, "opened")
    return procedure


def _lock_procedure(procedure: WrittenProcedure) -> WrittenProcedure:
    return (
        WrittenProcedure.objects.select_for_update(of=("self",)).select_related("revision__draft").get(pk=procedure.pk)
    )


@transaction.atomic
def answer_procedure(
    procedure: WrittenProcedure,
    country: Country,
    *,
    person: Person,
    answer: str,
    text: str = "",
    channel: str = AnswerChannel.PORTAL,
) -> ProcedureAnswer:
    """Record ``country``'s answer given by ``person`` (one of its seat holders today): no objection, a comment
    (silence not broken) or an objection (silence broken; ``text`` is the reason, required). Until the deadline
    (strictly before it) the answer may change; the last one counts and every one is kept. Two answers at once are
    taken one after the other (the procedure's row is locked): both are kept, the later counts."""
    procedure = _lock_procedure(procedure)
    if procedure.status != ProcedureStatus.OPEN or procedure.deadline <= timezone.now():
        raise ValidationError(
            _("The written procedure no longer takes answers: its deadline has passed or it was closed."),
            code="closed",
        )
    entry = ProcedureCountry.objects.select_for_update().filter(procedure=procedure, country=country).first()
    if entry is None:
        raise ValidationError(
            _("This written procedure does not concern %(country)s."), params={"country": country}, code="country"
        )
    if not holds_seat(person, country):
        raise ValidationError(
            _("%(person)s does not hold the seat of %(country)s."),
            params={"person": person, "country": country},
            code="not_holder",
        )
    if answer not in ProcedureAnswerKind.values:
        raise ValidationError(_("Choose an answer."), code="answer")
    text = (text or "").strip()
    if answer == ProcedureAnswerKind.OBJECTION and not text:
        raise ValidationError(_("Breaking silence needs a reason."), code="no_reason")
    if answer == ProcedureAnswerKind.COMMENT and not text:
        raise ValidationError(_("Write your comment."), code="no_comment")
    now = timezone.now()
    given = ProcedureAnswer.objects.create(
        procedure_country=entry, answer=answer, text=text, person=person, channel=channel, at=now
    )
    entry.answer, entry.text, entry.answered_at, entry.answered_by = answer, text, now, person
    entry.save(update_fields=["answer", "text", "answered_at", "answered_by"])
    return given


@transaction.atomic
def extend_procedure(procedure: WrittenProcedure, *, deadline: datetime.datetime) -> WrittenProcedure:
    """Move an open procedure's deadline later; every country concerned is told."""
    procedure = _lock_procedure(procedure)
    if not procedure.is_open:
        raise ValidationError(_("Only an open written procedure can be extended."), code="closed")
    _check_deadline(deadline, after=procedure.deadline)
    procedure.deadline = deadline
    procedure.save(update_fields=["deadline"])
    mail.queue_to_countries(procedure, "extended")
    return procedure


@transaction.atomic
def withdraw_procedure(procedure: WrittenProcedure) -> WrittenProcedure:
    """Withdraw an open procedure before its deadline: the draft is open for comments again; every country
    concerned is told."""
    procedure = _lock_procedure(procedure)
    if not procedure.is_open:
        raise ValidationError(_("Only an open written procedure can be withdrawn."), code="closed")
    procedure.status = ProcedureStatus.WITHDRAWN
    procedure.closed_at = timezone.now()
    procedure.save(update_fields=["status", "closed_at"])
    Draft.objects.filter(pk=procedure.revision.draft_id).update(status=DraftStatus.COMMENTS)
    mail.queue_to_countries(procedure, "withdrawn")
    return procedure


@dataclass(frozen=True)
class Closed:
    procedure: WrittenProcedure
    adopted: bool
    objections: list[ProcedureCountry]


def close_procedure(procedure_id: int, *, now: datetime.datetime | None = None) -> Closed | None:
    """Close one procedure whose deadline has passed, once: the conditional update (open → closing) lets one
    caller win even with two schedulers running; the others get None. Without a broken silence the draft is
    adopted on the deadline's date (Brussels): a meeting's draft becomes numbered conclusions of its meeting, and
    every country is mailed a note (PDF) in each reader's language. With one, the procedure fails, the draft is
    open for comments again with the objections kept, and the chair and the secretariat are told."""
    now = now or timezone.now()
    with transaction.atomic():
        won = WrittenProcedure.objects.filter(pk=procedure_id, status=ProcedureStatus.OPEN, deadline__lte=now).update(
            status=ProcedureStatus.CLOSING
        )
        if not won:
            return None
        procedure = _lock_procedure(WrittenProcedure(pk=procedure_id))
        entries = list(
            ProcedureCountry.objects.select_for_update(of=("self",))
            .filter(procedure=procedure)
            .select_related("country")
        )
        objections = [e for e in entries if e.answer == ProcedureAnswerKind.OBJECTION]
        draft = _lock(procedure.revision.draft)
        procedure.closed_at = now
        if objections:
            procedure.status = ProcedureStatus.FAILED
            draft.status = DraftStatus.COMMENTS
            draft.save(update_fields=["status"])
        else:
            procedure.status = ProcedureStatus.ADOPTED
            draft.status = DraftStatus.ADOPTED
            draft.adopted_on = procedure.local_deadline.date()
            draft.save(update_fields=["status", "adopted_on"])
            _make_conclusions(procedure)
        procedure.save(update_fields=["status", "closed_at"])
        if objections:
            mail.queue_failed(procedure, objections)
        else:
            mail.queue_to_countries(procedure, "adopted")
    return Closed(procedure, not objections, objections)


def _make_conclusions(procedure: WrittenProcedure) -> list[Conclusion]:
    """A meeting's draft adopted: its paragraphs become the meeting's next numbered conclusions, every language
    copied, each with its paragraph's action. A standing text has no meeting to hold conclusions: the adopted
    revision is its record."""
    meeting = procedure.revision.draft.meeting
    if meeting is None:
        return []
    start = Conclusion.objects.filter(meeting=meeting).aggregate(m=Max("number"))["m"] or 0
    made = []
    for offset, paragraph in enumerate(procedure.revision.paragraphs.order_by("number"), start=1):
        texts = {f"text_{code}": getattr(paragraph, f"text_{code}") for code in LANGUAGES}
        conclusion = Conclusion.objects.create(meeting=meeting, number=start + offset, **texts)
        if paragraph.action_title_en:
            Action.objects.create(
                conclusion=conclusion,
                owner_country_id=paragraph.action_owner_country_id,
                owner_secretariat=paragraph.action_owner_secretariat,
                due_date=paragraph.action_due,
                **{f"title_{code}": getattr(paragraph, f"action_title_{code}") for code in LANGUAGES},
            )
        made.append(conclusion)
    return made


def close_due_procedures(now: datetime.datetime | None = None) -> int:
    """Close every open procedure whose deadline has passed (the periodic job); returns how many this call closed."""
    now = now or timezone.now()
    due = WrittenProcedure.objects.filter(status=ProcedureStatus.OPEN, deadline__lte=now).values_list("pk", flat=True)
    return sum(1 for pk in list(due) if close_procedure(pk, now=now) is not None)


def send_procedure_reminders(now: datetime.datetime | None = None) -> int:
    """Remind the seat holders of each country that has not answered an open procedure, at each of its
    ``reminder_hours`` before the deadline (each reminder once per person and deadline: the outbox key).
    Returns how many messages were queued."""
    now = now or timezone.now()
    queued = 0
    for procedure in WrittenProcedure.objects.filter(status=ProcedureStatus.OPEN, deadline__gt=now).select_related(
        "revision__draft"
    ):
        due_hours = [h for h in procedure.reminder_hours if procedure.deadline - datetime.timedelta(hours=h) <= now]
        if not due_hours:
            continue
        hour = min(due_hours)  # the latest reminder due; earlier ones missed are not sent late
        with transaction.atomic():
            queued += mail.queue_to_countries(procedure, "reminder", unanswered_only=True, suffix=f"{hour}h")
    return queued


def board(procedure: WrittenProcedure) -> list[ProcedureCountry]:
    """Country by country, the current answer (empty: none yet) with who gave it and when. One query."""
    return list(procedure.countries.select_related("country", "answered_by").order_by("country__code"))


def history(procedure: WrittenProcedure):
    """Every answer given, oldest first, with country and person."""
    return (
        ProcedureAnswer.objects.filter(procedure_country__procedure=procedure)
        .select_related("procedure_country__country", "person")
        .order_by("at", "pk")
    )

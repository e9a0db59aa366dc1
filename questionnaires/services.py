"""Business rules of questionnaires: which questionnaires members see (``shown``), opening one (the invitations), who
may answer for a country, validating and saving a country's answer (draft, submit, revise until the deadline, every
submitted version kept), closing one before its deadline, reminders, who may read the results (and all of these for a
page listing several questionnaires at once: ``for_reader``), and the results themselves (table, chart figures,
spreadsheet export).

Who may answer for a country is ``members.identity.seat_holders``: a person holding its director-general's, deputy's
or contact point's mandate today.
"""

from __future__ import annotations

import datetime
import decimal
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.documents import check_upload
from members.enums import Participation
from members.identity import seat_holders
from members.models import Country, Person
from members.services import language_of
from network.lib.neutralise import spreadsheet_cell
from outbox.models import MessageKind
from outbox.services import new_message, store

from .enums import AnswerStatus, QuestionKind, QuestionnaireStatus, ResultsVisibility
from .models import AnswerFile, AnswerVersion, CountryAnswer, Question, Questionnaire

# --- Who is asked, who may answer -----------------------------------------------------------------------------------


def shown(questionnaires: QuerySet[Questionnaire] | None = None) -> QuerySet[Questionnaire]:
    """The questionnaires a signed-in member sees (listed, linked from a meeting's agenda or a lesson, opened by id):
    every one but drafts, whoever is asked. ``questionnaires`` narrows it (default: all). What a reader may *do* with
    one is ``may_answer`` and ``may_read_results``."""
    return (questionnaires if questionnaires is not None else Questionnaire.objects.all()).exclude(
        status=QuestionnaireStatus.DRAFT
    )


def countries_asked(questionnaire: Questionnaire) -> list[Country]:
    """The countries chosen, or every member country when none was chosen; by code."""
    chosen = list(questionnaire.countries.order_by("code"))
    return chosen or list(Country.objects.filter(participation=Participation.MEMBER).order_by("code"))


def _asks(country: Country, chosen: set[int]) -> bool:
    """``country`` is among ``countries_asked`` of a questionnaire whose chosen countries' ids are ``chosen``."""
    return country.pk in chosen if chosen else country.participation == Participation.MEMBER


def may_answer(person: Person | None, questionnaire: Questionnaire, country: Country) -> bool:
    """``person`` holds ``country``'s seat today and ``country`` is asked."""
    if person is None or not _asks(country, set(questionnaire.countries.values_list("pk", flat=True))):
        return False
    return seat_holders(country).filter(pk=person.pk).exists()


def accepts_answers(questionnaire: Questionnaire, *, now: datetime.datetime | None = None) -> bool:
    """Open and before its deadline: answers may be saved and submitted (``save_answer``)."""
    now = now or timezone.now()
    return questionnaire.status == QuestionnaireStatus.OPEN and now < questionnaire.deadline


def country_of(person: Person | None) -> Country | None:
    """The country whose seat ``person`` holds today, if any."""
    if person is None or person.country is None:
        return None
    return person.country if seat_holders(person.country).filter(pk=person.pk).exists() else None


# --- Opening: invitations and reminders -----------------------------------------------------------------------------


def answer_url(questionnaire: Questionnaire, person: Person) -> str:
    """The portal page where ``person``'s country answers ``questionnaire``: an absolute URL.

    Deliberately not a one-click signed link (unlike an acknowledgement): an answer is a country's information, with
    files, drafted by several people, so the page asks its reader to sign in; the sign-in brings them back here."""
    return settings.SITE_URL + reverse("portal:questionnaire_answer", args=[questionnaire.pk])


def _mail(questionnaire: Questionnaire, person: Person, *, key: str, reminder: bool):
    language = language_of(person)
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(person.time_zone)):
        context = {
            "questionnaire": questionnaire,
            "person": person,
            "reminder": reminder,
            "url": answer_url(questionnaire, person),
            "portal_url": settings.SITE_URL,
            "secretariat_email": settings.SECRETARIAT_EMAIL,
        }
        title = {"title": questionnaire.title}
        subject = (
            _("Reminder: questionnaire “%(title)s”") % title if reminder else _("Questionnaire: %(title)s") % title
        )
        text = render_to_string("questionnaires/email/invitation.txt", context)
    return new_message(
        key=key,
        kind=MessageKind.QUESTIONNAIRE_REMINDER if reminder else MessageKind.QUESTIONNAIRE,
        to=person.email,
        person=person,
        language=language,
        subject=subject,
        text=text,
    )


@transaction.atomic
def open_questionnaire(questionnaire: Questionnaire, *, now: datetime.datetime | None = None) -> int:
    """Open a draft questionnaire and email every seat holder of every country asked a link to the page where it is
    answered.
    Raises ``ValidationError`` when it has no question, its deadline is past, or it is not a draft. Returns how many
    invitations were queued."""
    now = now or timezone.now()
    given, questionnaire = questionnaire, Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.status != QuestionnaireStatus.DRAFT:
        raise ValidationError(_("This questionnaire is already open."))
    if not questionnaire.questions.exists():
        raise ValidationError(_("Add at least one question first."))
    if questionnaire.deadline <= now:
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status=QuestionnaireStatus.OPEN, opened_at=now)
    given.status = questionnaire.status = QuestionnaireStatus.OPEN
    given.opened_at = questionnaire.opened_at = now
    messages = [
        _mail(questionnaire, person, key=f"questionnaire:{questionnaire.pk}:{person.pk}:invitation", reminder=False)
        for country in countries_asked(questionnaire)
        for person in seat_holders(country)
    ]
    return len(store(messages))


@transaction.atomic
def close_now(questionnaire: Questionnaire, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """Close an open questionnaire before its deadline: its status becomes closed and its deadline ``now`` (kept when
    it has already passed), so that from then on ``save_answer`` refuses answers as after any deadline and
    ``send_due_reminders`` reminds no one. Every answer and version stays. Updates ``questionnaire`` too.

    Returns the deadline it had (aware datetime), for the record. Raises ``ValidationError`` when it is not open (a
    draft, or closed already)."""
    now = now or timezone.now()
    locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if locked.status != QuestionnaireStatus.OPEN:
        raise ValidationError(_("Only an open questionnaire can be closed."))
    former = locked.deadline
    deadline = min(former, now)
    Questionnaire.objects.filter(pk=locked.pk).update(status=QuestionnaireStatus.CLOSED, deadline=deadline)
    questionnaire.status, questionnaire.deadline = QuestionnaireStatus.CLOSED, deadline
    return former


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Close the questionnaires past their deadline; remind the seat holders of each country that has not submitted
    an open questionnaire, on each of its ``reminder_days`` before the deadline (each reminder once: the outbox key).
    Returns how many reminders were queued."""
    now = now or timezone.now()
    # Past its deadline a questionnaire is closed (answers were already refused by the deadline itself).
    Questionnaire.objects.filter(status=QuestionnaireStatus.OPEN, deadline__lte=now).update(
        status=QuestionnaireStatus.CLOSED
    )
    queued = 0
    for questionnaire in Questionnaire.objects.filter(status=QuestionnaireStatus.OPEN, deadline__gt=now):
        due = [d for d in questionnaire.reminder_days if questionnaire.deadline - datetime.timedelta(days=d) <= now]
        if not due:
            continue
        day = min(due)
        submitted = set(
            questionnaire.answers.filter(status=AnswerStatus.SUBMITTED).values_list("country_id", flat=True)
        )
        messages = [
            _mail(
                questionnaire, person, key=f"questionnaire:{questionnaire.pk}:{person.pk}:reminder:{day}", reminder=True
            )
            for country in countries_asked(questionnaire)
            if country.pk not in submitted
            for person in seat_holders(country)
        ]
        with transaction.atomic():
            queued += len(store(messages))
    return queued


# --- Answering ------------------------------------------------------------------------------------------------------


def _clean(question: Question, raw, files: dict) -> object:
    """One question's value from the form's raw value(s); raises ``ValidationError`` with a message for the field."""
    empty = raw in (None, "", []) and question.kind != QuestionKind.FILE
    if question.kind == QuestionKind.FILE:
        upload = files.get(f"q{question.pk}")
        if upload is None:
            return None
        check_upload(upload)
        return upload
    if empty:
        return None
    if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = str(raw).strip()
        if question.kind == QuestionKind.SHORT_TEXT:
            text = " ".join(text.split())[:500]
        return text[:20000] or None
    if question.kind == QuestionKind.NUMBER:
        try:
            number = decimal.Decimal(str(raw).strip().replace(",", ".").replace(" ", ""))
        except decimal.InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": str(raw)[:40]})
        return int(number) if number == number.to_integral_value() else float(number)
    if question.kind == QuestionKind.DATE:
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValidationError(_("Enter a date such as 2022-03-15.")) from None
    if question.kind == QuestionKind.YES_NO:
        if raw not in ("yes", "no"):
            raise ValidationError(_("Answer yes or no."))
        return raw
    options = question.option_list()
    chosen = raw if isinstance(raw, list) else [raw]
    try:
        indexes = sorted({int(c) for c in chosen})
    except (TypeError, ValueError):
        raise ValidationError(_("Choose among the choices given.")) from None
    if any(i < 0 or i >= len(options) for i in indexes):
        raise ValidationError(_("Choose among the choices given."))
    if question.kind == QuestionKind.SINGLE_CHOICE:
        if len(indexes) != 1:
            raise ValidationError(_("Choose one answer."))
        return indexes[0]
    return indexes


@transaction.atomic
def save_answer(
    questionnaire: Questionnaire,
    country: Country,
    *,
    person: Person,
    data: dict,
    files: dict | None = None,
    language: str,
    submit: bool,
    now: datetime.datetime | None = None,
) -> CountryAnswer:
    """Save ``country``'s answer as ``person`` (a seat holder), from ``data`` (``q<id>``: a value, or a list for
    several choices) and ``files`` (``q<id>``: an upload), written in ``language``. A draft keeps what is given; a
    submission (``submit``) also requires every required question and keeps a new ``AnswerVersion``. A submitted
    answer can be revised (and resubmitted) until the deadline.

    Raises ``ValidationError`` (by field ``q<id>``, or ``__all__``) when the questionnaire is not open or past its
    deadline, the person does not hold the country's seat, or a value is bad; then nothing is stored."""
    now = now or timezone.now()
    files = files or {}
    if questionnaire.status == QuestionnaireStatus.DRAFT:
        raise ValidationError(_("This questionnaire is not open for answers."))
    # Closed means its deadline has passed: at the deadline (``send_due_reminders``) or closed early (``close_now``).
    if not accepts_answers(questionnaire, now=now):
        raise ValidationError(_("The deadline has passed: answers can no longer change."))
    if not may_answer(person, questionnaire, country):
        raise ValidationError(
            _("Only a person holding the country's seat (director-general, deputy, contact point) can answer.")
        )
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose the language the answer is written in.")})
    answer, _created = CountryAnswer.objects.select_for_update().get_or_create(
        questionnaire=questionnaire, country=country
    )
    errors: dict[str, list[str]] = {}
    values = dict(answer.values)
    uploads = []
    for question in questionnaire.questions.all():
        name = f"q{question.pk}"
        raw = data.get(name)
        try:
            value = _clean(question, raw, files)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        if question.kind == QuestionKind.FILE:
            if value is not None:
                uploads.append((question, value))
            continue
        if value is None:
            values.pop(str(question.pk), None)
        else:
            values[str(question.pk)] = value
    if submit:
        given = set(values) | {str(question.pk) for question, _upload in uploads}
        for question in questionnaire.questions.all():
            if question.required and str(question.pk) not in given:
                errors.setdefault(f"q{question.pk}", []).append(_("This question must be answered."))
    if errors:
        raise ValidationError(errors)
    for question, upload in uploads:
        stored = AnswerFile.objects.create(
            answer=answer, question=question, file=upload, name=upload.name[:200], content_type=check_upload(upload)
        )
        values[str(question.pk)] = str(stored.uid)
    answer.values, answer.language, answer.updated_at, answer.updated_by = values, language, now, person
    if submit:
        answer.status, answer.submitted_at, answer.submitted_by = AnswerStatus.SUBMITTED, now, person
        number = answer.versions.count() + 1
        AnswerVersion.objects.create(
            answer=answer, number=number, language=language, values=values, submitted_at=now, submitted_by=person
        )
    answer.save()
    return answer


# --- Results --------------------------------------------------------------------------------------------------------


def _reads_results(
    questionnaire: Questionnaire,
    *,
    staff: bool,
    seat: Callable[[], Country | None],
    submitted: Callable[[Country], bool],
) -> bool:
    """The rule of ``may_read_results``; ``seat()`` gives the country whose seat the reader holds (None: none) and
    ``submitted(country)`` whether it has submitted, each called only when the answer depends on it."""
    if staff:
        return True
    if questionnaire.status == QuestionnaireStatus.DRAFT or questionnaire.visibility == ResultsVisibility.SECRETARIAT:
        return False
    country = seat()
    if country is None:
        return False
    if questionnaire.visibility == ResultsVisibility.MEMBERS:
        return True
    return submitted(country)


def may_read_results(user, person: Person | None, questionnaire: Questionnaire) -> bool:
    """The secretariat always; members as the questionnaire's ``visibility`` says (all members holding office; only
    the seat holders of the countries that submitted; nobody else)."""
    return _reads_results(
        questionnaire,
        staff=bool(getattr(user, "is_staff", False)),
        seat=lambda: country_of(person),
        submitted=lambda country: questionnaire.answers.filter(country=country, status=AnswerStatus.SUBMITTED).exists(),
    )


@dataclass(frozen=True)
class ForReader:
    """A questionnaire as one reader finds it on a page: ``answerable``, their country is asked, they hold its seat
    and it accepts answers now (``may_answer`` and ``accepts_answers``); ``readable``, ``may_read_results``."""

    questionnaire: Questionnaire
    accepts_answers: bool
    answerable: bool
    readable: bool


def for_reader(
    questionnaires: Iterable[Questionnaire], *, user, person: Person | None, now: datetime.datetime | None = None
) -> list[ForReader]:
    """``questionnaires`` (a queryset, usually narrowed from ``shown()``; or a list) in their order, each with what
    ``user`` (and their registry ``person``, None for staff without one) may do with it, by the rules of
    ``may_answer``, ``accepts_answers`` and ``may_read_results``.

    Queries do not grow with the number of questionnaires: the questionnaires (one, when given a queryset), and only
    when there is one or more: the reader's seat (one), the countries chosen (one), their country's submitted answers
    (one, only when a questionnaire shows its results to the countries that answered)."""
    listed = list(questionnaires)
    if not listed:
        return []
    now = now or timezone.now()
    staff = bool(getattr(user, "is_staff", False))
    country = country_of(person)
    ids = [q.pk for q in listed]
    chosen: dict[int, set[int]] = {pk: set() for pk in ids}
    for questionnaire_id, country_id in Questionnaire.countries.through.objects.filter(
        questionnaire_id__in=ids
    ).values_list("questionnaire_id", "country_id"):
        chosen[questionnaire_id].add(country_id)
    submitted: set[int] = set()
    if country is not None and any(q.visibility == ResultsVisibility.ANSWERED for q in listed):
        submitted = set(
            CountryAnswer.objects.filter(
                questionnaire_id__in=ids, country=country, status=AnswerStatus.SUBMITTED
            ).values_list("questionnaire_id", flat=True)
        )
    shown_to_reader = []
    for questionnaire in listed:
        accepting = accepts_answers(questionnaire, now=now)
        shown_to_reader.append(
            ForReader(
                questionnaire=questionnaire,
                accepts_answers=accepting,
                # ``country_of`` found the reader holding that country's seat today: ``may_answer``'s other half.
                answerable=accepting and country is not None and _asks(country, chosen[questionnaire.pk]),
                readable=_reads_results(
                    questionnaire,
                    staff=staff,
                    seat=lambda: country,
                    submitted=lambda _country, pk=questionnaire.pk: pk in submitted,
                ),
            )
        )
    return shown_to_reader


def display(question: Question, value, files: dict[str, AnswerFile] | None = None) -> str:
    """A stored value as text in the active language (choices by their label, a file by its name)."""
    if value is None:
        return ""
    if question.kind == QuestionKind.FILE:
        return files[value].name if files and value in files else ""
    if question.kind == QuestionKind.YES_NO:
        return _("Yes") if value == "yes" else _("No")
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        options = question.option_list()
        chosen = value if isinstance(value, list) else [value]
        return "; ".join(options[i] for i in chosen if 0 <= i < len(options))
    if question.kind == QuestionKind.NUMBER and question.unit:
        return f"{value} {question.unit}"
    return str(value)


@dataclass
class Results:
    questions: list[Question]
    rows: list[tuple[Country, CountryAnswer | None, list[str]]]
    charts: dict[int, list[tuple[str, float]]] = field(default_factory=dict)


def results(questionnaire: Questionnaire, *, question_ids: list[int] | None = None) -> Results:
    """The table of countries × questions (submitted answers only; a country that has not submitted has None and
    empty cells), optionally only ``question_ids``; and, for number and choice questions, the chart figures:
    (label, value) per country for numbers, (choice, how many countries) for choices. Three queries."""
    questions = list(questionnaire.questions.all())
    if question_ids:
        questions = [q for q in questions if q.pk in question_ids]
    answers = {
        a.country_id: a for a in questionnaire.answers.filter(status=AnswerStatus.SUBMITTED).select_related("country")
    }
    files = (
        {str(f.uid): f for f in AnswerFile.objects.filter(answer__questionnaire=questionnaire)}
        if any(q.kind == QuestionKind.FILE for q in questions)
        else {}
    )
    rows = []
    for country in countries_asked(questionnaire):
        answer = answers.get(country.pk)
        values = answer.values if answer else {}
        rows.append((country, answer, [display(q, values.get(str(q.pk)), files) for q in questions]))
    charts: dict[int, list[tuple[str, float]]] = {}
    for question in questions:
        if question.kind == QuestionKind.NUMBER:
            charts[question.pk] = [
                (country.code, float(a.values[str(question.pk)]))
                for country, a, _cells in rows
                if a and isinstance(a.values.get(str(question.pk)), int | float)
            ]
        elif question.is_choice:
            options = question.option_list() if question.kind != QuestionKind.YES_NO else [_("Yes"), _("No")]
            counts = [0] * len(options)
            for _country, a, _cells in rows:
                value = a.values.get(str(question.pk)) if a else None
                if question.kind == QuestionKind.YES_NO and value in ("yes", "no"):
                    counts[0 if value == "yes" else 1] += 1
                elif isinstance(value, int) and 0 <= value < len(counts):
                    counts[value] += 1
                elif isinstance(value, list):
                    for i in value:
                        if 0 <= i < len(counts):
                            counts[i] += 1
            charts[question.pk] = list(zip(options, counts, strict=True))
    return Results(questions=questions, rows=rows, charts=charts)


def bars(figures: list[tuple[str, float]], *, width: int = 480, bar: int = 18) -> dict:
    """Geometry for a horizontal bar chart drawn as SVG by a template: each bar's label, value, y and length."""
    top = max((v for _label, v in figures), default=0) or 1
    label_width = 160
    return {
        "width": width,
        "height": len(figures) * (bar + 6) + 6,
        "label_width": label_width,
        "bars": [
            {
                "label": label,
                "value": value,
                "y": 6 + i * (bar + 6),
                "length": round((width - label_width - 60) * value / top),
            }
            for i, (label, value) in enumerate(figures)
        ],
        "bar": bar,
    }


def results_dataset(questionnaire: Questionnaire):
    """The results table as a ``tablib.Dataset`` (country, language, submitted, then one column per question), every
    cell neutralised for spreadsheets."""
    import tablib

    table = results(questionnaire)
    headers = [_("Country"), _("Language"), _("Submitted")] + [q.text for q in table.questions]
    data = tablib.Dataset(headers=[spreadsheet_cell(h) for h in headers])
    for country, answer, cells in table.rows:
        submitted = timezone.localtime(answer.submitted_at).strftime("%Y-%m-%d %H:%M") if answer else ""
        data.append(
            [spreadsheet_cell(country.name), answer.language if answer else "", submitted]
            + [spreadsheet_cell(c) for c in cells]
        )
    return data


def board(questionnaire: Questionnaire) -> list[tuple[Country, CountryAnswer | None]]:
    """Who has answered: each country asked and its answer (draft or submitted) if any."""
    answers = {a.country_id: a for a in questionnaire.answers.select_related("submitted_by", "updated_by")}
    return [(country, answers.get(country.pk)) for country in countries_asked(questionnaire)]

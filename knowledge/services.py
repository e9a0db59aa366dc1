"""The rules of lessons learned, conclusions, actions, minutes and public summaries, and the search over them.

Search: on PostgreSQL each lesson has one tsvector over its title and text in the four languages, each with its
language's configuration (dg_english, dg_french, dg_dutch, dg_german: the builtin ones with accents removed by
``unaccent`` before stemming, made in knowledge migration 0004), indexed with GIN; a query is read with
``websearch_to_tsquery`` in each language and the four are OR-ed, so quotes, operators and unbalanced
parentheses never make it fail. On SQLite a plain word match over the same fields stands in, on text folded by
``network.lib.fold`` (the ``dg_fold`` SQL function). Both ignore case and accents.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from meetings import delivery
from meetings.enums import Presence
from meetings.models import Meeting
from members.enums import OrganisationKind, Role
from members.models import Mandate, Person
from network.lib.fold import fold

from . import visibility
from .models import (
    Action,
    ActionStatus,
    ActionUpdate,
    LessonComment,
    LessonLearned,
    LessonStatus,
    NewsItem,
)
from .visibility import Reader

# Text-search configurations per language, ignoring accents (knowledge migration 0004).
CONFIGS = {"en": "dg_english", "fr": "dg_french", "nl": "dg_dutch", "de": "dg_german"}
LANGUAGES = [code for code, _name in settings.LANGUAGES]
MAX_QUERY = 200
CANDIDATES = 500  # most matches ranked per search
START, STOP = "\x02", "\x03"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Search -------------------------------------------------------------------------------------------------------


def search_vector():
    parts = []
    for language, config in CONFIGS.items():
        parts.append(SearchVector(f"title_{language}", weight="A", config=config))
        parts.append(SearchVector(f"text_{language}", weight="B", config=config))
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part
    return vector


def index_lessons(queryset: QuerySet | None = None) -> None:
    """Refresh the full-text vector of lessons (all of them by default). A no-op on SQLite."""
    if is_postgres():
        (queryset if queryset is not None else LessonLearned.objects.all()).update(search_vector=search_vector())


def clean_query(q: str) -> str:
    return re.sub(r"[\x00-\x1f]", " ", (q or "")).strip()[:MAX_QUERY]


def _words(q: str) -> list[str]:
    return [w for w in re.findall(r"\w+", q) if len(w) > 1][:10]


def combined_query(q: str) -> str | None:
    """The query read in each of the four languages and OR-ed, with duplicate readings dropped (they would only
    make PostgreSQL overestimate the matches and skip the index). None when no language finds a word in it."""
    selects = ", ".join(f"websearch_to_tsquery('{config}', %s)::text" for config in CONFIGS.values())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}", [q] * len(CONFIGS))  # noqa: S608 - the configs are our constants
        readings = [r for r in dict.fromkeys(cursor.fetchone()) if r]
    if not readings:
        return None
    return " | ".join(f"( {r} )" for r in readings)


def search_lessons(queryset: QuerySet, q: str, *, language: str) -> QuerySet:
    """Lessons matching ``q`` in any language, best first, each annotated with ``headline`` (text around the
    matches, the matches between START and STOP markers) in the reader's language."""
    q = clean_query(q)
    if not q:
        return queryset
    # The excerpt comes from the reader's language, else from whichever language the lesson has.
    order = [language, *(code for code in LANGUAGES if code != language)]
    # Typed: the translated text fields and the empty string are of different field classes.
    text = Coalesce(*(NullIf(F(f"text_{code}"), Value("")) for code in order), Value(""), output_field=TextField())
    if is_postgres():
        query = combined_query(q)
        if query is None:
            return queryset.none()
        config = CONFIGS.get(language, CONFIGS["en"])
        # Ranking reads every candidate's vector, so it is bounded: the first CANDIDATES matches found through the
        # GIN index are ranked (a broad query should be narrowed with the filters; the page says so).
        match = RawSQL("search_vector @@ %s::tsquery", [query], output_field=BooleanField())
        candidates = queryset.alias(match=match).filter(match=True).order_by().values("pk")[:CANDIDATES]
        return (
            queryset.filter(pk__in=candidates)
            .annotate(
                rank=RawSQL("ts_rank(search_vector, %s::tsquery)", [query], output_field=FloatField()),
                headline=SearchHeadline(
                    text,
                    SearchQuery(q, search_type="websearch", config=config),
                    config=config,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=40,
                    min_words=20,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "-created_at")
        )
    words = _words(fold(q))
    if not words:
        return queryset.none()
    fields = [f"{name}_{lang}" for lang in LANGUAGES for name in ("title", "text")]
    queryset = queryset.alias(**{f"folded_{field}": Func(F(field), function="dg_fold") for field in fields})
    for word in words:
        match = Q()
        for field in fields:
            match |= Q(**{f"folded_{field}__contains": word})
        queryset = queryset.filter(match)
    return queryset.annotate(headline=text)


def highlight(text: str, q: str) -> SafeString:
    """Escape ``text`` and mark the matches: the search's markers on PostgreSQL, the query's words otherwise."""
    # Every branch escapes the text first; only our own <mark> tags are left unescaped.
    text = text or ""
    if START in text:
        return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308  # nosec B308, B703
    words = _words(fold(clean_query(q)))
    text = text[:600] + ("…" if len(text) > 600 else "")
    # Matched on the folded text (accents and case ignored), marked on the text as written: ``origin[i]`` is the
    # index in ``text`` of the character the i-th folded character comes from.
    folded, origin = "", []
    for index, char in enumerate(text):
        part = fold(char)
        folded += part
        origin += [index] * len(part)
    marked = [False] * len(text)
    for word in words:
        for found in re.finditer(re.escape(word), folded):
            for i in range(origin[found.start()], origin[found.end() - 1] + 1):
                marked[i] = True
    html, inside = [], False
    for char, is_marked in zip(text, marked, strict=True):
        if is_marked != inside:
            html.append("<mark>" if is_marked else "</mark>")
            inside = is_marked
        html.append(escape(char))
    if inside:
        html.append("</mark>")
    return mark_safe("".join(html))  # noqa: S308  # nosec B308, B703


# --- Lessons ------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_lesson(lesson: LessonLearned, *, themes=None) -> LessonLearned:
    """Validate and save a lesson (its own language must have a title and a text), then index it."""
    language = lesson.original_language
    if (
        not (getattr(lesson, f"title_{language}") or "").strip()
        or not (getattr(lesson, f"text_{language}") or "").strip()
    ):
        raise ValidationError(_("Give a title and a text in the language the lesson is written in."))
    lesson.full_clean(
        exclude=["search_vector", "title", "text", *(f"{f}_{code}" for f in ("title", "text") for code in LANGUAGES)]
    )
    lesson.save()
    if themes is not None:
        lesson.themes.set(themes)
    index_lessons(LessonLearned.objects.filter(pk=lesson.pk))
    return lesson


def share_lesson(lesson: LessonLearned, *, reader: Reader) -> None:
    """Share a draft with the network. Raises ``PermissionDenied`` unless ``visibility.can_edit_lesson``."""
    if not visibility.can_edit_lesson(reader, lesson):
        raise PermissionDenied
    lesson.status = LessonStatus.SHARED
    lesson.save(update_fields=["status", "updated_at"])


def comment(lesson: LessonLearned, *, reader: Reader, text: str) -> LessonComment:
    """Add the reader's comment (at most 4,000 characters) to a lesson they may read. Raises ``PermissionDenied``
    unless ``visibility.can_comment``, ``ValidationError`` for an empty or long text."""
    if not visibility.can_comment(reader, lesson):
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The comment is empty."))
    if len(text) > 4000:
        raise ValidationError(_("A comment has at most 4,000 characters."))
    return LessonComment.objects.create(lesson=lesson, author=reader.person, text=text)


# --- Actions ------------------------------------------------------------------------------------------------------


def check_action_update(*, status: str, note: str) -> str:
    """Validate a status change's status (one of ``ActionStatus``) and progress note (1–500 characters once
    stripped); return the stripped note. Raises ``ValidationError``. ``update_action`` calls it first; forms call it
    to validate without changing anything."""
    note = (note or "").strip()
    if status not in ActionStatus.values:
        raise ValidationError(_("Choose a status."), code="status")
    if not note:
        raise ValidationError(_("Add a short progress note."), code="note")
    if len(note) > 500:
        raise ValidationError(_("A progress note has at most 500 characters."), code="note")
    return note


@transaction.atomic
def update_action(action: Action, *, status: str, note: str, reader: Reader) -> ActionUpdate:
    """Change an action's status with a short progress note; every change is kept (who, when, what): the portal
    and the admin both record through here. Raises ``PermissionDenied`` unless ``visibility.can_update_action``,
    ``ValidationError`` from ``check_action_update``."""
    if not visibility.can_update_action(reader, action):
        raise PermissionDenied
    note = check_action_update(status=status, note=note)
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.status != status:
        action.status = status
        action.save(update_fields=["status"])
    return ActionUpdate.objects.create(action=action, status=status, note=note, by=reader.user)


def action_recipients(action: Action) -> list[Person]:
    """Who hears about an action: the directors-general of the owning country or organisation, or the
    secretariat's people, in office today and among those who may see the action (``visibility.readers_of`` its
    meeting): a reminder never tells anyone of a meeting they were not invited to."""
    today = timezone.localdate()
    mandates = (
        Mandate.objects.active_on(today)
        .filter(person__in=visibility.readers_of(action.conclusion.meeting))
        .select_related("person")
    )
    if action.owner_secretariat:
        mandates = mandates.filter(role=Role.SECRETARIAT)
    elif action.owner_organisation_id:
        mandates = mandates.filter(organisation_id=action.owner_organisation_id, role=Role.DIRECTOR_GENERAL)
    elif action.owner_country_id is not None:
        mandates = mandates.filter(
            organisation__country_id=action.owner_country_id,
            organisation__kind=OrganisationKind.CRISIS_CENTRE,
            role=Role.DIRECTOR_GENERAL,
        )
    else:  # an action without an owner (the model's validation forbids it) reminds nobody
        return []
    people = {m.person.pk: m.person for m in mandates}
    return list(people.values())


def send_action_reminders(now: datetime.datetime | None = None) -> int:
    """Owners hear 14 days before an open action is due, and weekly once it is overdue (at most once a week)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week = today.isocalendar()
    queued = 0
    due_soon = Action.objects.open().filter(due_date__lte=today + datetime.timedelta(days=14))
    for action in due_soon.select_related("conclusion__meeting", "owner_country", "owner_organisation__country"):
        overdue = action.due_date < today
        for person in action_recipients(action):
            if not person.wants_reminders:
                continue
            key = (
                f"action_reminder:{action.pk}:{person.pk}:overdue:{week.year}-{week.week}"
                if overdue
                else f"action_reminder:{action.pk}:{person.pk}:due"
            )
            queued += delivery.queue_action_reminder(action, person, key=key, overdue=overdue)
    return queued


# --- Minutes and public summaries -----------------------------------------------------------------------------------


STANDING = {
    "en": "The DG Network brings together the directors-general of the national crisis centres of European "
    "countries. Set up on the initiative of the director-general of Belgium's National Crisis Centre and "
    "supported by the Benelux Union's secretariat-general, it offers a platform to exchange knowledge and a "
    "strong link with the European structures: it develops coordination between the national crisis "
    "management authorities, shares information on their challenges, expertise and experience, and helps "
    "them apply common solutions at national level.",
    "fr": "Le réseau DG réunit les directeurs généraux des centres nationaux de crise des pays européens. Créé à "
    "l'initiative du directeur général du Centre national de crise belge et soutenu par le secrétariat "
    "général de l'Union Benelux, il offre une plateforme d'échange de connaissances et un lien fort avec les "
    "structures européennes : il développe la coordination entre les autorités nationales de gestion de "
    "crise, partage les informations sur leurs défis, leur expertise et leurs expériences, et les aide à "
    "mettre en œuvre des solutions communes au niveau national.",
    "nl": "Het DG Netwerk brengt de directeurs-generaal van de nationale crisiscentra van Europese landen samen. "
    "Het werd opgericht op initiatief van de directeur-generaal van het Belgische Nationaal Crisiscentrum en "
    "wordt ondersteund door het secretariaat-generaal van de Benelux Unie. Het biedt een platform voor de "
    "uitwisseling van kennis en een sterke link met de Europese structuren: het ontwikkelt de coördinatie "
    "tussen de nationale autoriteiten inzake crisisbeheer, wisselt informatie uit over hun uitdagingen, "
    "expertise en ervaringen, en ondersteunt hen bij gemeenschappelijke oplossingen op nationaal niveau.",
    "de": "Das DG-Netzwerk vereint die Generaldirektoren der nationalen Krisenzentren europäischer Länder. Es wurde "
    "auf Initiative des Generaldirektors des belgischen Nationalen Krisenzentrums gegründet, wird vom "
    "Generalsekretariat der Benelux-Union unterstützt und bietet eine Plattform für den Wissensaustausch und "
    "eine starke Verbindung zu den europäischen Strukturen: Es entwickelt die Koordinierung zwischen den "
    "nationalen Krisenmanagementbehörden, tauscht Informationen über Herausforderungen, Fachwissen und "
    "Erfahrungen aus und unterstützt gemeinsame Lösungen auf nationaler Ebene.",
}


@dataclass
class MeetingFacts:
    countries: int
    institutions: list[str]
    themes: list[str]
    conclusions: list[str]
    next_meeting: Meeting | None


def meeting_facts(meeting: Meeting) -> MeetingFacts:
    """What the public may know: counts, institutions, themes, public conclusions — never remarks, names of
    people or confidential conclusions."""
    present = meeting.attendances.exclude(presence=Presence.ABSENT).with_organisations()
    if present.exists():
        organisations = {a.organisation for a in present}  # a delegation member counts for their invitee's
    else:
        accepted = meeting.invitations.live().filter(answer="accepted").select_related("person__organisation")
        organisations = {i.person.organisation for i in accepted}
    countries = {o.country_id for o in organisations if o.country_id and o.kind == OrganisationKind.CRISIS_CENTRE}
    institutions = sorted({str(o.name) for o in organisations if o.kind == OrganisationKind.EU_BODY})
    next_meeting = (
        Meeting.objects.filter(starts_at__gt=meeting.ends_at).exclude(status="cancelled").order_by("starts_at").first()
    )
    return MeetingFacts(
        countries=len(countries),
        institutions=institutions,
        themes=[str(t) for t in meeting.themes.all()],
        conclusions=[str(c.text) for c in meeting.conclusions.filter(is_public=True).order_by("number")],
        next_meeting=next_meeting,
    )


@transaction.atomic
def draft_news(meeting: Meeting) -> NewsItem:
    """A draft public summary prefilled from the meeting's records, in each language; the secretariat edits and
    publishes it. Returns the existing item when there is one."""
    existing = NewsItem.objects.filter(meeting=meeting).first()
    if existing:
        return existing
    item = NewsItem(meeting=meeting, slug=f"{meeting.local_start:%Y-%m-%d}-{slugify(meeting.title_en)[:80]}")
    for language in LANGUAGES:
        with translation.override(language):
            facts = meeting_facts(meeting)
            setattr(item, f"title_{language}", str(meeting.title))
            body = render_to_string(
                "news/draft_body.html", {"meeting": meeting, "facts": facts, "standing": STANDING[language]}
            )
            setattr(item, f"body_{language}", body)  # the model cleans it on save
    item.save()
    return item


def publish_news(item: NewsItem) -> NewsItem:
    item.status = "published"
    item.published_at = item.published_at or timezone.now()
    item.save()
    return item


# --- Dashboard ----------------------------------------------------------------------------------------------------


def dashboard_context(reader: Reader) -> dict:
    """The dashboard's knowledge blocks, each by ``visibility``'s rule: open actions the reader's side owns (all
    for staff without a person), the latest lessons out of draft, the latest conclusions."""
    # Only what the dashboard shows: an action's owner (an organisation is named with its country), not its meeting.
    # Each box loads the columns it shows (``only`` of a translated field loads it in every language: fallbacks work).
    actions = (
        visibility.own_actions(reader)
        .open()
        .select_related("owner_country", "owner_organisation__country")
        .only(
            "title",
            "due_date",
            "status",
            "owner_secretariat",
            "owner_country__name",
            "owner_organisation__name",
            "owner_organisation__acronym",
            "owner_organisation__country__code",
        )
    )
    return {
        "open_actions": list(actions.order_by("due_date", "pk")[:8]),
        "latest_lessons": list(
            visibility.lessons(reader)
            .exclude(status=LessonStatus.DRAFT)
            .select_related("country")
            .only("title", "original_language", "country__name")
            .order_by("-created_at")[:5]
        ),
        "latest_conclusions": list(visibility.conclusions(reader).order_by("-meeting__starts_at", "number")[:5]),
    }

"""Every page a user can reach renders, in the reader's language.

For each role (site administrator, secretariat member, director-general, deputy, observer of an EU body, assistant,
former member, anonymous visitor) a crawler signs in and follows, breadth first from ``/`` (and ``/admin/`` for
staff), every link (``a[href]``) and every GET form (submitted with its default values) on our own site, and the
redirects it is sent. It never sends a POST, never signs out and never leaves the site. It is bounded: at most
``MAX_PAGES`` pages a role, and at most ``PER_SHAPE`` addresses of one shape (the same path once numbers and ids are
set aside, with the same query parameter names; one in the admin, and a few queries a change list), so admin change
lists are followed but not every row or filter (a GET form is followed with all its fields).

It asserts that no page answers 5xx and that every HTML page says, in ``<html lang>`` and ``Content-Language``, the
reader's language: French for a director whose profile says French, German for a German deputy, Dutch for the former
member, English for the others.
"""

from __future__ import annotations

import datetime
import re
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from knowledge.models import LessonComment
from meetings.enums import Capacity, MeetingFormat, MeetingStatus, Visibility
from members.enums import OrganisationKind, Role
from members.models import User
from members.services import open_account
from tests import factories

pytestmark = pytest.mark.django_db

MAX_PAGES = {"staff": 450, "member": 250}
PER_SHAPE = {"admin": 1, "site": 3}
# Admin pages with a query (filters, sorting, search) followed per change list.
ADMIN_QUERIES_PER_PATH = 3
# Never followed: signing out, and addresses that are not idempotent even when asked with GET.
SKIP = re.compile(r"/logout/|/sign-?out|/i18n/setlang/|/accounts/2fa/totp/activate/")


# --- Reading pages --------------------------------------------------------------------------------------------------


@dataclass
class _Form:
    action: str | None
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class PageParser(HTMLParser):
    """The links, GET forms (with the values a browser would send untouched) and ``<html lang>`` of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.links: list[str] = []
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = _Form(action=a.get("action"), method=(a.get("method") or "get").lower())
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and not a.get("disabled"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            for value in selected or options[:1]:
                self._form.fields.append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)


def own_address(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``, without its fragment, when it is a page of our own site."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    url = urlsplit(urljoin("http://testserver" + base, href))
    if url.scheme not in ("http", "https") or url.netloc != "testserver":
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def shape(address: str) -> tuple[str, tuple[str, ...]]:
    """What makes two addresses "the same page with other data": the path with ids and numbers set aside, and the
    names of the query parameters."""
    url = urlsplit(address)
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", url.path)
    return path, tuple(sorted({name for name, _value in parse_qsl(url.query, keep_blank_values=True)}))


@dataclass
class Visit:
    address: str
    status: int
    came_from: str
    content_type: str = ""
    lang: str | None = None
    content_language: str | None = None
    error: str = ""


def crawl(client: Client, starts: list[str], *, max_pages: int) -> list[Visit]:
    """Breadth-first GETs from ``starts``; returns every visit, in order."""
    queue: deque[tuple[str, str, bool]] = deque((start, "(start)", False) for start in starts)
    seen: set[str] = set()
    shapes: Counter = Counter()
    queries: Counter = Counter()
    visits: list[Visit] = []
    while queue and len(visits) < max_pages:
        address, came_from, by_form = queue.popleft()
        if address in seen or SKIP.search(address):
            continue
        seen.add(address)
        key = shape(address)
        admin = key[0].startswith("/admin/")
        # In the admin, filters and sorting combine without end: links that combine two are not followed, and a
        # few queries a change list are enough.
        if shapes[key] >= PER_SHAPE["admin" if admin else "site"] or (admin and len(key[1]) > 1 and not by_form):
            continue
        if admin and key[1] and queries[key[0]] >= ADMIN_QUERIES_PER_PATH:
            continue
        shapes[key] += 1
        queries[key[0]] += bool(key[1])
        response = client.get(address)
        visit = Visit(
            address,
            response.status_code,
            came_from,
            content_type=response.get("Content-Type", ""),
            content_language=response.get("Content-Language"),
        )
        visits.append(visit)
        if getattr(response, "exc_info", None):
            visit.error = "".join(traceback.format_exception(*response.exc_info)[-6:])
        if 300 <= response.status_code < 400 and response.has_header("Location"):
            target = own_address(address, response["Location"])
            if target:
                queue.append((target, address, False))
            continue
        if not visit.content_type.startswith("text/html"):
            continue
        parser = PageParser()
        parser.feed(response.content.decode(response.charset or "utf-8", errors="replace"))
        visit.lang = parser.lang
        for href in parser.links:
            target = own_address(address, href)
            if target:
                queue.append((target, address, False))
        for form in parser.forms:
            if form.method != "get":
                continue
            target = own_address(address, form.action or address)
            if target:
                path = target.split("?", 1)[0]
                queue.append((f"{path}?{urlencode(form.fields)}" if form.fields else path, address, True))
    return visits


# --- The network: a small but complete data set -----------------------------------------------------------------

PASSWORD = "correct horse battery staple"


@pytest.fixture
def network():
    """Countries, organisations (a crisis centre each, an EU body, the secretariat), people in every role, a past
    meeting with its whole record (agenda, documents, answers, conclusions, actions with progress notes, minutes,
    lessons with an attachment and a comment, the public summary), an upcoming meeting people are invited to, a
    draft meeting, a notice. Returns the user of each role (None for the anonymous visitor)."""
    today = timezone.localdate()
    france, germany, belgium = factories.country("FR"), factories.country("DE"), factories.country("BE")
    council = factories.organisation(
        None, kind=OrganisationKind.EU_BODY, name_en="Council of the EU, General Secretariat", acronym_en="GSC"
    )
    secretariat_org = factories.organisation(
        None, kind=OrganisationKind.SECRETARIAT, name_en="Benelux secretariat-general", acronym_en="BNL"
    )
    director = factories.director(france, first_name="Claire", last_name="Dubois", preferred_language="fr")
    french_centre = director.organisation
    deputy = factories.person(factories.organisation(germany), first_name="Jonas", preferred_language="de")
    factories.mandate(deputy, Role.DEPUTY)
    factories.mandate(factories.person(deputy.organisation), Role.DIRECTOR_GENERAL)
    observer = factories.person(council, first_name="Elena")
    factories.mandate(observer, Role.OBSERVER)
    assistant = factories.person(french_centre, first_name="Marc")
    factories.mandate(assistant, Role.ASSISTANT)
    former = factories.person(factories.organisation(belgium), first_name="Pieter", preferred_language="nl")
    factories.mandate(former, start_date=datetime.date(2019, 7, 1), end_date=datetime.date(2022, 6, 30))
    secretary = factories.person(secretariat_org, first_name="Sofie")
    factories.mandate(secretary, Role.SECRETARIAT)

    crisis = factories.crisis(name_en="War in Ukraine")
    themes = [factories.theme(label_en="Reception of displaced people"), factories.theme(label_en="Disinformation")]
    past = factories.meeting(
        title_en="Ukraine crisis: reception and coordination",
        title_fr="Crise ukrainienne : accueil et coordination",
        starts_at=datetime.datetime(2022, 3, 29, 10, 0, tzinfo=factories.BRUSSELS),
        format=MeetingFormat.HYBRID,
        status=MeetingStatus.CLOSED,
        crisis=crisis,
    )
    past.themes.set(themes)
    opening = factories.agenda_item(past, title_en="Opening and tour de table")
    factories.agenda_item(past, title_en="Reception of displaced people", presenter=director)
    factories.document(past, title_en="Situation report", agenda_item=opening)
    factories.document(past, title_en="Members' note", visibility=Visibility.MEMBERS)
    factories.document(past, title_en="Public statement", visibility=Visibility.PUBLIC)
    for person in (director, deputy, former):
        factories.sent_invitation(past, person, answer="accepted", mode="online")
    factories.sent_invitation(past, observer, capacity=Capacity.OBSERVER, answer="accepted", mode="online")
    first = factories.conclusion(past, agenda_item=opening, is_public=True)
    first.themes.set(themes[:1])
    second = factories.conclusion(past)
    factories.action(first, owner_country=france, note="Draft circulated to the ministries.")
    factories.action(first, owner_organisation=council, status="in_progress")
    factories.action(second, due_date=datetime.date(2022, 9, 30), status="done", note="Sent to every member.")
    factories.minutes(past)
    shared = factories.lesson(director, crisis=crisis, meeting=past, themes=themes[1:])
    factories.lesson_attachment(shared)
    LessonComment.objects.create(lesson=shared, author=deputy, text="We did the same in Germany.")
    factories.lesson(director, status="draft", original_language="fr", title_fr="Brouillon de leçon")
    factories.lesson(deputy, original_language="de", title_de="Desinformation früh erkennen", meeting=past)
    factories.published_news(past)

    upcoming = factories.meeting(title_en="Spring meeting", status=MeetingStatus.INVITED)
    factories.agenda_item(upcoming, title_en="Cyber security exercise")
    factories.document(upcoming, title_en="Draft agenda")
    factories.sent_invitation(upcoming, director, answer="accepted", mode="in_person")
    factories.sent_invitation(upcoming, deputy)
    factories.sent_invitation(upcoming, observer, capacity=Capacity.OBSERVER)
    _logistics(upcoming, [france, germany])
    factories.meeting(
        title_en="Autumn meeting (draft)", starts_at=datetime.datetime(2027, 10, 7, 9, 30, tzinfo=factories.BRUSSELS)
    )
    factories.notice(published_on=today - datetime.timedelta(days=1))
    _drafts(upcoming, director)

    administrator = User.objects.create_superuser(email="admin@example.org", password=PASSWORD)
    factories.enable_two_factor(administrator)
    secretariat = open_account(secretary, staff=True)
    factories.enable_two_factor(secretariat)
    from alerts import services as alerts

    alerts.send_alert(factories.alert(secretariat, is_test=True))
    from questionnaires import services as questionnaires

    asked = factories.questionnaire(secretariat)
    questionnaires.open_questionnaire(asked)
    questionnaires.save_answer(
        asked,
        france,
        person=director,
        data={f"q{q.pk}": "1" if q.kind != "yes_no" else "yes" for q in asked.questions.all()},
        language="fr",
        submit=True,
    )
    users = {"site administrator": administrator, "secretariat": secretariat, "anonymous": None}
    for role, person in [
        ("director-general", director),
        ("deputy", deputy),
        ("observer of an EU body", observer),
        ("assistant", assistant),
        ("former member", former),
    ]:
        users[role] = open_account(person)
    return users


def _drafts(meeting, director):
    """The upcoming meeting's draft conclusions open for comments (two revisions, a proposal, a reservation) and
    standing terms of reference under an open written procedure."""
    from decisions import services as decisions
    from decisions.models import Draft

    conclusions = Draft.objects.create(title_en="Draft conclusions", meeting=meeting)
    decisions.publish_revision(conclusions, [{"en": "The network agrees to meet."}])
    decisions.open_for_comments(conclusions)
    latest = decisions.publish_revision(conclusions, [{"en": "The network agrees to meet twice."}, {"en": "Next."}])
    decisions.propose(latest, person=director, paragraph_number=2, text="Next year.")
    decisions.reserve(latest, person=director, kind="scrutiny", reason="Our ministry reads it.")
    terms = Draft.objects.create(title_en="Terms of reference", kind="terms")
    decisions.publish_revision(terms, [{"en": "The network meets twice a year."}])
    decisions.open_procedure(
        terms.revisions.get(), deadline=timezone.now() + datetime.timedelta(days=7), countries=[director.country]
    )


def _logistics(upcoming, countries) -> None:
    """A date poll asking ``countries`` and the upcoming meeting's registration (all questions)."""
    from logistics.enums import LogisticsField
    from logistics.models import DatePoll, MeetingLogistics

    poll = DatePoll.objects.create(title_en="Next meeting")
    poll.countries.set(countries)
    poll.slots.create(starts_at=datetime.datetime(2027, 9, 14, 10, 0, tzinfo=factories.BRUSSELS))
    poll.slots.create(starts_at=datetime.datetime(2027, 9, 15, 10, 0, tzinfo=factories.BRUSSELS))
    MeetingLogistics.objects.create(meeting=upcoming, fields=list(LogisticsField.values))


LANGUAGE = {"director-general": "fr", "deputy": "de", "former member": "nl"}
ROLES = [
    "site administrator",
    "secretariat",
    "director-general",
    "deputy",
    "observer of an EU body",
    "assistant",
    "former member",
    "anonymous",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_renders_in_the_readers_language(network, role):
    user = network[role]
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    staff = user is not None and user.is_staff
    starts = ["/", "/news/"] + (["/admin/"] if staff else [])
    visits = crawl(client, starts, max_pages=MAX_PAGES["staff" if staff else "member"])
    expected = LANGUAGE.get(role, "en")

    errors = [v for v in visits if v.status >= 500]
    assert not errors, "\n\n".join(f"{v.status} {v.address} (linked from {v.came_from})\n{v.error}" for v in errors)
    html = [v for v in visits if v.content_type.startswith("text/html") and not 300 <= v.status < 400]
    wrong = [v for v in html if v.lang != expected or v.content_language != expected]
    assert not wrong, "\n".join(
        f'{v.status} {v.address}: <html lang="{v.lang}">, Content-Language {v.content_language} (from {v.came_from})'
        for v in wrong
    )
    # The crawl reached the pages of every kind this role may open (it stops at the bound, not before).
    reached = {shape(v.address)[0] for v in visits if v.status == 200}
    assert EXPECTED_PAGES[role] <= reached, sorted(EXPECTED_PAGES[role] - reached)


PORTAL = {
    "/",
    "/meetings/",
    "/lessons/",
    "/actions/",
    "/drafts/",
    "/directory/",
    "/profile/",
    "/accounts/sessions/",
    "/news/",
}
READER = PORTAL | {
    "/meetings/N/",
    "/meetings/N/outcomes/",
    "/meetings/N/report.pdf",
    "/meetings/N/calendar.ics",
    "/lessons/N/",
    "/actions/N/",
    "/drafts/N/",
    "/drafts/N/rev/N/",
    "/drafts/N/compare/",
    "/written-procedures/N/",
    "/news/N-N-N-ukraine-crisis-reception-and-coordination/",
}
EXPECTED_PAGES = {
    "site administrator": READER
    | {"/board/", "/admin/", "/admin/members/person/", "/admin/meetings/meeting/N/change/", "/admin/auth/group/"},
    "secretariat": READER
    | {
        "/board/",
        "/admin/",
        "/admin/members/person/",
        "/admin/meetings/meeting/N/change/",
        "/admin/decisions/draft/N/change/",
        "/admin/decisions/writtenprocedure/N/board/",
    },
    "director-general": READER | {"/meetings/N/answer/", "/lessons/N/edit/", "/lessons/new/", "/documents/N/"},
    "deputy": READER | {"/meetings/N/answer/", "/documents/N/"},
    "observer of an EU body": READER | {"/documents/N/"},
    "assistant": PORTAL,
    # Mandates ended: the past meeting they took part in, its record and their profile; no directory.
    "former member": (PORTAL - {"/directory/"}) | {"/meetings/N/", "/meetings/N/outcomes/", "/documents/N/"},
    "anonymous": {"/accounts/login/", "/accounts/password/reset/", "/news/"},
}

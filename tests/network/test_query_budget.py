"""Query budgets: every portal page and every busy admin changelist costs the same number of SQL queries with one
row per list as with twenty (no N+1), and at most 15, or its own documented cap (see PAGES).

Each test builds a small network, counts the queries of one page (after a warm-up request: the first request of a
session also writes the session and fills caches), grows every list to twenty rows and counts again.
"""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from knowledge import services as knowledge
from knowledge.models import Action, Conclusion, LessonLearned, LessonStatus
from meetings.enums import Answer, AttendanceMode, MeetingStatus, Visibility
from meetings.models import AgendaItem, Crisis, Document, Meeting, Theme
from members.enums import Role
from members.models import Notice
from members.services import open_account
from outbox.models import MessageKind, OutgoingMessage
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BUDGET = 15
_keys = itertools.count(1)


class Network:
    """A director of Belgium (the reader), the secretariat, one upcoming meeting everyone is invited to, and lists
    that ``grow`` lengthens together: countries with their centre, director-general and deputy, invitations and
    answers, agenda items, documents, meetings past and future, conclusions and actions, lessons, outbox rows,
    notices."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.country = factories.country("BE", name_en="Belgium")
        self.director = factories.director(self.country, first_name="Dana", last_name="Director")
        self.user = open_account(self.director)
        self.staff = factories.staff_user()
        self.crisis = Crisis.objects.create(name="Displacement from Ukraine", start_date=datetime.date(2022, 2, 24))
        self.theme = Theme.objects.create(label="Reception of displaced people")
        # The earliest upcoming meeting: the board shows it, the meeting page is its page.
        self.meeting = self._meeting(self.now + datetime.timedelta(days=10), title="Spring meeting")
        factories.invitation(self.meeting, self.director, sent_at=self.now)
        self.size = 0

    def _meeting(self, starts_at, *, title: str, status: str = MeetingStatus.INVITED) -> Meeting:
        meeting = factories.meeting(starts_at=starts_at, title_en=title, crisis=self.crisis)
        Meeting.objects.filter(pk=meeting.pk).update(status=status, invitations_sent_at=self.now)
        meeting.refresh_from_db()
        meeting.themes.add(self.theme)
        return meeting

    def grow(self, rows: int) -> None:
        """Add ``rows`` more rows to every list."""
        for _ in range(rows):
            self.size += 1
            self._add(self.size)
        knowledge.index_lessons()

    def _add(self, i: int) -> None:
        day = datetime.timedelta(days=1)
        country = factories.country()
        director = factories.director(country)
        organisation = director.organisation
        deputy = factories.person(organisation, first_name="Sam")
        factories.mandate(deputy, Role.DEPUTY)

        # Invitations and answers to the upcoming meeting, one of each kind in turn.
        answer = [Answer.ACCEPTED, Answer.DECLINED, Answer.DELEGATED, Answer.PENDING][i % 4]
        invitation = factories.invitation(
            self.meeting,
            director,
            sent_at=self.now,
            answer=answer,
            mode=AttendanceMode.IN_PERSON if answer == Answer.ACCEPTED else "",
            substitute=deputy if answer == Answer.DELEGATED else None,
            answered_at=None if answer == Answer.PENDING else self.now,
        )
        main = AgendaItem.objects.create(
            meeting=self.meeting,
            position=i,
            title=f"Tour de table {i}",
            presenter=director,
            presenting_organisation=organisation,
            duration_minutes=20,
        )
        AgendaItem.objects.create(
            meeting=self.meeting, parent=main, position=1, title=f"Detail {i}", duration_minutes=5
        )
        Document.objects.create(
            meeting=self.meeting,
            agenda_item=main,
            title=f"Note {i}",
            file=f"documents/note-{i}.pdf",
            original_name=f"note-{i}.pdf",
            content_type="application/pdf",
            size=1000 + i,
            visibility=Visibility.INVITEES,
        )

        # More meetings for the reader, one later and one past, with a conclusion and actions.
        later = self._meeting(self.now + (20 + i) * day, title=f"Meeting {i}")
        factories.invitation(later, self.director, sent_at=self.now)
        past = self._meeting(self.now - (30 * i) * day, title=f"Past meeting {i}", status=MeetingStatus.HELD)
        factories.invitation(past, self.director, sent_at=self.now - (30 * i + 20) * day, answer=Answer.ACCEPTED)
        conclusion = Conclusion.objects.create(meeting=past, number=1, text=f"The network agrees on point {i}.")
        # Actions owned by the reader's centre fall due first, so that the dashboard's first eight include them.
        Action.objects.create(
            conclusion=conclusion,
            title=f"Report back {i}",
            owner_organisation=self.director.organisation,
            due_date=self.now.date() - i * day,
        )
        Action.objects.create(
            conclusion=conclusion,
            title=f"Share the plan {i}",
            owner_country=self.country,
            due_date=self.now.date() + day,
        )

        lesson = LessonLearned.objects.create(
            title_en=f"Shelter coordination with municipalities {i}",
            text_en=f"Registering displaced people at the border helped the municipalities plan shelter ({i}).",
            original_language="en",
            country=country,
            organisation=organisation,
            crisis=self.crisis,
            meeting=past,
            status=LessonStatus.SHARED,
            author=director,
        )
        lesson.themes.add(self.theme)

        OutgoingMessage.objects.create(
            key=f"budget-{next(_keys)}",
            kind=MessageKind.INVITATION,
            meeting=self.meeting,
            invitation=invitation,
            person=director,
            to=director.email,
            language="en",
            subject=f"Invitation {i}",
            body_text="You are invited.",
            message_id=f"<budget-{i}@example.org>",
        )
        Notice.objects.create(title=f"Notice {i}", text="Read me.")


def _portal(name: str, *args_of: str):
    def url(net: Network) -> str:
        return reverse(f"portal:{name}", args=[getattr(net, a).pk for a in args_of])

    return url


# Every request pays a fixed cost before the page's own queries (counted with SAVEPOINT/RELEASE, as Django's
# assertNumQueries does): the session is read (1; IdleSessionMiddleware writes it back only every few minutes); the
# user is loaded (1); PersonLanguageMiddleware looks the person up once (1). Staff's two-factor check is remembered
# in the session; the admin loads the user's and the group's permissions (2). Every page stays within 15.
def _page(name, who, url_of, cap=BUDGET, marks=()):
    return pytest.param(who, url_of, cap, id=name, marks=marks)


PAGES = [
    # The dashboard's own queries: upcoming meetings, the reader's invitations, open
    # actions, latest lessons, latest conclusions, notices.
    _page("dashboard", "director", _portal("dashboard")),
    _page("meetings list", "director", _portal("meetings")),
    # The meeting, the reader's invitations, the meeting again (documents_for reads invitation.meeting),
    # documents, agenda, answers.
    _page("meeting page", "director", _portal("meeting", "meeting")),
    # Count and page of lessons, then the filter form's four choice lists (crises, themes, countries, meetings).
    _page("lessons library", "director", _portal("lessons")),
    # The same plus the query read in the four languages (one SELECT websearch_to_tsquery).
    _page(
        "lessons search",
        "director",
        lambda net: reverse("portal:lessons") + "?q=shelter+municipalities",
    ),
    _page("actions tracker", "director", _portal("actions")),
    _page("directory", "director", _portal("directory")),
    _page("profile", "director", _portal("profile")),
    # The candidates (twice: the chosen meeting, then the menu), invitations, member countries, answer counts.
    _page("board", "staff", _portal("board")),
    # Admin changelists: the changelist's two counts (filtered and full), the page, and one query per related
    # list filter and per date_hierarchy level.
    _page("admin meetings", "staff", lambda net: reverse("admin:meetings_meeting_changelist")),
    _page("admin people", "staff", lambda net: reverse("admin:members_person_changelist")),
    _page("admin invitations", "staff", lambda net: reverse("admin:meetings_invitation_changelist")),
    _page("admin outbox", "staff", lambda net: reverse("admin:outbox_outgoingmessage_changelist")),
    _page("admin lessons", "staff", lambda net: reverse("admin:knowledge_lessonlearned_changelist")),
]


def count_queries(client, url: str) -> tuple[int, list[str]]:
    """The queries of one GET of ``url``, after a warm-up GET."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), [_short(q["sql"]) for q in captured.captured_queries]


def _short(sql: str) -> str:
    """A query in a line: the column lists elided, which table and which condition kept."""
    return re.sub(r"SELECT (DISTINCT )?.*? FROM", r"SELECT \1… FROM", sql)[:300]


@pytest.mark.parametrize(("who", "url_of", "cap"), PAGES)
def test_page_costs_the_same_queries_with_one_and_twenty_rows_within_its_cap(client, who, url_of, cap):
    net = Network()
    net.grow(1)
    client.force_login(net.staff if who == "staff" else net.user)
    url = url_of(net)

    with_one, _sql = count_queries(client, url)
    net.grow(19)
    with_twenty, sql = count_queries(client, url)

    assert net.size == 20
    listing = "\n".join(sql)
    assert with_twenty == with_one, f"{with_one} queries with 1 row, {with_twenty} with 20:\n{listing}"
    assert with_twenty <= cap, f"{with_twenty} queries, cap {cap}:\n{listing}"


def test_reader_sees_every_row_of_the_grown_network(client):
    """The counts above mean something only if the pages list the rows: check a few of them."""
    net = Network()
    net.grow(20)
    client.force_login(net.user)

    meeting_page = client.get(reverse("portal:meeting", args=[net.meeting.pk])).content.decode()
    lessons_page = client.get(reverse("portal:lessons")).content.decode()
    actions_page = client.get(reverse("portal:actions")).content.decode()

    assert meeting_page.count("Tour de table ") == 20
    assert meeting_page.count("note-") == 20
    assert lessons_page.count("Shelter coordination with municipalities ") == 20
    assert actions_page.count("Share the plan ") + actions_page.count("Report back ") == 40

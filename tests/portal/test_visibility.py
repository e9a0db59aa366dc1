"""The visibility matrix: on every page, list, search, feed and download a member reaches, a reader invited to
meeting Alpha and not to meeting Bravo sees Alpha's items and none of Bravo's; the same for a reader whose
organisation has no country (the Council's services). Then what people whose mandates ended may still do.

A new page is one line in LISTS (pages that show items) or in BRAVO_URLS (addresses that must answer 404).
"""

from __future__ import annotations

import datetime

import icalendar
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge import services as knowledge
from knowledge import visibility
from knowledge.models import (
    Action,
    ActionStatus,
    Conclusion,
    LessonAttachment,
    LessonComment,
    LessonLearned,
    LessonStatus,
    Minutes,
    MinutesStatus,
)
from meetings import services
from meetings.enums import Answer, MeetingStatus, Visibility
from meetings.models import Document
from members.enums import OrganisationKind, Role
from members.models import Presidency
from members.services import deactivate_person, open_account
from network.privacy import erase_person
from outbox.models import OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS)
PDF = b"%PDF-1.4\n%%EOF\n"
PASSWORD = "correct horse battery staple"


def _document(meeting, title: str, visibility_: str) -> Document:
    return Document.objects.create(
        meeting=meeting,
        title_en=title,
        visibility=visibility_,
        original_name=f"{title.replace(' ', '-')}.pdf",
        content_type="application/pdf",
        file=SimpleUploadedFile("note.pdf", PDF),
    )


def _items(meeting, name: str, *, owners: dict, lesson_country) -> dict:
    """A meeting's documents, conclusion, actions (one per owner), approved minutes and a shared lesson with an
    attachment, each titled with ``name`` so that a page showing it can be told."""
    conclusion = Conclusion.objects.create(meeting=meeting, number=1, text_en=f"{name} conclusion text")
    actions = {
        key: Action.objects.create(
            conclusion=conclusion, title_en=f"{name} action for {key}", due_date=datetime.date(2027, 3, 10), **owner
        )
        for key, owner in owners.items()
    }
    Minutes.objects.create(meeting=meeting, text_en=f"<p>{name} minutes text</p>", status=MinutesStatus.APPROVED)
    lesson = LessonLearned.objects.create(
        title_en=f"{name} lesson on shelter",
        text_en=f"{name}: registering people at the border helped plan shelter.",
        original_language="en",
        country=lesson_country,
        meeting=meeting,
        status=LessonStatus.SHARED,
    )
    knowledge.index_lessons()
    attachment = LessonAttachment.objects.create(
        lesson=lesson,
        file=SimpleUploadedFile("a.pdf", PDF),
        original_name=f"{name}-annex.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    return {
        "meeting": meeting,
        "documents": {
            v: _document(meeting, f"{name} document {v}", v) for v in (Visibility.INVITEES, Visibility.MEMBERS)
        },
        "conclusion": conclusion,
        "actions": actions,
        "lesson": lesson,
        "attachment": attachment,
    }


@pytest.fixture
def world():
    """France's director and a person of the Council's services (no country) are invited to Alpha; Poland's
    director to Bravo. Each meeting has every kind of item; Bravo's actions are owned by France, by the Council's
    services, by the secretariat and by Poland, so that every way of matching "my actions" is tried."""
    with time_machine.travel(NOW, tick=False):
        fr, pl = factories.country("FR", name_en="France"), factories.country("PL", name_en="Poland")
        french = factories.director(fr, first_name="Claire", last_name="Dubois")
        polish = factories.director(pl, first_name="Tomasz", last_name="Kowalski")
        council = factories.organisation(
            None, kind=OrganisationKind.EU_BODY, name_en="Council services", acronym_en="GSC"
        )
        observer = factories.person(council, first_name="Elena", last_name="Marini")
        factories.mandate(observer, role=Role.OBSERVER)
        alpha = factories.meeting(
            title_en="Alpha meeting", starts_at=datetime.datetime(2027, 4, 28, 9, 30, tzinfo=factories.BRUSSELS)
        )
        bravo = factories.meeting(
            title_en="Bravo meeting", starts_at=datetime.datetime(2027, 5, 5, 9, 30, tzinfo=factories.BRUSSELS)
        )
        for person in (french, observer):
            services.invite(alpha, person)
        services.invite(bravo, polish)
        services.send_invitations(alpha)
        services.send_invitations(bravo)
        items = {
            "alpha": _items(
                alpha,
                "Alpha",
                owners={"France": {"owner_country": fr}, "Council": {"owner_organisation": council}},
                lesson_country=pl,
            ),
            "bravo": _items(
                bravo,
                "Bravo",
                owners={
                    "France": {"owner_country": fr},
                    "Council": {"owner_organisation": council},
                    "secretariat": {"owner_secretariat": True},
                    "Poland": {"owner_country": pl},
                },
                lesson_country=pl,
            ),
        }
        readers = {"france": french, "council": observer}
        for person in readers.values():
            open_account(person)
            person.ensure_calendar_token()
    return {"readers": readers, "own": {"france": "France", "council": "Council"}, **items}


def _get(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, body.decode("utf-8", errors="replace")


def _feed(world, reader):
    return reverse("portal:calendar_feed", args=[world["readers"][reader].calendar_token])


# Pages that list items: (name, its address, the Alpha items it must show). "{own}" is the reader's side.
LISTS = [
    (
        "dashboard",
        lambda w, r: reverse("portal:dashboard"),
        ["Alpha meeting", "Alpha action for {own}", "Alpha lesson", "Alpha conclusion text"],
    ),
    ("meetings", lambda w, r: reverse("portal:meetings"), ["Alpha meeting"]),
    (
        "meeting page",
        lambda w, r: reverse("portal:meeting", args=[w["alpha"]["meeting"].pk]),
        ["Alpha meeting", "Alpha document invitees"],
    ),
    (
        "outcomes",
        lambda w, r: reverse("portal:outcomes", args=[w["alpha"]["meeting"].pk]),
        [
            "Alpha conclusion text",
            "Alpha action for France",
            "Alpha action for Council",
            "Alpha minutes text",
            "Alpha lesson",
        ],
    ),
    ("lessons", lambda w, r: reverse("portal:lessons"), ["Alpha lesson"]),
    ("lessons search", lambda w, r: reverse("portal:lessons") + "?q=shelter", ["Alpha lesson"]),
    ("lessons by Bravo", lambda w, r: reverse("portal:lessons") + f"?meeting={w['bravo']['meeting'].pk}", []),
    (
        "lesson page",
        lambda w, r: reverse("portal:lesson", args=[w["alpha"]["lesson"].pk]),
        ["Alpha lesson", "Alpha-annex.pdf"],
    ),
    ("open actions", lambda w, r: reverse("portal:actions"), ["Alpha action for France", "Alpha action for Council"]),
    (
        "all actions",
        lambda w, r: reverse("portal:actions") + "?show=all",
        ["Alpha action for France", "Alpha action for Council"],
    ),
    ("my actions", lambda w, r: reverse("portal:actions") + "?owner=mine&show=all", ["Alpha action for {own}"]),
    (
        "action page",
        lambda w, r: reverse("portal:action", args=[w["alpha"]["actions"]["France"].pk]),
        ["Alpha action for France", "Alpha conclusion text"],
    ),
    ("calendar feed", _feed, ["Alpha meeting"]),
    (
        "meeting calendar file",
        lambda w, r: reverse("portal:meeting_ics", args=[w["alpha"]["meeting"].pk]),
        ["Alpha meeting"],
    ),
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("reader", ["france", "council"])
@pytest.mark.parametrize(("page", "url_of", "alpha_items"), LISTS, ids=[p[0] for p in LISTS])
def test_a_list_shows_the_readers_meeting_and_nothing_of_the_other(client, world, reader, page, url_of, alpha_items):
    client.force_login(world["readers"][reader].user)
    status, body = _get(client, url_of(world, reader))
    shown = body
    if page.startswith(("calendar", "meeting calendar")):  # the titles, unfolded
        shown = " ".join(str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT"))
    assert status == 200
    assert [item for item in alpha_items if item.format(own=world["own"][reader]) not in shown] == []
    assert "Bravo" not in body


# Addresses of Bravo's items: each answers 404 to both readers, never confirming that the item exists.
BRAVO_URLS = [
    ("meeting page", lambda b: reverse("portal:meeting", args=[b["meeting"].pk])),
    ("answer", lambda b: reverse("portal:answer", args=[b["meeting"].pk])),
    ("meeting calendar file", lambda b: reverse("portal:meeting_ics", args=[b["meeting"].pk])),
    ("outcomes", lambda b: reverse("portal:outcomes", args=[b["meeting"].pk])),
    ("report", lambda b: reverse("portal:report", args=[b["meeting"].pk])),
    ("lesson", lambda b: reverse("portal:lesson", args=[b["lesson"].pk])),
    ("lesson attachment", lambda b: reverse("portal:lesson_attachment", args=[b["attachment"].uid])),
    ("document for invitees", lambda b: reverse("meetings:document", args=[b["documents"][Visibility.INVITEES].uid])),
    ("document for members", lambda b: reverse("meetings:document", args=[b["documents"][Visibility.MEMBERS].uid])),
    *(
        (f"action for {owner}", lambda b, owner=owner: reverse("portal:action", args=[b["actions"][owner].pk]))
        for owner in ("France", "Council", "secretariat", "Poland")
    ),
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("reader", ["france", "council"])
@pytest.mark.parametrize(("page", "url_of"), BRAVO_URLS, ids=[p[0] for p in BRAVO_URLS])
def test_the_other_meetings_items_answer_404(client, world, reader, page, url_of):
    client.force_login(world["readers"][reader].user)
    assert client.get(url_of(world["bravo"])).status_code == 404


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("reader", ["france", "council"])
def test_the_readers_downloads_are_served(client, world, reader):
    client.force_login(world["readers"][reader].user)
    alpha = world["alpha"]
    urls = [
        reverse("meetings:document", args=[alpha["documents"][Visibility.INVITEES].uid]),
        reverse("portal:lesson_attachment", args=[alpha["attachment"].uid]),
        reverse("portal:report", args=[alpha["meeting"].pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    # Members-only documents are not for observers (the Council's services).
    members_only = reverse("meetings:document", args=[alpha["documents"][Visibility.MEMBERS].uid])
    assert client.get(members_only).status_code == {"france": 200, "council": 404}[reader]


def test_action_reminders_go_only_to_owners_who_may_see_the_action(world):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=factories.BRUSSELS), tick=False):
        knowledge.send_action_reminders()
    reminded = sorted(
        (m.person.last_name, m.subject.split(": ", 1)[1])
        for m in OutgoingMessage.objects.filter(kind="action_reminder").select_related("person")
    )
    # France's director hears of Alpha's French action, not of Bravo's (he was not invited to Bravo); Poland's
    # director of Bravo's Polish action.
    assert reminded == [("Dubois", "Alpha action for France"), ("Kowalski", "Bravo action for Poland")]


def test_secretariat_staff_hear_of_the_secretariats_actions_of_any_meeting(world):
    benelux = factories.organisation(None, kind=OrganisationKind.SECRETARIAT, name_en="Benelux")
    peeters = factories.person(benelux, first_name="Sarah", last_name="Peeters")
    factories.mandate(peeters, role=Role.SECRETARIAT)
    open_account(peeters, staff=True)
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=factories.BRUSSELS), tick=False):
        knowledge.send_action_reminders()
    reminded = OutgoingMessage.objects.filter(kind="action_reminder", person=peeters).values_list("subject", flat=True)
    assert [subject.split(": ", 1)[1] for subject in reminded] == ["Bravo action for secretariat"]


def test_a_reader_without_a_country_owns_no_countrys_actions(world):
    reader = visibility.Reader.of_person(world["readers"]["council"])
    everything = list(Action.objects.order_by("pk").values_list("title_en", flat=True))
    assert len(everything) == 6
    owned = Action.objects.filter(visibility.owned_by(reader.person)).order_by("pk")
    assert list(owned.values_list("title_en", flat=True)) == [
        "Alpha action for Council",
        "Bravo action for Council",
    ]
    assert list(visibility.own_actions(reader).values_list("title_en", flat=True)) == ["Alpha action for Council"]


# --- Rights follow the registry -------------------------------------------------------------------------------


@pytest.fixture
def former():
    """Hugo, France's Presidency representative in the first half of 2022 (an observer mandate for the term),
    invited to a meeting then and to one in 2027 before his mandate ended; a French draft lesson; an action of the
    2022 meeting owned by France; a lesson shared between meetings."""
    with time_machine.travel(datetime.datetime(2022, 3, 1, 12, tzinfo=factories.BRUSSELS), tick=False):
        fr = factories.country("FR", name_en="France")
        sgdsn = factories.organisation(fr, name_en="SGDSN", acronym_en="SGDSN")
        hugo = factories.person(sgdsn, first_name="Hugo", last_name="Lefevre")
        factories.mandate(
            hugo, role=Role.OBSERVER, start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2022, 6, 30)
        )
        Presidency.objects.create(
            country=fr, start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2022, 6, 30), representative=hugo
        )
        director = factories.director(fr, first_name="Claire", last_name="Dubois")
        march = factories.meeting(
            title_en="March 2022 meeting", starts_at=datetime.datetime(2022, 3, 29, 9, 30, tzinfo=factories.BRUSSELS)
        )
        services.invite(march, hugo)
        services.send_invitations(march)
        spring = factories.meeting(title_en="Spring 2027 meeting")
        services.invite(spring, hugo)
        services.send_invitations(spring)
        document = _document(march, "March note", Visibility.INVITEES)
        conclusion = Conclusion.objects.create(meeting=march, number=1, text_en="March conclusion text")
        action = Action.objects.create(
            conclusion=conclusion, title_en="March action", owner_country=fr, due_date=datetime.date(2027, 6, 1)
        )
        Minutes.objects.create(meeting=march, text_en="<p>March minutes text</p>", status=MinutesStatus.APPROVED)
        draft = LessonLearned.objects.create(
            title_en="French draft", text_en="Draft.", original_language="en", country=fr, author=director
        )
        between = LessonLearned.objects.create(
            title_en="Shared between meetings", text_en="x", original_language="en", country=fr, status="shared"
        )
        at_march = LessonLearned.objects.create(
            title_en="Shared in March", text_en="x", original_language="en", country=fr, meeting=march, status="shared"
        )
        user = open_account(hugo)
        user.set_password(PASSWORD)
        user.save()
    return {
        "hugo": hugo,
        "director": director,
        "march": march,
        "spring": spring,
        "document": document,
        "action": action,
        "draft": draft,
        "between": between,
        "at_march": at_march,
    }


def test_former_presidency_representative_may_no_longer_edit_his_countrys_drafts(client, former):
    with time_machine.travel(datetime.datetime(2022, 5, 2, 12, tzinfo=factories.BRUSSELS), tick=False):
        client.force_login(former["hugo"].user)  # in office: he may
        assert client.get(reverse("portal:lesson_edit", args=[former["draft"].pk])).status_code == 200
    with time_machine.travel(NOW, tick=False):
        client.force_login(former["hugo"].user)
        assert client.get(reverse("portal:lesson_edit", args=[former["draft"].pk])).status_code == 404
        response = client.post(
            reverse("portal:lesson_edit", args=[former["draft"].pk]),
            {"original_language": "en", "title": "Changed", "text": "Changed.", "phase": "response", "save": "1"},
        )
        assert response.status_code == 404
        assert client.post(reverse("portal:lesson_share", args=[former["draft"].pk])).status_code == 404
        assert client.get(reverse("portal:lesson_new")).status_code == 403
    former["draft"].refresh_from_db()
    assert (former["draft"].title_en, former["draft"].status) == ("French draft", "draft")


@time_machine.travel(NOW, tick=False)
def test_former_member_still_reads_the_meetings_he_was_invited_to(client, former):
    client.force_login(former["hugo"].user)
    march = former["march"].pk
    meeting_page = client.get(reverse("portal:meeting", args=[march]))
    outcomes = client.get(reverse("portal:outcomes", args=[march])).content.decode()
    document = client.get(reverse("meetings:document", args=[former["document"].uid]))
    lessons = client.get(reverse("portal:lessons")).content.decode()
    assert meeting_page.status_code == 200 and document.status_code == 200
    assert all(text in outcomes for text in ("March conclusion text", "March action", "March minutes text"))
    assert "Shared in March" in lessons
    assert "Shared between meetings" not in lessons and "French draft" not in lessons  # nothing else


@time_machine.travel(NOW, tick=False)
def test_former_member_may_not_answer_update_comment_or_browse_the_directory(client, former):
    client.force_login(former["hugo"].user)
    spring = former["spring"]
    invitation = spring.invitations.get(person=former["hugo"])
    page = client.get(reverse("portal:meeting", args=[spring.pk])).content.decode()
    assert reverse("portal:answer", args=[spring.pk]) not in page
    response = client.post(reverse("portal:answer", args=[spring.pk]), {"choice": "accepted", "mode": "in_person"})
    assert response.status_code == 302 and response.url == reverse("portal:meeting", args=[spring.pk])
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING
    action_url = reverse("portal:action", args=[former["action"].pk])
    assert client.get(action_url).status_code == 200  # he reads it
    assert client.post(action_url, {"status": "done", "note": "Done."}).status_code == 403
    assert Action.objects.get(pk=former["action"].pk).status == ActionStatus.OPEN
    lesson_url = reverse("portal:lesson", args=[former["at_march"].pk])
    assert "Your comment" not in client.get(lesson_url).content.decode()
    assert client.post(lesson_url, {"text": "Still here."}).status_code == 403
    assert not LessonComment.objects.exists()
    assert client.get(reverse("portal:directory")).status_code == 403
    assert reverse("portal:directory") not in client.get(reverse("portal:dashboard")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_todays_presidency_representative_is_in_office_without_a_mandate(former):
    ie = factories.country("IE", name_en="Ireland")
    walsh = factories.person(factories.organisation(ie), first_name="Ciaran", last_name="Walsh")
    Presidency.objects.create(
        country=ie, start_date=datetime.date(2027, 1, 1), end_date=datetime.date(2027, 6, 30), representative=walsh
    )
    assert visibility.Reader.of_person(walsh).in_office is True
    assert visibility.Reader.of_person(former["hugo"]).in_office is False
    assert visibility.can_submit_lesson(visibility.Reader.of_person(walsh)) is True


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("how", ["deactivated", "erased"])
def test_deactivated_or_erased_person_cannot_sign_in_nor_use_an_open_session(client, former, how):
    hugo = former["hugo"]
    email, token = hugo.email, hugo.ensure_calendar_token()
    client.force_login(hugo.user)
    (deactivate_person if how == "deactivated" else erase_person)(hugo)
    response = client.get(reverse("portal:meeting", args=[former["march"].pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert client.get(reverse("meetings:document", args=[former["document"].uid])).status_code == 302
    client.logout()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:calendar_feed", args=[token])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_draft_meeting_is_seen_by_nobody_but_the_secretariat(client, world):
    bravo = world["bravo"]["meeting"]
    french = world["readers"]["france"]
    services.invite(bravo, french)  # invited and sent, then the meeting goes back to draft
    bravo.invitations.update(sent_at=NOW)
    type(bravo).objects.filter(pk=bravo.pk).update(status=MeetingStatus.DRAFT)
    client.force_login(french.user)
    assert client.get(reverse("portal:meeting", args=[bravo.pk])).status_code == 404
    assert "Bravo" not in client.get(reverse("portal:dashboard")).content.decode()

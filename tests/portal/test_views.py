"""The member portal: who may see what, signing in, and the pages' own rules."""

import datetime

import icalendar
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings import services
from meetings.enums import Answer, Visibility
from meetings.models import Document
from members.enums import OrganisationKind, Role
from members.models import Person, User
from members.services import deactivate_person, open_account, send_access_link
from outbox.models import OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS)
PDF = b"%PDF-1.4\n%%EOF\n"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def world():
    """A meeting whose invitations went out, a document for invitees and one for members only, and a person for
    each role."""
    with time_machine.travel(NOW, tick=False):
        fr = factories.country("FR")
        director = factories.director(fr, first_name="Claire", last_name="Dubois", preferred_language="fr")
        deputy = factories.person(director.organisation, first_name="Julien", last_name="Moreau")
        factories.mandate(deputy, role=Role.DEPUTY)
        council = factories.organisation(None, kind=OrganisationKind.EU_BODY, name_en="Council", acronym_en="GSC")
        observer = factories.person(council, first_name="Elena", last_name="Marini")
        factories.mandate(observer, role=Role.OBSERVER)
        gone = factories.director(factories.country("DE"), first_name="Gone", last_name="Away")
        secretary = factories.person(
            factories.organisation(None, kind=OrganisationKind.SECRETARIAT), first_name="Sarah", last_name="Peeters"
        )
        meeting = factories.meeting(title_en="Spring meeting", answer_deadline=datetime.date(2027, 4, 9))
        for person in (director, observer):
            services.invite(meeting, person)
        services.send_invitations(meeting)
        documents = {
            v: Document.objects.create(
                meeting=meeting,
                title_en=v,
                visibility=v,
                original_name=f"{v}.pdf",
                content_type="application/pdf",
                file=SimpleUploadedFile(f"{v}.pdf", PDF),
            )
            for v in (Visibility.INVITEES, Visibility.MEMBERS)
        }
        users = {}
        for role, person in (("director", director), ("deputy", deputy), ("observer", observer), ("deactivated", gone)):
            user = open_account(person)
            user.set_password(PASSWORD)
            user.save()
            users[role] = user
        staff = open_account(secretary, staff=True)
        staff.set_password(PASSWORD)
        staff.save()
        factories.enable_two_factor(staff)
        users["secretariat"] = staff
        deactivate_person(gone)
    return {"meeting": meeting, "documents": documents, "users": users, "director": director, "deputy": deputy}


def _urls(world):
    m = world["meeting"].pk
    docs = world["documents"]
    return {
        "dashboard": reverse("portal:dashboard"),
        "meetings": reverse("portal:meetings"),
        "meeting": reverse("portal:meeting", args=[m]),
        "answer": reverse("portal:answer", args=[m]),
        "meeting_ics": reverse("portal:meeting_ics", args=[m]),
        "directory": reverse("portal:directory"),
        "profile": reverse("portal:profile"),
        "board": reverse("portal:board"),
        "doc_invitees": reverse("meetings:document", args=[docs[Visibility.INVITEES].uid]),
        "doc_members": reverse("meetings:document", args=[docs[Visibility.MEMBERS].uid]),
        "admin": reverse("admin:index"),
    }


# Expected status of every portal URL for every role. The admin sends everyone but staff to its login, which
# refuses a signed-in member outright (see test_admin_login_refuses_members).
EXPECTED = {
    "anonymous": dict.fromkeys(
        [
            "dashboard",
            "meetings",
            "meeting",
            "answer",
            "meeting_ics",
            "directory",
            "profile",
            "board",
            "doc_invitees",
            "doc_members",
            "admin",
        ],
        302,
    ),
    "deactivated": dict.fromkeys(
        [
            "dashboard",
            "meetings",
            "meeting",
            "answer",
            "meeting_ics",
            "directory",
            "profile",
            "board",
            "doc_invitees",
            "doc_members",
            "admin",
        ],
        302,
    ),
    "director": {
        "dashboard": 200,
        "meetings": 200,
        "meeting": 200,
        "answer": 200,
        "meeting_ics": 200,
        "directory": 200,
        "profile": 200,
        "board": 403,
        "doc_invitees": 200,
        "doc_members": 200,
        "admin": 302,
    },
    "deputy": {
        "dashboard": 200,
        "meetings": 200,
        "meeting": 404,
        "answer": 404,
        "meeting_ics": 404,
        "directory": 200,
        "profile": 200,
        "board": 403,
        "doc_invitees": 404,
        "doc_members": 404,
        "admin": 302,
    },
    "observer": {
        "dashboard": 200,
        "meetings": 200,
        "meeting": 200,
        "answer": 200,
        "meeting_ics": 200,
        "directory": 200,
        "profile": 200,
        "board": 403,
        "doc_invitees": 200,
        "doc_members": 404,
        "admin": 302,
    },
    "secretariat": {
        "dashboard": 200,
        "meetings": 200,
        "meeting": 200,
        "answer": 404,
        "meeting_ics": 200,
        "directory": 200,
        "profile": 200,
        "board": 200,
        "doc_invitees": 200,
        "doc_members": 200,
        "admin": 200,
    },
}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_portal_url_for_every_role(client, world, role):
    if role != "anonymous":
        user = world["users"][role]
        client.force_login(user) if user.is_active else client.login(email=user.email, password=PASSWORD)
        if not user.is_active:
            client.force_login(user)  # a session from before the deactivation must not get in either
    statuses = {name: client.get(url).status_code for name, url in _urls(world).items()}
    assert statuses == EXPECTED[role]
    if role in ("anonymous", "deactivated"):
        response = client.get(_urls(world)["meeting"])
        assert response.url.startswith(reverse("account_login"))


@time_machine.travel(NOW, tick=False)
def test_portal_pages_ask_not_to_be_indexed(client, world):
    client.force_login(world["users"]["director"])
    assert client.get(reverse("portal:directory"))["X-Robots-Tag"] == "noindex, nofollow"


@time_machine.travel(NOW, tick=False)
def test_director_sees_own_remarks_not_anothers(client, world):
    meeting = world["meeting"]
    observer_invitation = meeting.invitations.get(person__last_name="Marini")
    services.record_answer(observer_invitation, answer=Answer.ACCEPTED, remarks="Wheelchair access")
    client.force_login(world["users"]["director"])
    page = client.get(reverse("portal:meeting", args=[meeting.pk])).content.decode()
    assert "Marini" in page and "Wheelchair access" not in page
    assert "https://meet.example.org" not in page  # in person: no connection details
    client.force_login(world["users"]["observer"])
    assert "Wheelchair access" in client.get(reverse("portal:meeting", args=[meeting.pk])).content.decode()


@time_machine.travel(NOW, tick=False)
def test_director_answers_in_the_portal_with_the_same_rules(client, world):
    client.force_login(world["users"]["director"])
    url = reverse("portal:answer", args=[world["meeting"].pk])
    stranger = factories.person(factories.organisation(factories.country("NL")))
    response = client.post(url, {"choice": "substitute", "substitute": stranger.pk})
    assert response.status_code == 400  # not a colleague: not even offered
    invitation = world["meeting"].invitations.get(person=world["director"])
    assert invitation.answer == Answer.PENDING
    response = client.post(url, {"choice": "substitute", "substitute": world["deputy"].pk, "remarks": "Back on 30"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.substitute, invitation.answered_by, invitation.answered_on_behalf) == (
        Answer.DELEGATED,
        world["deputy"],
        world["users"]["director"],
        False,
    )
    assert world["meeting"].invitations.get(person=world["deputy"]).delegated_from == invitation
    assert OutgoingMessage.objects.filter(kind="confirmation", person=world["director"]).count() == 1


def test_login_by_email_then_lockout_after_failed_attempts(client, world):
    url = reverse("account_login")
    email = world["users"]["director"].email
    response = client.post(url, {"login": email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("portal:dashboard")
    client.logout()
    for _ in range(5):
        assert client.post(url, {"login": email, "password": "wrong password"}).status_code == 200
    response = client.post(url, {"login": email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_log_in(client, world):
    response = client.post(
        reverse("account_login"), {"login": world["users"]["deactivated"].email, "password": PASSWORD}
    )
    assert response.url == reverse("account_inactive") and "_auth_user_id" not in client.session
    assert "inactive" in client.get(response.url).content.decode()


def test_admin_login_refuses_members(client, world):
    client.force_login(world["users"]["director"])
    assert client.get(reverse("admin:login")).status_code == 403


def test_there_is_no_open_sign_up(client):
    response = client.post(
        reverse("account_signup"), {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert "Sign Up Closed" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_staff_need_two_factor_and_admin_uses_the_portal_login(client, world):
    staff = world["users"]["secretariat"]
    response = client.get(reverse("admin:login"))
    assert response.url.startswith(reverse("account_login"))
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not in before the second factor
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code()})
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_two_factor_are_sent_to_set_it_up(client, world):
    staff = world["users"]["secretariat"]
    Authenticator.objects.filter(user=staff).delete()
    client.force_login(staff)
    for url in (reverse("admin:index"), reverse("portal:dashboard")):
        assert client.get(url).url == reverse("mfa_activate_totp")


def test_access_link_lets_a_new_member_set_a_password(client, world):
    person = factories.person(world["director"].organisation, email="new.member@example.org", preferred_language="nl")
    send_access_link(person)
    message = OutgoingMessage.objects.get(person=person, kind="account")
    assert message.language == "nl" and "DG-netwerk" in message.subject or message.subject
    link = next(line for line in message.body_text.splitlines() if "/accounts/password/reset/key/" in line)
    response = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new_password = "a long new password for the portal"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert client.login(email="new.member@example.org", password=new_password)


@time_machine.travel(NOW, tick=False)
def test_profile_saves_language_and_calendar_feed_can_be_reset(client, world):
    client.force_login(world["users"]["director"])
    response = client.post(
        reverse("portal:profile"),
        {
            "preferred_language": "de",
            "time_zone": "Europe/Paris",
            "title": "Director",
            "phone": "+33 1 555 00 00",
            "wants_reminders": "",
        },
    )
    assert response.status_code == 302 and response.cookies["django_language"].value == "de"
    person = Person.objects.get(pk=world["director"].pk)
    assert (person.preferred_language, person.time_zone, person.wants_reminders) == ("de", "Europe/Paris", False)
    bad = client.post(reverse("portal:profile"), {"preferred_language": "xx", "time_zone": "Mars/Base"})
    assert bad.status_code == 400
    person.refresh_from_db()
    assert person.preferred_language == "de"
    feed = reverse("portal:calendar_feed", args=[person.ensure_calendar_token()])
    client.logout()
    response = client.get(feed)
    assert response.status_code == 200
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Spring meeting"]
    client.force_login(world["users"]["director"])
    client.post(reverse("portal:reset_calendar"))
    client.logout()
    assert client.get(feed).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_meeting_page_shows_time_in_meeting_zone_and_in_mine(client, world):
    Person.objects.filter(pk=world["director"].pk).update(time_zone="Europe/Helsinki")
    client.force_login(world["users"]["director"])
    page = client.get(reverse("portal:meeting", args=[world["meeting"].pk]), HTTP_ACCEPT_LANGUAGE="en").content
    page = page.decode()
    assert "09:30–16:30 (Europe/Brussels)" in page
    assert "28 avril 2027, 10:30–17:30 (Europe/Helsinki)" in page  # in the reader's language (French)


@time_machine.travel(NOW, tick=False)
def test_portal_speaks_the_persons_language_until_they_choose_another(client, world):
    client.force_login(world["users"]["director"])  # preferred language: French
    assert 'lang="fr"' in client.get(reverse("portal:dashboard")).content.decode()
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert 'lang="nl"' in client.get(reverse("portal:dashboard")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_directory_is_searchable_by_name_and_country(client, world):
    client.force_login(world["users"]["deputy"])
    page = client.get(reverse("portal:directory"), {"q": "dubois"}).content.decode()
    assert "Claire Dubois" in page and "Elena Marini" not in page
    page = client.get(reverse("portal:directory"), {"country": "FR"}).content.decode()
    assert "Julien Moreau" in page and "Council" not in page
    # A NUL cannot reach PostgreSQL: it is dropped, not a server error.
    page = client.get(reverse("portal:directory"), {"q": "dubois\x00", "country": "F\x00R"}).content.decode()
    assert "Claire Dubois" in page and "Elena Marini" not in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_directory_search_finds_the_words_the_page_shows_in_every_language(client, world, language):
    """Issue 18: a name with no translation is shown in English, and found by those words; accents and case do
    not matter."""
    belgium = factories.country("BE", name_en="Belgium", name_fr="Belgique", name_nl="België", name_de="Belgien")
    nccn = factories.organisation(belgium, name_en="National Crisis Centre", acronym_en="NCCN")
    sgdsn = factories.organisation(
        factories.country("FR"),
        name_en="General Secretariat for Defence and National Security",
        name_fr="Secrétariat général de la défense et de la sécurité nationale",
        acronym_en="SGDSN",
    )
    helene = factories.person(sgdsn, first_name="Hélène", last_name="Dupré")
    factories.mandate(helene, role=Role.OBSERVER)
    client.force_login(world["users"]["deputy"])
    client.cookies["django_language"] = language

    def found(q):
        page = client.get(reverse("portal:directory"), {"q": q}).content.decode()
        return {name for name in ("NCCN", "SGDSN", "Claire Dubois") if f"({name})" in page or name in page}

    assert found("SGDSN") == {"SGDSN"}
    assert found("nccn") == {"NCCN"}
    assert found("helene dupre") == {"SGDSN"}
    assert found("DUPRÉ") == {"SGDSN"}
    assert found("dubois") == {"Claire Dubois"}
    shown_country = {"en": "belgium", "fr": "belgique", "nl": "belgie", "de": "belgien"}[language]
    assert found(shown_country) == {"NCCN"}
    if language == "fr":
        assert found("securite nationale") == {"SGDSN"}  # its French name, without accents
    else:
        assert found("national security") == {"SGDSN"}  # the English name, shown as the fallback
    assert nccn.name_fr in (None, "")  # the fallback really is at work


@time_machine.travel(NOW, tick=False)
def test_board_shows_each_country_with_pending_answers(client, world):
    client.force_login(world["users"]["secretariat"])
    page = client.get(reverse("portal:board")).content.decode()
    assert "invited 2 · accepted 0 · declined 0 · delegated 0 · pending 2" in page
    assert reverse("admin:meetings_invitation_change", args=[world["meeting"].invitations.first().pk]) in page
    assert "Not invited" in page  # Germany's director is deactivated: nobody invited for Germany

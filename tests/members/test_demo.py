import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from members import services
from members.enums import OrganisationKind, Participation, Role
from members.models import Country, Mandate, Organisation, Person, Presidency, User

pytestmark = pytest.mark.django_db
D = datetime.date


def _counts():
    from meetings.models import AgendaItem, Attendance, Invitation, Meeting

    models = (Country, Organisation, Person, Mandate, Presidency, User, Meeting, AgendaItem, Invitation, Attendance)
    return {m.__name__: m.objects.count() for m in models} | {
        f"history-{m.__name__}": m.history.count() for m in (Country, Organisation, Person, Mandate, Presidency)
    }


def _load(**env):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_gives_the_same_counts_and_changes_nothing(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    _load()
    first = _counts()
    passwords = dict(User.objects.values_list("email", "password"))
    output = _load()
    assert _counts() == first
    assert dict(User.objects.values_list("email", "password")) == passwords
    assert "countries           23   (0 new)" in output


def test_demo_network_is_the_one_of_the_public_record(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    _load()
    assert Country.objects.filter(participation=Participation.MEMBER).count() == 23
    assert Organisation.objects.filter(kind=OrganisationKind.CRISIS_CENTRE).count() == 23
    belgium = Country.objects.get(code="BE")
    chair = services.representatives(belgium, on=D(2022, 3, 29)).get()
    assert chair.person.full_name == "Bart Raeymaekers"
    assert chair.organisation.name_nl == "Nationaal Crisiscentrum"
    secretariat = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT)
    assert secretariat.name_nl == "Secretariaat-generaal van de Benelux Unie"
    assert Person.objects.get(last_name="de Muyser").organisation == secretariat
    presidency = services.presidency_on(D(2022, 3, 29))
    assert presidency.country.code == "FR"
    assert presidency.representative.mandates.active_on(D(2022, 3, 29)).get().role == Role.OBSERVER
    relex = Organisation.objects.get(kind=OrganisationKind.EU_BODY)
    assert "External Relations" in relex.name_en and relex.country is None
    # every country had exactly one director-general on 29 March 2022, and every address is fictitious
    for country in Country.objects.all():
        assert services.representatives(country, on=D(2022, 3, 29)).count() == 1, country.code
    assert all(email.endswith("example.org") for email in Person.objects.values_list("email", flat=True))


def test_load_demo_prints_how_to_log_in(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    output = _load()
    assert "secretariat  sarah.peeters@example.org   password: demo-password-for-tests" in output
    assert "director     claire.dubois@example.org   password: demo-password-for-tests" in output
    staff = User.objects.get(email="sarah.peeters@example.org")
    assert staff.is_staff and staff.check_password("demo-password-for-tests")
    assert not User.objects.get(email="claire.dubois@example.org").is_staff


def test_load_demo_generates_a_password_when_none_is_given(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = _load()
    line = next(line for line in output.splitlines() if "claire.dubois@example.org" in line)
    password = line.split("password: ")[1]
    assert len(password) >= 12
    assert User.objects.get(email="claire.dubois@example.org").check_password(password)


def test_demo_meetings_are_the_two_of_2022_and_a_draft_for_2027(monkeypatch):
    from meetings import services as meeting_services
    from meetings.enums import Answer, Capacity, MeetingFormat, MeetingStatus, Presence
    from meetings.models import Meeting

    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    _load()
    march, april, spring = Meeting.objects.order_by("starts_at")
    assert (march.format, march.status, f"{march.local_start:%Y-%m-%d %H:%M}") == (
        MeetingFormat.VIRTUAL,
        MeetingStatus.HELD,
        "2022-03-29 10:00",
    )
    members = march.invitations.filter(capacity=Capacity.MEMBER)
    assert members.values("country").distinct().count() == 23
    observers = {i.person.organisation.acronym_en for i in march.invitations.filter(capacity=Capacity.OBSERVER)}
    assert observers == {"SGDSN", "GSC RELEX"}  # the French Presidency and the Council's services
    assert march.attendances.exclude(presence=Presence.ABSENT).count() == 25
    titles = [e.item.title_en for e in meeting_services.planned_agenda(march)]
    assert "Cyber security and disinformation" in titles and titles[-1].startswith("Closing words")
    assert march.title_nl == "De Oekraïnecrisis: eerste ervaringen" and march.title_de and march.title_fr
    assert april.venue_city == "Brussels" and april.status == MeetingStatus.HELD
    assert april.invitations.filter(answer=Answer.DELEGATED).count() == 2
    assert (spring.status, spring.format, f"{spring.local_start:%Y-%m-%d}") == (
        MeetingStatus.DRAFT,
        MeetingFormat.IN_PERSON,
        "2027-04-28",
    )
    assert spring.invitations.count() == 0 and spring.agenda_items.count() == 8
    planned, skipped = meeting_services.network_invitees(spring)
    assert len(planned) == 25 and skipped == []  # ready to invite: 23 directors, the Presidency, the Council
    schedule = sorted(spring.reminder_rules.filter(active=True).values_list("kind", "days_before"))
    assert schedule == [("accepted", 2), ("pending", 7), ("pending", 14)]  # the default, editable on its page


# --- One account per role -------------------------------------------------------------------------------------

ROLE_PASSWORD = "demo-password-for-role-tests"


def _meeting_keys(user) -> set[str]:
    """The demo meetings (by date) the portal opens to ``user``."""
    from meetings import visibility

    reader = visibility.Reader.of_user(user)
    return {f"{m.local_start:%Y-%m-%d}" for m in visibility.meetings(reader)}


@time_machine.travel(datetime.datetime(2026, 5, 15, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_load_demo_opens_one_account_per_role_and_prints_them(monkeypatch):
    from members.demo import ROLE_LOGINS

    monkeypatch.setenv("DEMO_PASSWORD", ROLE_PASSWORD)
    output = _load()
    assert "One account per role" in output
    assert len(ROLE_LOGINS) == 7
    for label, email, staff in ROLE_LOGINS:
        line = next(line for line in output.splitlines() if f" {email} " in line)
        assert line.strip().startswith(label) and line.endswith(f"password: {ROLE_PASSWORD}")
        user = User.objects.get(email=email)
        assert user.is_staff is staff and user.check_password(ROLE_PASSWORD)
        assert Person.objects.get(user=user).email == email
    roles = {
        email: set(Person.objects.get(email=email).mandates.values_list("role", flat=True))
        for _label, email, _staff in ROLE_LOGINS
    }
    assert roles == {
        "mikko.virtanen@example.org": {Role.DIRECTOR_GENERAL},
        "thomas.becker@example.org": {Role.DIRECTOR_GENERAL},
        "julien.moreau@example.org": {Role.DEPUTY},
        "elena.marini@example.org": {Role.OBSERVER},
        "hugo.lefevre@example.org": {Role.OBSERVER},
        "camille.laurent@example.org": {Role.ASSISTANT},
        "alain.de-muyser@example.org": {Role.SECRETARIAT},
    }
    assert Person.objects.get(email="elena.marini@example.org").organisation.kind == OrganisationKind.EU_BODY
    assert Presidency.objects.get(representative__email="hugo.lefevre@example.org").country.code == "FR"
    # A second run keeps the passwords.
    assert "password: unchanged since the demo was first loaded" not in output
    monkeypatch.delenv("DEMO_PASSWORD")
    again = _load()
    assert "alain.de-muyser@example.org   password: unchanged since the demo was first loaded" in again
    assert User.objects.get(email="alain.de-muyser@example.org").check_password(ROLE_PASSWORD)


@time_machine.travel(datetime.datetime(2026, 5, 15, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_each_demo_role_signs_in_and_sees_what_its_role_allows(monkeypatch, client):
    from meetings import visibility
    from meetings.enums import Capacity, Visibility

    monkeypatch.setenv("DEMO_PASSWORD", ROLE_PASSWORD)
    _load()
    both_2022 = {"2022-03-29", "2022-04-28"}
    expected = {
        # email: (meetings the portal opens, in office today, portal language)
        "mikko.virtanen@example.org": (both_2022, True, "en"),
        "thomas.becker@example.org": (both_2022, True, "de"),  # delegated 28 April to his deputy, still invited
        "julien.moreau@example.org": ({"2022-04-28"}, True, "fr"),  # came in Claire Dubois's place
        "elena.marini@example.org": (both_2022, True, "en"),
        "hugo.lefevre@example.org": (both_2022, False, "fr"),  # the Presidency of 2022 is over: read only
        "camille.laurent@example.org": (set(), True, "fr"),  # copied on her director's mails, invited to nothing
        "alain.de-muyser@example.org": (both_2022 | {"2027-04-28"}, True, "fr"),  # staff: everything, drafts too
    }
    for email, (meetings, in_office, language) in expected.items():
        client.logout()
        response = client.post("/accounts/login/", {"login": email, "password": ROLE_PASSWORD})
        assert response.status_code == 302, email
        user = User.objects.get(email=email)
        assert int(client.session["_auth_user_id"]) == user.pk
        assert _meeting_keys(user) == meetings, email
        reader = visibility.Reader.of_user(user)
        assert reader.in_office is in_office, email
        assert visibility.may_use_directory(reader) is in_office, email
        if user.is_staff:
            # As the first secretariat account: the admin first asks to set up two-factor authentication.
            from allauth.mfa.models import Authenticator

            assert not Authenticator.objects.filter(user=user).exists()
            assert client.get("/admin/").status_code == 302
            continue
        page = client.get("/meetings/")
        assert page.status_code == 200 and page["Content-Language"] == language, email
        for meeting in visibility.meetings(reader):
            assert client.get(f"/meetings/{meeting.pk}/").status_code == 200, email
    # The EU body's observer does not get the members-only documents of the meetings she sees.
    observer = visibility.Reader.of_user(User.objects.get(email="elena.marini@example.org"))
    assert set(visibility.invitations(observer).values_list("capacity", flat=True)) == {Capacity.OBSERVER}
    assert not visibility.documents(observer).filter(visibility=Visibility.MEMBERS).exists()

"""Who may open what in the admin: every admin URL × every role → the expected answer.

The URLs are read from ``admin.site`` itself (each registered model admin's ``get_urls()``, the site's own views
and one index page per app), so a model or a custom view registered later joins the matrix and fails it until
``EXPECTED`` says what each role gets there. The two admin roles are described in ``members/admin_roles.py``.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, reverse

from members.models import Person, User
from tests import factories

pytestmark = pytest.mark.django_db

SITE_ADMINISTRATOR = "site administrator"
SECRETARIAT = "secretariat"
SECRETARIAT_WITHOUT_TOTP = "secretariat without TOTP"
DIRECTOR = "director"
ANONYMOUS = "anonymous"
ROLES = (SITE_ADMINISTRATOR, SECRETARIAT, SECRETARIAT_WITHOUT_TOTP, DIRECTOR, ANONYMOUS)


# --- The objects every change, delete and history URL is opened with ------------------------------------------------


@pytest.fixture
def world(db):
    """One real row of every model registered in the admin, and one user per role."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    from alerts.models import Alert
    from knowledge.models import Action, Conclusion, LessonLearned, Minutes, NewsItem
    from meetings.enums import MeetingStatus
    from meetings.models import Attendance, Crisis, Theme
    from members.models import Presidency
    from outbox.models import MessageKind, OutgoingMessage
    from questionnaires.models import CountryAnswer, Questionnaire

    superuser = User.objects.create_superuser(email="admin@example.org", password="correct horse battery staple")
    factories.enable_two_factor(superuser)
    secretariat = factories.staff_user("secretariat@example.org")
    without_totp = factories.staff_user("new-staff@example.org")
    Authenticator.objects.filter(user=without_totp).delete()
    director = factories.director(factories.country("BE"), email="director@example.org")
    director.user = User.objects.create_user(email=director.email, password="correct horse battery staple")
    director.save(update_fields=["user"])

    meeting = factories.meeting()
    held = factories.meeting(
        title_en="Held meeting",
        starts_at=datetime.datetime(2025, 3, 29, 9, 30, tzinfo=factories.BRUSSELS),
        status=MeetingStatus.HELD,
    )
    invitation = factories.invitation(held, director)
    conclusion = Conclusion.objects.create(meeting=held, number=1, text_en="The network agrees.")
    questionnaire = factories.questionnaire(secretariat)
    objects = {
        Group: Group.objects.get(name="Secretariat"),
        EmailAddress: EmailAddress.objects.create(user=director.user, email=director.email, verified=True),
        UserSession: UserSession.objects.create(user=director.user, session_key="k" * 32, ip="192.0.2.1"),
        Authenticator: Authenticator.objects.get(user=secretariat),
        User: director.user,
        factories.Country: director.organisation.country,
        factories.Organisation: director.organisation,
        Person: director,
        factories.Mandate: director.mandates.get(),
        Presidency: Presidency.objects.create(
            country=director.organisation.country,
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2024, 6, 30),
        ),
        Crisis: Crisis.objects.create(name_en="Floods", start_date=datetime.date(2021, 7, 14)),
        Theme: Theme.objects.create(label_en="Cyber security"),
        meeting._meta.model: meeting,
        invitation._meta.model: invitation,
        Attendance: Attendance.objects.create(meeting=held, invitation=invitation, person=director),
        OutgoingMessage: OutgoingMessage.objects.create(
            key="matrix", kind=MessageKind.INVITATION, person=director, to=director.email, subject="Invitation"
        ),
        LessonLearned: LessonLearned.objects.create(
            title_en="Shelter", text_en="Register early.", country=director.organisation.country
        ),
        Action: Action.objects.create(conclusion=conclusion, title_en="Report", due_date=datetime.date(2027, 1, 1)),
        Conclusion: conclusion,
        Minutes: Minutes.objects.create(meeting=held, text_en="<p>Opening</p>"),
        NewsItem: NewsItem.objects.create(slug="spring", title_en="Spring meeting", body_en="<p>Held.</p>"),
        Alert: factories.alert(secretariat),
        Questionnaire: questionnaire,
        CountryAnswer: CountryAnswer.objects.create(questionnaire=questionnaire, country=director.organisation.country),
        **_decisions(director),
        **_logistics_rows(held, invitation),
    }
    return {
        "objects": objects,
        "users": {
            SITE_ADMINISTRATOR: superuser,
            SECRETARIAT: secretariat,
            SECRETARIAT_WITHOUT_TOTP: without_totp,
            DIRECTOR: director.user,
        },
    }


def _decisions(director) -> dict:
    """A draft open for comments with a proposal, a reservation and an open written procedure."""
    from decisions import services as decisions
    from decisions.models import Draft, Proposal, Reservation, WrittenProcedure

    draft = Draft.objects.create(title_en="Terms of reference")
    revision = decisions.publish_revision(draft, [{"en": "The network meets twice a year."}])
    decisions.open_for_comments(draft)
    proposal = decisions.propose(revision, person=director, paragraph_number=1, text="The network meets often.")
    reservation = decisions.reserve(revision, person=director, kind="scrutiny", reason="Capital checks.")
    procedure = decisions.open_procedure(
        revision, deadline=datetime.datetime(2099, 1, 1, 17, tzinfo=factories.BRUSSELS)
    )
    return {Draft: draft, Proposal: proposal, Reservation: reservation, WrittenProcedure: procedure}


def _logistics_rows(held, invitation) -> dict:
    from logistics.models import Badge, DatePoll, MeetingLogistics, Registration

    poll = DatePoll.objects.create(title_en="Next meeting")
    poll.slots.create(starts_at=datetime.datetime(2027, 4, 28, 10, tzinfo=factories.BRUSSELS))
    return {
        DatePoll: poll,
        MeetingLogistics: MeetingLogistics.objects.create(meeting=held, fields=["hotel"]),
        Registration: Registration.objects.create(invitation=invitation, hotel=True, nights=1),
        Badge: Badge.objects.create(meeting=held, invitation=invitation, code="ABCD2345", name="A Director"),
    }


# --- Every admin URL, read from admin.site --------------------------------------------------------------------------

_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\[\^/\]\+\)")


def _fill(route: str, obj) -> str:
    """A concrete path for one URL pattern of a model admin: every object parameter is ``obj``'s primary key and a
    history version is ``obj``'s latest historical record."""
    if route.startswith("^"):
        history = getattr(obj, "history", None)
        values = iter([obj.pk, history.first().history_id if history is not None else 1])
        return _REGEX_GROUP.sub(lambda _m: str(next(values)), route).strip("^$")
    for match in _PARAMETER.finditer(route):
        assert match["name"] in ("object_id", "pk", "id"), f"no value for <{match['name']}> in {route!r}"
    return _PARAMETER.sub(str(obj.pk), route)


def admin_urls(objects) -> dict[str, str]:
    """{key: path} for every URL ``admin.site`` serves; the key is the URL's name (``members_person_change``)
    or, for the few unnamed ones, a name given here."""
    prefix = reverse("admin:index")
    urls: dict[str, str] = {}
    for pattern in admin.site.get_urls():
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            continue  # the model admins, below
        assert isinstance(pattern, URLPattern)
        if pattern.name == "app_list":
            for app_label in {model._meta.app_label for model in admin.site._registry}:
                urls[f"app_list:{app_label}"] = reverse("admin:app_list", args=[app_label])
        elif pattern.name == "view_on_site":
            meeting = next(obj for model, obj in objects.items() if model._meta.label == "meetings.Meeting")
            urls["view_on_site"] = reverse(
                "admin:view_on_site", args=[ContentType.objects.get_for_model(meeting).pk, meeting.pk]
            )
        elif pattern.name == "autocomplete":
            urls["autocomplete"] = reverse("admin:autocomplete")
            for field in ("organisation", "user"):
                urls[f"autocomplete:members.person.{field}"] = (
                    reverse("admin:autocomplete") + f"?app_label=members&model_name=person&field_name={field}&term=a"
                )
        elif pattern.name is None:
            assert route == "(?P<url>.*)$", f"an unnamed admin URL nobody expected: {route!r}"
            urls["catch_all"] = prefix + "no-such-page/"
        else:
            urls[pattern.name] = reverse(f"admin:{pattern.name}")
    for model, model_admin in admin.site._registry.items():
        assert model in objects, f"{model._meta.label} is registered in the admin: add a row of it to world()"
        obj = objects[model]
        base = f"{prefix}{model._meta.app_label}/{model._meta.model_name}/"
        for pattern in model_admin.get_urls():
            key = pattern.name or f"{model._meta.app_label}_{model._meta.model_name}_object"
            urls[key] = base + _fill(str(pattern.pattern), obj)
    return urls


def _request(client, role, world):
    if role != ANONYMOUS:
        client.force_login(world["users"][role])
    return client


def _outcome(response) -> tuple[int, str]:
    """(status, where a redirect goes: its path and, for the login, the page it comes back to)."""
    if response.status_code not in (301, 302):
        return response.status_code, ""
    location = urlsplit(response["Location"])
    back = parse_qs(location.query).get("next", [""])[0]
    return response.status_code, location.path + (f"?next={back}" if back else "")


# --- What each role gets ---------------------------------------------------------------------------------------------

EXPECTED: dict[str, tuple[int, int]] = {
    # URL: (site administrator, secretariat with TOTP)
    # The site's own pages (index, app indexes, login, autocomplete…)
    "app_list:account": (200, 404),
    "app_list:alerts": (200, 200),
    "app_list:questionnaires": (200, 200),
    "app_list:auth": (200, 404),
    "app_list:decisions": (200, 200),
    "app_list:knowledge": (200, 200),
    "app_list:meetings": (200, 200),
    "app_list:members": (200, 200),
    "app_list:mfa": (200, 404),
    "app_list:outbox": (200, 200),
    "app_list:usersessions": (200, 404),
    "autocomplete": (403, 403),
    "autocomplete:members.person.organisation": (200, 200),
    "autocomplete:members.person.user": (200, 403),
    "catch_all": (404, 404),
    # Decisions between meetings: nothing is deleted; proposals and reservations are the countries' (read only);
    # a written procedure is opened from its draft.
    "decisions_draft_add": (200, 200),
    "decisions_draft_change": (200, 200),
    "decisions_draft_changelist": (200, 200),
    "decisions_draft_comments": (200, 200),
    "decisions_draft_delete": (403, 403),
    "decisions_draft_history": (200, 200),
    "decisions_draft_object": (302, 302),
    "decisions_draft_procedure": (200, 200),
    "decisions_draft_publish": (200, 200),
    "decisions_draft_withdraw": (200, 200),
    "decisions_proposal_add": (403, 403),
    "decisions_proposal_change": (200, 200),
    "decisions_proposal_changelist": (200, 200),
    "decisions_proposal_delete": (403, 403),
    "decisions_proposal_history": (200, 200),
    "decisions_proposal_object": (302, 302),
    "decisions_reservation_add": (403, 403),
    "decisions_reservation_change": (200, 200),
    "decisions_reservation_changelist": (200, 200),
    "decisions_reservation_delete": (403, 403),
    "decisions_reservation_history": (200, 200),
    "decisions_reservation_object": (302, 302),
    "decisions_writtenprocedure_add": (403, 403),
    "decisions_writtenprocedure_board": (200, 200),
    "decisions_writtenprocedure_change": (200, 200),
    "decisions_writtenprocedure_changelist": (200, 200),
    "decisions_writtenprocedure_delete": (403, 403),
    "decisions_writtenprocedure_extend": (200, 200),
    "decisions_writtenprocedure_history": (200, 200),
    "decisions_writtenprocedure_object": (302, 302),
    "decisions_writtenprocedure_withdraw": (200, 200),
    "index": (200, 200),
    "jsi18n": (200, 200),
    "login": (302, 302),
    "logout": (405, 405),
    "password_change": (200, 200),
    "password_change_done": (200, 200),
    "view_on_site": (404, 404),
    # The network's data: the registry, meetings, knowledge, the outbox (nothing is deleted through the admin)
    "alerts_alert_add": (200, 200),
    "alerts_alert_change": (200, 200),
    "alerts_alert_changelist": (200, 200),
    "alerts_alert_delete": (403, 403),
    "alerts_alert_history": (200, 200),
    "alerts_alert_object": (302, 302),
    "questionnaires_questionnaire_add": (200, 200),
    "questionnaires_questionnaire_change": (200, 200),
    "questionnaires_questionnaire_changelist": (200, 200),
    "questionnaires_questionnaire_close": (200, 200),  # the confirmation (a draft: it says only open ones close)
    "questionnaires_questionnaire_delete": (403, 403),
    "questionnaires_questionnaire_history": (200, 200),
    "questionnaires_questionnaire_object": (302, 302),
    "questionnaires_countryanswer_add": (403, 403),
    "questionnaires_countryanswer_change": (200, 200),
    "questionnaires_countryanswer_changelist": (200, 200),
    "questionnaires_countryanswer_delete": (403, 403),
    "questionnaires_countryanswer_history": (200, 200),
    "questionnaires_countryanswer_object": (302, 302),
    "knowledge_action_add": (200, 200),
    "knowledge_action_change": (200, 200),
    "knowledge_action_changelist": (200, 200),
    "knowledge_action_delete": (403, 403),
    "knowledge_action_history": (200, 200),
    "knowledge_action_object": (302, 302),
    "knowledge_action_simple_history": (200, 200),
    "meetings_attendance_add": (200, 200),
    "meetings_attendance_change": (200, 200),
    "meetings_attendance_changelist": (200, 200),
    "meetings_attendance_delete": (403, 403),
    "meetings_attendance_history": (200, 200),
    "meetings_attendance_object": (302, 302),
    "meetings_attendance_simple_history": (200, 200),
    "knowledge_conclusion_add": (200, 200),
    "knowledge_conclusion_change": (200, 200),
    "knowledge_conclusion_changelist": (200, 200),
    "knowledge_conclusion_delete": (403, 403),
    "knowledge_conclusion_history": (200, 200),
    "knowledge_conclusion_object": (302, 302),
    "knowledge_conclusion_simple_history": (200, 200),
    "meetings_crisis_add": (200, 200),
    "meetings_crisis_change": (200, 200),
    "meetings_crisis_changelist": (200, 200),
    "meetings_crisis_delete": (403, 403),
    "meetings_crisis_history": (200, 200),
    "meetings_crisis_object": (302, 302),
    "meetings_invitation_add": (200, 200),
    "meetings_invitation_change": (200, 200),
    "meetings_invitation_changelist": (200, 200),
    "meetings_invitation_delete": (403, 403),
    "meetings_invitation_history": (200, 200),
    "meetings_invitation_object": (302, 302),
    "meetings_invitation_simple_history": (200, 200),
    "knowledge_lessonlearned_add": (200, 200),
    "knowledge_lessonlearned_change": (200, 200),
    "knowledge_lessonlearned_changelist": (200, 200),
    "knowledge_lessonlearned_delete": (403, 403),
    "knowledge_lessonlearned_history": (200, 200),
    "knowledge_lessonlearned_object": (302, 302),
    "knowledge_lessonlearned_simple_history": (200, 200),
    "meetings_meeting_add": (200, 200),
    "meetings_meeting_attendance_pdf": (200, 200),
    "meetings_meeting_cancel": (200, 200),
    "meetings_meeting_change": (200, 200),
    "meetings_meeting_changelist": (200, 200),
    "meetings_meeting_close": (200, 200),
    "meetings_meeting_copy": (200, 200),
    "meetings_meeting_delete": (403, 403),
    "meetings_meeting_held": (200, 200),
    "meetings_meeting_history": (200, 200),
    "meetings_meeting_invite_network": (200, 200),
    "meetings_meeting_news": (200, 200),
    "meetings_meeting_object": (302, 302),
    "meetings_meeting_participants_csv": (200, 200),
    "meetings_meeting_participants_pdf": (200, 200),
    "meetings_meeting_send": (200, 200),
    "meetings_meeting_simple_history": (200, 200),
    "knowledge_minutes_add": (200, 200),
    "knowledge_minutes_change": (200, 200),
    "knowledge_minutes_changelist": (200, 200),
    "knowledge_minutes_delete": (403, 403),
    "knowledge_minutes_history": (200, 200),
    "knowledge_minutes_object": (302, 302),
    "knowledge_minutes_simple_history": (200, 200),
    "knowledge_newsitem_add": (200, 200),
    "knowledge_newsitem_change": (200, 200),
    "knowledge_newsitem_changelist": (200, 200),
    "knowledge_newsitem_delete": (403, 403),
    "knowledge_newsitem_history": (200, 200),
    "knowledge_newsitem_object": (302, 302),
    "knowledge_newsitem_simple_history": (200, 200),
    "outbox_outgoingmessage_add": (403, 403),
    "outbox_outgoingmessage_change": (200, 200),
    "outbox_outgoingmessage_changelist": (200, 200),
    "outbox_outgoingmessage_delete": (403, 403),
    "outbox_outgoingmessage_history": (200, 200),
    "outbox_outgoingmessage_object": (302, 302),
    "meetings_theme_add": (200, 200),
    "meetings_theme_change": (200, 200),
    "meetings_theme_changelist": (200, 200),
    "meetings_theme_delete": (403, 403),
    "meetings_theme_history": (200, 200),
    "meetings_theme_object": (302, 302),
    "members_country_add": (200, 200),
    "members_country_change": (200, 200),
    "members_country_changelist": (200, 200),
    "members_country_delete": (403, 403),
    "members_country_export": (200, 200),
    "members_country_history": (200, 200),
    "members_country_object": (302, 302),
    "members_country_simple_history": (200, 200),
    "members_mandate_add": (200, 200),
    "members_mandate_change": (200, 200),
    "members_mandate_changelist": (200, 200),
    "members_mandate_delete": (403, 403),
    "members_mandate_export": (200, 200),
    "members_mandate_history": (200, 200),
    "members_mandate_object": (302, 302),
    "members_mandate_simple_history": (200, 200),
    "members_organisation_add": (200, 200),
    "members_organisation_change": (200, 200),
    "members_organisation_changelist": (200, 200),
    "members_organisation_delete": (403, 403),
    "members_organisation_export": (200, 200),
    "members_organisation_history": (200, 200),
    "members_organisation_object": (302, 302),
    "members_organisation_simple_history": (200, 200),
    "members_person_add": (200, 200),
    "members_person_change": (200, 200),
    "members_person_changelist": (200, 200),
    "members_person_delete": (403, 403),
    "members_person_export": (200, 200),
    "members_person_history": (200, 200),
    "members_person_import": (200, 200),
    "members_person_object": (302, 302),
    "members_person_process_import": (405, 405),
    "members_person_simple_history": (200, 200),
    "members_presidency_add": (200, 200),
    "members_presidency_change": (200, 200),
    "members_presidency_changelist": (200, 200),
    "members_presidency_delete": (403, 403),
    "members_presidency_history": (200, 200),
    "members_presidency_object": (302, 302),
    "members_presidency_simple_history": (200, 200),
    # Logistics: date polls, registrations, badges, check-in (nothing is deleted)
    "app_list:logistics": (200, 200),
    "logistics_badge_add": (403, 403),
    "logistics_badge_change": (200, 200),
    "logistics_badge_changelist": (200, 200),
    "logistics_badge_delete": (403, 403),
    "logistics_badge_history": (200, 200),
    "logistics_badge_object": (302, 302),
    "logistics_datepoll_add": (200, 200),
    "logistics_datepoll_change": (200, 200),
    "logistics_datepoll_changelist": (200, 200),
    "logistics_datepoll_choose": (405, 405),
    "logistics_datepoll_delete": (403, 403),
    "logistics_datepoll_grid": (200, 200),
    "logistics_datepoll_history": (200, 200),
    "logistics_datepoll_object": (302, 302),
    "logistics_datepoll_remind": (405, 405),
    "logistics_meetinglogistics_add": (200, 200),
    "logistics_meetinglogistics_badges": (200, 200),
    "logistics_meetinglogistics_cards": (200, 200),
    "logistics_meetinglogistics_change": (200, 200),
    "logistics_meetinglogistics_changelist": (200, 200),
    "logistics_meetinglogistics_checkin": (200, 200),
    "logistics_meetinglogistics_delete": (403, 403),
    "logistics_meetinglogistics_history": (200, 200),
    "logistics_meetinglogistics_issue": (405, 405),
    "logistics_meetinglogistics_list": (200, 200),
    "logistics_meetinglogistics_object": (302, 302),
    "logistics_meetinglogistics_rollcall": (200, 200),
    "logistics_registration_add": (403, 403),
    "logistics_registration_change": (200, 200),
    "logistics_registration_changelist": (200, 200),
    "logistics_registration_delete": (403, 403),
    "logistics_registration_history": (200, 200),
    "logistics_registration_object": (302, 302),
    # Accounts and privileges: the site administrator's only
    "account_emailaddress_add": (200, 403),
    "account_emailaddress_change": (200, 403),
    "account_emailaddress_changelist": (200, 403),
    "account_emailaddress_delete": (200, 403),
    "account_emailaddress_history": (200, 403),
    "account_emailaddress_object": (302, 302),
    "auth_group_add": (200, 403),
    "auth_group_change": (200, 403),
    "auth_group_changelist": (200, 403),
    "auth_group_delete": (200, 403),
    "auth_group_history": (200, 403),
    "auth_group_object": (302, 302),
    "auth_user_password_change": (200, 403),
    "members_user_add": (200, 403),
    "members_user_change": (200, 403),
    "members_user_changelist": (200, 403),
    "members_user_delete": (403, 403),
    "members_user_history": (200, 403),
    "members_user_object": (302, 302),
    "mfa_authenticator_add": (403, 403),
    "mfa_authenticator_change": (200, 403),
    "mfa_authenticator_changelist": (200, 403),
    "mfa_authenticator_delete": (200, 403),
    "mfa_authenticator_history": (200, 403),
    "mfa_authenticator_object": (302, 302),
    "usersessions_usersession_add": (403, 403),
    "usersessions_usersession_change": (200, 403),
    "usersessions_usersession_changelist": (200, 403),
    "usersessions_usersession_delete": (200, 403),
    "usersessions_usersession_history": (200, 403),
    "usersessions_usersession_object": (302, 302),
}


# Roles that never get into the admin: the same answer everywhere, but for these pages.
TOTP_SET_UP = "/accounts/2fa/totp/activate/"
OUTSIDE_EXCEPTIONS = {
    ANONYMOUS: {
        "login": (302, "/accounts/login/?next=/admin/login/"),  # the portal's sign-in (rate-limited, two-factor)
        "logout": (302, "/admin/"),
    },
    DIRECTOR: {
        "login": (403, ""),
        "logout": (302, "/admin/"),
    },
}


def expected(role: str, key: str, url: str) -> tuple[int, str]:
    """The (status, redirect target) ``role`` gets at ``url``; for staff only the status is compared."""
    if role == SITE_ADMINISTRATOR:
        return EXPECTED[key][0], ""
    if role == SECRETARIAT:
        return EXPECTED[key][1], ""
    if role == SECRETARIAT_WITHOUT_TOTP:
        return 302, TOTP_SET_UP  # StaffTwoFactorMiddleware: nothing in the admin before TOTP is set up
    return OUTSIDE_EXCEPTIONS[role].get(key, (302, f"/admin/login/?next={url}"))


def test_every_admin_url_has_an_expectation_and_every_expectation_a_url(world):
    assert sorted(admin_urls(world["objects"])) == sorted(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_answers_each_role_as_expected(world, role):
    from django.test import Client

    client = Client(raise_request_exception=False)  # a server error is an answer to compare, not a crash
    if role != ANONYMOUS:
        client.force_login(world["users"][role])
    wrong = {}
    for key, url in sorted(admin_urls(world["objects"]).items()):
        want = expected(role, key, url)
        got = _outcome(client.get(url))
        if role in (SITE_ADMINISTRATOR, SECRETARIAT):
            got = (got[0], "")
        if got != want:
            wrong[key] = {"got": got, "expected": want}
    assert wrong == {}


# --- Trying to raise a privilege changes nothing ---------------------------------------------------------------------

PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "is_active", "email", "password")


def _privileges(user: User) -> dict:
    user.refresh_from_db()
    return {
        **{field: getattr(user, field) for field in PRIVILEGE_FIELDS},
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def _group_permissions() -> list[str]:
    return sorted(Group.objects.get(name="Secretariat").permissions.values_list("codename", flat=True))


def _raise_privileges(user: User) -> dict:
    """The form data of someone ticking every privilege box for ``user``."""
    return {
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [str(pk) for pk in Group.objects.values_list("pk", flat=True)],
        "user_permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)[:50]],
        "password1": "a new pass phrase 42",
        "password2": "a new pass phrase 42",
        "usable_password": "true",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }


def test_secretariat_ticking_superuser_on_their_own_account_is_refused_and_changes_nothing(client, world):
    secretariat = world["users"][SECRETARIAT]
    client.force_login(secretariat)
    before = _privileges(secretariat)

    response = client.post(reverse("admin:members_user_change", args=[secretariat.pk]), _raise_privileges(secretariat))

    assert response.status_code == 403
    assert _privileges(secretariat) == before
    assert before["is_superuser"] is False


def test_secretariat_cannot_set_anyone_s_password(client, world):
    client.force_login(world["users"][SECRETARIAT])
    for user in (world["users"][DIRECTOR], world["users"][SITE_ADMINISTRATOR], world["users"][SECRETARIAT]):
        before = _privileges(user)

        response = client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": "a new pass phrase 42", "password2": "a new pass phrase 42", "usable_password": "true"},
        )

        assert response.status_code == 403
        assert _privileges(user) == before


def test_secretariat_cannot_add_themselves_to_a_group_or_give_the_group_more_rights(client, world):
    secretariat = world["users"][SECRETARIAT]
    admins = Group.objects.create(name="Site administrators")
    client.force_login(secretariat)
    before, group_before = _privileges(secretariat), _group_permissions()
    every_permission = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]

    responses = [
        client.post(reverse("admin:auth_group_change", args=[admins.pk]), {"name": admins.name}),
        client.post(
            reverse("admin:auth_group_change", args=[Group.objects.get(name="Secretariat").pk]),
            {"name": "Secretariat", "permissions": every_permission},
        ),
        client.post(reverse("admin:auth_group_add"), {"name": "Mine", "permissions": every_permission}),
        client.post(reverse("admin:members_user_add"), _raise_privileges(User(email="new-admin@example.org"))),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert _privileges(secretariat) == before
    assert _group_permissions() == group_before
    assert sorted(Group.objects.values_list("name", flat=True)) == ["Secretariat", "Site administrators"]
    assert not User.objects.filter(email="new-admin@example.org").exists()


def test_secretariat_cannot_read_or_remove_authenticators_or_end_other_people_s_sessions(client, world):
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    client.force_login(world["users"][SECRETARIAT])
    authenticator = world["objects"][Authenticator]
    session = world["objects"][UserSession]

    pages = [
        client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk])),
        client.post(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"}),
        client.post(reverse("admin:usersessions_usersession_delete", args=[session.pk]), {"post": "yes"}),
    ]

    assert [r.status_code for r in pages] == [403, 403, 403]
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()
    assert UserSession.objects.filter(pk=session.pk).exists()


def test_a_privilege_post_to_any_admin_url_leaves_every_account_s_rights_as_they_were(world):
    from django.test import Client

    secretariat = world["users"][SECRETARIAT]
    client = Client(raise_request_exception=False)
    client.force_login(secretariat)
    before = {user.email: _privileges(user) for user in User.objects.all()}
    group_before = _group_permissions()
    data = _raise_privileges(secretariat)
    server_errors = []

    for key, url in sorted(admin_urls(world["objects"]).items()):
        if key == "logout":
            continue  # it would end the session, and the rest of the sweep would prove nothing
        if client.post(url, data).status_code >= 500:
            server_errors.append(key)

    assert {user.email: _privileges(user) for user in User.objects.all()} == before
    assert _group_permissions() == group_before
    assert server_errors == []


def test_the_user_admin_never_offers_privilege_fields_for_editing_to_anyone_but_a_site_administrator(rf, world):
    from django.contrib.auth.models import AnonymousUser

    model_admin = admin.site._registry[User]
    director_user = world["users"][DIRECTOR]
    for user in (world["users"][SECRETARIAT], AnonymousUser()):
        request = rf.get("/admin/")
        request.user = user
        readonly = set(model_admin.get_readonly_fields(request, director_user))
        assert {"is_staff", "is_superuser", "groups", "user_permissions", "is_active", "email"} <= readonly
    request = rf.get("/admin/")
    request.user = world["users"][SITE_ADMINISTRATOR]
    assert set(model_admin.get_readonly_fields(request, director_user)) == {"last_login", "date_joined"}


def test_site_administrator_keeps_full_rights_over_accounts(client, world):
    director_user = world["users"][DIRECTOR]
    client.force_login(world["users"][SITE_ADMINISTRATOR])
    data = _raise_privileges(director_user)
    data["groups"] = [str(Group.objects.get(name="Secretariat").pk)]
    data["user_permissions"] = []

    response = client.post(reverse("admin:members_user_change", args=[director_user.pk]), data)

    assert response.status_code == 302
    assert _privileges(director_user) | {"password": ""} == {
        "is_superuser": True,
        "is_staff": True,
        "is_active": True,
        "email": "director@example.org",
        "password": "",
        "groups": ["Secretariat"],
        "user_permissions": [],
    }


# --- The Secretariat group's permissions ------------------------------------------------------------------------------

SECRETARIAT_PERMISSIONS = [
    "alerts.add_alert",
    "alerts.change_alert",
    "alerts.view_alert",
    "decisions.add_draft",
    "decisions.change_draft",
    "decisions.change_writtenprocedure",
    "decisions.view_draft",
    "decisions.view_proposal",
    "decisions.view_reservation",
    "decisions.view_revision",
    "decisions.view_writtenprocedure",
    "knowledge.add_action",
    "knowledge.add_actionupdate",
    "knowledge.add_conclusion",
    "knowledge.add_lessonattachment",
    "knowledge.add_lessoncomment",
    "knowledge.add_lessonlearned",
    "knowledge.add_minutes",
    "knowledge.add_newsitem",
    "knowledge.add_position",
    "knowledge.change_action",
    "knowledge.change_actionupdate",
    "knowledge.change_conclusion",
    "knowledge.change_lessonattachment",
    "knowledge.change_lessoncomment",
    "knowledge.change_lessonlearned",
    "knowledge.change_minutes",
    "knowledge.change_newsitem",
    "knowledge.change_position",
    "knowledge.view_action",
    "knowledge.view_actionupdate",
    "knowledge.view_conclusion",
    "knowledge.view_lessonattachment",
    "knowledge.view_lessoncomment",
    "knowledge.view_lessonlearned",
    "knowledge.view_minutes",
    "knowledge.view_newsitem",
    "knowledge.view_position",
    "logistics.add_datepoll",
    "logistics.add_delegate",
    "logistics.add_meetinglogistics",
    "logistics.add_pollslot",
    "logistics.change_badge",
    "logistics.change_datepoll",
    "logistics.change_delegate",
    "logistics.change_meetinglogistics",
    "logistics.change_pollslot",
    "logistics.change_registration",
    "logistics.view_badge",
    "logistics.view_datepoll",
    "logistics.view_delegate",
    "logistics.view_meetinglogistics",
    "logistics.view_pollanswer",
    "logistics.view_pollslot",
    "logistics.view_registration",
    "meetings.add_agendaitem",
    "meetings.add_attendance",
    "meetings.add_crisis",
    "meetings.add_document",
    "meetings.add_invitation",
    "meetings.add_meeting",
    "meetings.add_reminderrule",
    "meetings.add_seatallowance",
    "meetings.add_theme",
    "meetings.change_agendaitem",
    "meetings.change_attendance",
    "meetings.change_crisis",
    "meetings.change_document",
    "meetings.change_invitation",
    "meetings.change_meeting",
    "meetings.change_reminderrule",
    "meetings.change_seatallowance",
    "meetings.change_theme",
    "meetings.view_agendaitem",
    "meetings.view_attendance",
    "meetings.view_crisis",
    "meetings.view_document",
    "meetings.view_invitation",
    "meetings.view_meeting",
    "meetings.view_meetingchange",
    "meetings.view_reminderrule",
    "meetings.view_seatallowance",
    "meetings.view_theme",
    "members.add_country",
    "members.add_mandate",
    "members.add_notice",
    "members.add_organisation",
    "members.add_person",
    "members.add_presidency",
    "members.change_country",
    "members.change_mandate",
    "members.change_notice",
    "members.change_organisation",
    "members.change_person",
    "members.change_presidency",
    "members.view_country",
    "members.view_mandate",
    "members.view_notice",
    "members.view_organisation",
    "members.view_person",
    "members.view_presidency",
    "outbox.view_outgoingmessage",
    "questionnaires.add_question",
    "questionnaires.add_questionnaire",
    "questionnaires.change_question",
    "questionnaires.change_questionnaire",
    "questionnaires.view_answerversion",
    "questionnaires.view_countryanswer",
    "questionnaires.view_question",
    "questionnaires.view_questionnaire",
]


def _granted(group) -> list[str]:
    return sorted(
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list("content_type__app_label", "codename")
    )


def test_secretariat_group_holds_exactly_the_network_s_data_permissions():
    from members.services import ensure_secretariat_group, secretariat_permission_names

    group = ensure_secretariat_group()

    assert secretariat_permission_names() == SECRETARIAT_PERMISSIONS
    assert _granted(group) == SECRETARIAT_PERMISSIONS


def test_secretariat_group_has_no_account_privilege_scheduler_or_delete_permission():
    from members.services import ensure_secretariat_group

    granted = _granted(ensure_secretariat_group())

    assert [
        p for p in granted if p.split(".")[0] in ("auth", "mfa", "usersessions", "account", "django_celery_beat")
    ] == []
    assert [p for p in granted if p.endswith("_user") or ".delete_" in p] == []


def test_migrate_takes_away_what_the_secretariat_group_was_given_before():
    from django.core.management import call_command

    group = Group.objects.get(name="Secretariat")
    excess = Permission.objects.filter(
        codename__in=["change_user", "view_authenticator", "change_group", "delete_person", "delete_meeting"]
    )
    group.permissions.add(*excess)
    assert len(_granted(group)) == len(SECRETARIAT_PERMISSIONS) + 5

    call_command("migrate", verbosity=0)

    assert _granted(group) == SECRETARIAT_PERMISSIONS


# --- Old versions: reverting to one needs the right to change the object ----------------------------------------------


def _form_data(form) -> dict:
    """What a browser would POST back for ``form`` unchanged."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = [str(v.pk if hasattr(v, "pk") else v) for v in value] if isinstance(value, list) else value
        if hasattr(data[name], "pk"):
            data[name] = data[name].pk
    return data


def test_secretariat_cannot_save_an_old_version_of_a_staff_member_s_registry_entry(client, world):
    colleague = factories.person(factories.organisation(kind="secretariat"), email="colleague@example.org")
    colleague.user = factories.staff_user("colleague@example.org")
    colleague.save(update_fields=["user"])
    version = colleague.history.first()
    client.force_login(world["users"][SECRETARIAT])
    url = reverse("admin:members_person_simple_history", args=[colleague.pk, version.history_id])
    page = client.get(url)
    data = _form_data(page.context["adminform"].form) | {"email": "attacker@example.net"}
    data |= {"mandates-TOTAL_FORMS": 0, "mandates-INITIAL_FORMS": 0}

    response = client.post(url, data)

    assert page.status_code == 200
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.email == "colleague@example.org"


def test_site_administrator_may_revert_a_staff_member_s_registry_entry(client, world):
    colleague = factories.person(factories.organisation(kind="secretariat"), email="colleague@example.org")
    colleague.user = factories.staff_user("colleague@example.org")
    colleague.save(update_fields=["user"])
    version = colleague.history.first()
    client.force_login(world["users"][SITE_ADMINISTRATOR])
    url = reverse("admin:members_person_simple_history", args=[colleague.pk, version.history_id])
    data = _form_data(client.get(url).context["adminform"].form) | {"phone": "+32 2 506 47 11"}
    data |= {"mandates-TOTAL_FORMS": 0, "mandates-INITIAL_FORMS": 0}

    response = client.post(url, data)

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.phone == "+32 2 506 47 11"


def test_every_history_admin_asks_for_the_change_permission_to_revert():
    from simple_history.admin import SimpleHistoryAdmin

    from members.admin_roles import HistoryFormNeedsChange

    unguarded = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, HistoryFormNeedsChange)
    ]
    assert unguarded == []


def test_nobody_reads_a_totp_secret_in_the_admin_not_even_a_site_administrator(client, world):
    from allauth.mfa.models import Authenticator

    authenticator = world["objects"][Authenticator]
    stored_secret = authenticator.data["secret"]
    client.force_login(world["users"][SITE_ADMINISTRATOR])

    page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    listing = client.get(reverse("admin:mfa_authenticator_changelist"))

    assert (page.status_code, listing.status_code) == (200, 200)
    assert stored_secret not in page.content.decode()
    assert stored_secret not in listing.content.decode()
    assert "secretariat@example.org" in listing.content.decode()

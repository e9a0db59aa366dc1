"""The registry owns the login identity: a person's login address is their registry address, changed only by the
secretariat; members cannot add or change addresses; opening an account never takes another person's; a password
reset writes only to the registry's active people."""

import importlib
import re

import pytest
import tablib
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from members import services
from members.models import Person, User
from members.resources import PersonResource
from outbox.models import OutgoingMessage
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def directors():
    """Two directors of two countries; Anna has a portal account and is signed in through ``client``."""
    anna = factories.director(factories.country("AT"), first_name="Anna", last_name="Huber", email="anna@crisis.at")
    bart = factories.director(factories.country("BE"), first_name="Bart", last_name="Peeters", email="bart@crisis.be")
    user = services.open_account(anna)
    user.set_password(PASSWORD)
    user.save()
    return {"anna": anna, "bart": bart}


def _login_addresses(user: User) -> list[tuple[str, bool]]:
    return list(EmailAddress.objects.filter(user=user).order_by("email").values_list("email", "primary"))


def _person_form(person: Person, **changes) -> dict:
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title_en": person.title_en or "",
        "organisation": person.organisation_id,
        "is_active": "on" if person.is_active else "",
        "email": person.email,
        "phone": person.phone,
        "preferred_language": person.preferred_language,
        "time_zone": person.time_zone,
        "wants_reminders": "on" if person.wants_reminders else "",
        "mandates-TOTAL_FORMS": "0",
        "mandates-INITIAL_FORMS": "0",
        "mandates-MIN_NUM_FORMS": "0",
        "mandates-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _change_url(person: Person) -> str:
    return reverse("admin:members_person_change", args=[person.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Members cannot manage their login addresses -----------------------------------------------------------------


def test_a_member_cannot_add_another_directors_address_nor_make_it_primary(client, directors):
    anna_user = directors["anna"].user
    client.force_login(anna_user)

    page = client.get("/accounts/email/")
    added = client.post("/accounts/email/", {"action_add": "", "email": "bart@crisis.be"})
    primary = client.post("/accounts/email/", {"action_primary": "", "email": "bart@crisis.be"})
    removed = client.post("/accounts/email/", {"action_remove": "", "email": "anna@crisis.at"})

    assert [page.status_code, added.status_code, primary.status_code, removed.status_code] == [404, 404, 404, 404]
    anna_user.refresh_from_db()
    assert anna_user.email == "anna@crisis.at"
    assert _login_addresses(anna_user) == [("anna@crisis.at", True)]


def test_opening_the_real_owners_account_after_the_attempt_works(directors, staff_client):
    member = Client()
    member.force_login(directors["anna"].user)
    member.post("/accounts/email/", {"action_add": "", "email": "bart@crisis.be"})
    member.post("/accounts/email/", {"action_primary": "", "email": "bart@crisis.be"})

    response = staff_client.post(
        reverse("admin:members_person_changelist"),
        {"action": "send_access", "_selected_action": [directors["bart"].pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert _messages(response) == ["1 access link queued."]
    bart = Person.objects.get(pk=directors["bart"].pk)
    assert bart.user.email == "bart@crisis.be" and bart.user != directors["anna"].user
    assert OutgoingMessage.objects.filter(kind="account", to="bart@crisis.be").count() == 1


def test_no_portal_page_links_to_the_address_management(client, directors):
    client.force_login(directors["anna"].user)
    pages = [reverse("portal:profile"), reverse("account_change_password"), reverse("mfa_index")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert "/accounts/email/" not in response.content.decode()


# --- Opening an account never takes another person's ------------------------------------------------------------


def test_opening_an_account_refuses_the_account_of_another_person(directors):
    anna_user = directors["anna"].user
    User.objects.filter(pk=anna_user.pk).update(email="bart@crisis.be")  # what the portal used to allow
    users_before = User.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.open_account(directors["bart"])

    assert refused.value.messages == ["bart@crisis.be is the login address of the portal account of Anna Huber."]
    assert Person.objects.get(pk=directors["bart"].pk).user is None
    assert User.objects.count() == users_before
    assert User.objects.get(pk=anna_user.pk).email == "bart@crisis.be"


def test_the_admin_action_reports_a_conflict_per_person_and_goes_on_with_the_others(directors, staff_client):
    User.objects.filter(pk=directors["anna"].user_id).update(email="bart@crisis.be")
    carla = factories.director(factories.country("CZ"), first_name="Carla", last_name="Novak", email="carla@crisis.cz")

    response = staff_client.post(
        reverse("admin:members_person_changelist"),
        {"action": "send_access", "_selected_action": [directors["bart"].pk, carla.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert _messages(response) == [
        "No portal account for Bart Peeters: bart@crisis.be is the login address of the portal account of Anna Huber.",
        "1 access link queued.",
    ]
    assert Person.objects.get(pk=directors["bart"].pk).user is None
    assert Person.objects.get(pk=carla.pk).user.email == "carla@crisis.cz"
    assert list(OutgoingMessage.objects.filter(kind="account").values_list("to", flat=True)) == ["carla@crisis.cz"]


def test_opening_an_account_takes_over_a_free_account_with_the_persons_address(directors):
    free = User.objects.create_user(email="Bart@Crisis.be", password=None)

    user = services.open_account(directors["bart"])

    assert user == free
    assert user.email == "bart@crisis.be"
    assert _login_addresses(user) == [("bart@crisis.be", True)]


def test_opening_an_account_again_brings_the_login_back_to_the_registrys_address(directors):
    anna_user = directors["anna"].user
    User.objects.filter(pk=anna_user.pk).update(email="anna.private@example.org")
    EmailAddress.objects.create(user=anna_user, email="anna.private@example.org")

    assert services.open_account(directors["anna"]) == anna_user

    anna_user.refresh_from_db()
    assert anna_user.email == "anna@crisis.at"
    assert _login_addresses(anna_user) == [("anna@crisis.at", True)]


# --- The secretariat changes the address in the registry; the account follows -----------------------------------


def test_changing_the_address_in_the_registry_moves_the_login_and_keeps_the_history(client, directors, staff_client):
    anna = directors["anna"]

    response = staff_client.post(_change_url(anna), _person_form(anna, email="anna.huber@crisis.at"))

    assert response.status_code == 302
    anna.refresh_from_db()
    anna.user.refresh_from_db()
    assert (anna.email, anna.user.email) == ("anna.huber@crisis.at", "anna.huber@crisis.at")
    assert _login_addresses(anna.user) == [("anna.huber@crisis.at", True)]
    history = list(anna.history.order_by("-history_date", "-history_id").values_list("email", flat=True)[:2])
    assert history == ["anna.huber@crisis.at", "anna@crisis.at"]
    assert client.login(email="anna.huber@crisis.at", password=PASSWORD)
    assert not client.login(email="anna@crisis.at", password=PASSWORD)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("BART@crisis.be", "BART@crisis.be is already the address of Bart Peeters in the registry."),
        ("staff@example.org", "staff@example.org is the login address of another portal account."),
    ],
)
def test_an_address_that_is_taken_is_refused_with_a_clear_message(directors, staff_client, address, message):
    anna = directors["anna"]

    response = staff_client.post(_change_url(anna), _person_form(anna, email=address))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [message]
    anna.refresh_from_db()
    anna.user.refresh_from_db()
    assert (anna.email, anna.user.email) == ("anna@crisis.at", "anna@crisis.at")


def test_the_address_of_another_persons_account_is_refused_in_the_registry(directors, staff_client):
    anna = directors["anna"]
    services.open_account(directors["bart"])
    Person.objects.filter(pk=directors["bart"].pk).update(email="bart.new@crisis.be")  # account not followed

    response = staff_client.post(_change_url(anna), _person_form(anna, email="bart@crisis.be"))

    assert response.context["adminform"].form.errors["email"] == [
        "bart@crisis.be is the login address of the portal account of Bart Peeters."
    ]
    assert User.objects.get(pk=anna.user_id).email == "anna@crisis.at"


def test_change_email_refuses_a_taken_address_and_changes_nothing(directors):
    anna = directors["anna"]

    with pytest.raises(ValidationError) as refused:
        services.change_email(anna, "bart@crisis.be")

    assert refused.value.message_dict == {
        "email": ["bart@crisis.be is already the address of Bart Peeters in the registry."]
    }
    assert Person.objects.get(pk=anna.pk).email == "anna@crisis.at"
    assert User.objects.get(pk=anna.user_id).email == "anna@crisis.at"


def test_only_a_site_administrator_moves_the_login_of_a_staff_account(directors):
    secretary = factories.person(directors["anna"].organisation, email="secretary@benelux.int")
    services.open_account(secretary, staff=True)
    admin = User.objects.create_superuser(email="root@dg-network.example.org", password=PASSWORD)
    colleague = factories.staff_user()  # secretariat staff, not a site administrator

    with pytest.raises(ValidationError) as refused:
        services.change_email(secretary, "attacker@example.org", by=colleague)
    assert refused.value.message_dict == {
        "email": ["Only a site administrator can change the login address of a staff account."]
    }
    assert User.objects.get(pk=secretary.user_id).email == "secretary@benelux.int"

    services.change_email(secretary, "secretariat@benelux.int", by=admin)
    assert User.objects.get(pk=secretary.user_id).email == "secretariat@benelux.int"


def test_an_import_that_changes_the_case_of_an_address_moves_the_login_too(directors, staff):
    anna = directors["anna"]
    csv = f"email,first_name,last_name,organisation\nANNA@crisis.at,Anna,Huber,{anna.organisation.acronym}\n"

    result = PersonResource().import_data(tablib.Dataset().load(csv, format="csv"), dry_run=False, user=staff)

    assert not result.has_errors() and not result.has_validation_errors()
    anna.refresh_from_db()
    assert (anna.email, User.objects.get(pk=anna.user_id).email) == ("ANNA@crisis.at", "ANNA@crisis.at")


def test_an_import_cannot_give_a_new_person_the_login_of_another_persons_account(directors, staff):
    User.objects.filter(pk=directors["anna"].user_id).update(email="carla@crisis.cz")
    code = directors["anna"].organisation.acronym
    csv = f"email,first_name,last_name,organisation\ncarla@crisis.cz,Carla,Novak,{code}\n"
    result = PersonResource().import_data(tablib.Dataset().load(csv, format="csv"), dry_run=False, user=staff)

    assert result.has_validation_errors()
    assert [str(e) for row in result.invalid_rows for e in row.error.messages] == [
        "carla@crisis.cz is the login address of the portal account of Anna Huber."
    ]
    assert not Person.objects.filter(email="carla@crisis.cz").exists()


def test_the_migration_brings_existing_accounts_back_to_the_registry(directors):
    anna_user = directors["anna"].user
    User.objects.filter(pk=anna_user.pk).update(email="bart@crisis.be")
    EmailAddress.objects.create(user=anna_user, email="bart@crisis.be")
    migration = importlib.import_module("members.migrations.0003_login_address_follows_registry")

    migration.follow_registry(apps, None)

    assert User.objects.get(pk=anna_user.pk).email == "anna@crisis.at"
    assert _login_addresses(anna_user) == [("anna@crisis.at", True)]
    assert services.open_account(directors["bart"]).email == "bart@crisis.be"


# --- Password reset ----------------------------------------------------------------------------------------------


def _reset(client, email: str):
    response = client.post(reverse("account_reset_password"), {"email": email})
    page = client.get(response["Location"])
    content = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())  # differs per request
    return response.status_code, response["Location"], page.status_code, content


def test_a_password_reset_for_a_stranger_sends_nothing_and_looks_the_same(client, directors):
    for_member = _reset(client, "anna@crisis.at")
    rows = OutgoingMessage.objects.count()

    for_stranger = _reset(client, "someone@elsewhere.example")

    assert OutgoingMessage.objects.count() == rows
    assert for_stranger == for_member
    assert for_member[:3] == (302, reverse("account_reset_password_done"), 200)


@pytest.mark.parametrize("who", ["no account", "deactivated", "account without a person", "old address"])
def test_a_password_reset_for_an_address_that_is_not_an_active_members_sends_nothing(client, directors, who):
    address = {
        "no account": "bart@crisis.be",
        "deactivated": "anna@crisis.at",
        "account without a person": "root@dg-network.example.org",
        "old address": "anna.old@crisis.at",
    }[who]
    if who == "deactivated":
        services.deactivate_person(directors["anna"])
    elif who == "account without a person":
        User.objects.create_superuser(email=address, password=PASSWORD)
    elif who == "old address":
        EmailAddress.objects.create(user=directors["anna"].user, email=address)
    rows = OutgoingMessage.objects.count()

    status, location, _page, _content = _reset(client, address)

    assert (status, location) == (302, reverse("account_reset_password_done"))
    assert OutgoingMessage.objects.count() == rows


def test_a_password_reset_goes_through_the_outbox_in_the_persons_language(client, directors):
    Person.objects.filter(pk=directors["anna"].pk).update(preferred_language="de")

    client.post(reverse("account_reset_password"), {"email": "ANNA@crisis.at"})

    message = OutgoingMessage.objects.get(kind="account")
    assert (message.to, message.language, message.person_id) == ("anna@crisis.at", "de", directors["anna"].pk)
    assert message.subject == "DG-Netzwerk · Neues Passwort wählen"
    assert message.body_text.startswith(f"Guten Tag {directors['anna'].full_name},")
    assert "/accounts/password/reset/key/" in message.body_text


def test_unticking_active_on_the_person_page_deactivates_with_all_it_means(directors, staff_client):
    import datetime

    from meetings import services as meetings

    anna = directors["anna"]
    meeting = factories.meeting(starts_at=datetime.datetime.now(tz=factories.BRUSSELS) + datetime.timedelta(days=30))
    invitation = meetings.invite(meeting, anna)

    response = staff_client.post(_change_url(anna), _person_form(anna, is_active=""))

    assert response.status_code == 302
    anna.refresh_from_db()
    invitation.refresh_from_db()
    assert anna.is_active is False and User.objects.get(pk=anna.user_id).is_active is False
    assert anna.mandates.get().end_date is not None
    assert invitation.withdrawn_at is not None

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from members.enums import Role
from members.models import Country, Mandate, Organisation, Person, Presidency
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date

REGISTRY_MODELS = [Country, Organisation, Person, Mandate, Presidency]


def _url(model, view, *args):
    return reverse(f"admin:members_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def network(db):
    belgium = factories.country("BE", name_en="Belgium", name_fr="Belgique")
    director = factories.director(belgium, first_name="Bart", last_name="Raeymaekers")
    factories.mandate(factories.person(director.organisation), role=Role.DEPUTY)
    return director


@pytest.mark.parametrize("model", REGISTRY_MODELS)
def test_secretariat_can_open_list_and_add_pages(staff_client, network, model):
    assert staff_client.get(_url(model, "changelist")).status_code == 200
    assert staff_client.get(_url(model, "add")).status_code == 200


def test_person_page_has_translation_tabs_history_and_mandates_inline(staff_client, network):
    response = staff_client.get(_url(Person, "change", network.pk))
    content = response.content.decode()
    assert response.status_code == 200
    assert "id_title_fr" in content and "id_title_de" in content
    assert "vendor/jquery-ui/jquery-ui.min.js" in content  # vendored, never from a CDN
    assert "googleapis" not in content
    assert "mandates-TOTAL_FORMS" in content
    assert staff_client.get(_url(Person, "history", network.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTRY_MODELS)
def test_nothing_in_the_registry_can_be_deleted_through_the_admin(staff_client, network, model):
    obj = model.objects.first() or factories.country("FR")
    if model is Presidency:
        obj = Presidency.objects.create(
            country=factories.country("FR"), start_date=D(2022, 1, 1), end_date=D(2022, 6, 30)
        )
    assert staff_client.get(_url(model, "delete", obj.pk)).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_deactivate_action_keeps_the_person(staff_client, network):
    response = staff_client.post(
        _url(Person, "changelist"), {"action": "deactivate", "_selected_action": [network.pk]}, follow=True
    )
    assert "1 person deactivated." in response.content.decode()
    network.refresh_from_db()
    assert network.is_active is False
    assert network.mandates.get().end_date is not None


def test_people_can_be_filtered_by_country_role_and_active(staff_client, network):
    factories.director(factories.country("FR"), last_name="Dubois")
    belgium = Country.objects.get(code="BE")
    response = staff_client.get(
        _url(Person, "changelist"), {"organisation__country__id__exact": belgium.pk, "role": Role.DIRECTOR_GENERAL}
    )
    assert [p.last_name for p in response.context["cl"].result_list] == ["Raeymaekers"]
    response = staff_client.get(_url(Person, "changelist"), {"q": "dubois"})
    assert [p.last_name for p in response.context["cl"].result_list] == ["Dubois"]


def test_in_office_on_filter_answers_who_represented_a_country_on_a_day(staff_client, network):
    from members import services

    successor = factories.person(network.organisation, first_name="Nora", last_name="Successor")
    services.appoint(successor, role=Role.DIRECTOR_GENERAL, start_date=D(2023, 1, 1))

    response = staff_client.get(
        _url(Mandate, "changelist"), {"in_office_on": "2022-03-29", "role__exact": "director_general"}
    )
    assert [m.person.last_name for m in response.context["cl"].result_list] == ["Raeymaekers"]
    response = staff_client.get(
        _url(Mandate, "changelist"), {"in_office_on": "2023-03-29", "role__exact": "director_general"}
    )
    assert [m.person.last_name for m in response.context["cl"].result_list] == ["Successor"]
    response = staff_client.get(_url(Mandate, "changelist"), {"in_office_on": "not-a-date"}, follow=True)
    assert "“not-a-date” is not a date; use YYYY-MM-DD." in response.content.decode()


def test_people_list_queries_do_not_grow_with_the_number_of_people(
    staff_client, network, django_assert_max_num_queries
):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(_url(Person, "changelist")).status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # the session's first request also records the session (allauth's user sessions)
    few = count_queries()
    for _ in range(30):
        factories.director()
    assert count_queries() == few


def _export(staff_client, model, file_format_index):
    form = staff_client.get(_url(model, "export")).context["form"]
    data = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    data.update({"format": file_format_index, "resource": 0})
    response = staff_client.post(_url(model, "export"), data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response


def test_people_export_as_csv_and_xlsx(staff_client, network):
    csv_text = _export(staff_client, Person, 0).content.decode("utf-8-sig")
    header, *rows = csv_text.strip().splitlines()
    assert (
        header == "email,first_name,last_name,title,phone,preferred_language,organisation,country,current_roles,active"
    )
    assert any("Raeymaekers" in row and ",BE,Director-general," in row for row in rows)

    xlsx = _export(staff_client, Person, 1).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet["A1"].value == "email"
    assert sheet.max_row == Person.objects.count() + 1


def _import(staff_client, csv_text: str):
    upload = io.BytesIO(csv_text.encode())
    upload.name = "people.csv"
    return staff_client.post(_url(Person, "import"), {"format": 0, "import_file": upload, "resource": 0})


def test_import_with_bad_rows_names_each_row_and_why_and_writes_nothing(staff_client, network):
    before = list(Person.objects.order_by("pk").values_list("email", "first_name"))
    code = network.organisation.acronym
    response = _import(
        staff_client,
        "email,first_name,last_name,organisation,preferred_language\n"
        f"new.person@example.org,New,Person,{code},fr\n"
        f"bad-address,Bad,Email,{code},en\n"
        f"unknown@example.org,Unknown,Org,NOPE,en\n"
        f"lang@example.org,Odd,Language,{code},klingon\n"
        f"NEW.PERSON@example.org,Twice,Listed,{code},nl\n",
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in content
    assert "Unknown organisation “NOPE”: give its acronym or English name as in the registry." in content
    assert "Unknown language “klingon”: use en, fr, nl or de." in content
    assert "NEW.PERSON@example.org appears twice in the file (rows 1 and 5)." in content
    assert response.context.get("confirm_form") is None  # cannot be confirmed
    assert list(Person.objects.order_by("pk").values_list("email", "first_name")) == before


def test_valid_import_previews_then_creates_and_updates_matching_email_regardless_of_case(staff_client, network):
    code = network.organisation.acronym
    response = _import(
        staff_client,
        "email,first_name,last_name,title,organisation,preferred_language,phone\n"
        f"{network.email.upper()},Bart,Raeymaekers,Director-General,{code},nl,+32 2 555 00 01\n"
        f"kadri.tamm@example.org,Kadri,Tamm,,{code},English,\n",
    )
    assert Person.objects.filter(email="kadri.tamm@example.org").count() == 0  # preview only
    confirm = response.context["confirm_form"]
    response = staff_client.post(_url(Person, "process_import"), confirm.initial, follow=True)
    assert response.status_code == 200
    assert Person.objects.count() == 3
    network.refresh_from_db()
    assert network.phone == "+32 2 555 00 01"
    assert network.title_en == "Director-General"
    assert Person.objects.get(email="kadri.tamm@example.org").preferred_language == "en"


def _import_bytes(staff_client, data: bytes):
    upload = io.BytesIO(data)
    upload.name = "people.csv"
    return staff_client.post(_url(Person, "import"), {"format": 0, "import_file": upload, "resource": 0})


def _confirm(staff_client, response):
    assert "Traceback" not in response.content.decode()
    confirm = response.context["confirm_form"]
    assert confirm is not None, response.context["form"].errors
    return staff_client.post(_url(Person, "process_import"), confirm.initial, follow=True)


EXCEL_FILES = {
    # How Excel saves "CSV" (the list separator of the locale) and "Unicode text" (UTF-16, tabs), each with the
    # line ends of Windows.
    "CSV UTF-8, French locale": lambda text: "\ufeff".encode() + text.replace(",", ";").encode("utf-8"),
    "CSV UTF-8 without BOM, German locale": lambda text: text.replace(",", ";").encode("utf-8"),
    "CSV, Windows code page, English locale": lambda text: text.encode("cp1252"),
    "CSV, Windows code page, Dutch locale": lambda text: text.replace(",", ";").encode("cp1252"),
    "Unicode text (UTF-16, tabs)": lambda text: text.replace(",", "\t").encode("utf-16"),
    "UTF-16 LE without BOM, semicolons": lambda text: text.replace(",", ";").encode("utf-16-le"),
}


@pytest.mark.parametrize("saved_as", EXCEL_FILES)
def test_import_reads_the_separator_and_encoding_excel_writes(staff_client, network, saved_as):
    factories.organisation(factories.country("FR"), name_en="General Secretariat for Defence", acronym_en="SGDSN")
    factories.organisation(factories.country("SE"), name_en="Swedish Civil Contingencies Agency", acronym_en="MSB")
    text = (
        "email,first_name,last_name,organisation,preferred_language\r\n"
        "helene.dupre@example.org,Hélène,Dupré,SGDSN,fr\r\n"
        "bjorn.osterberg@example.org,Björn,Österberg,MSB,en\r\n"
    )
    response = _import_bytes(staff_client, EXCEL_FILES[saved_as](text))
    assert Person.objects.filter(email="helene.dupre@example.org").count() == 0  # preview only
    response = _confirm(staff_client, response)
    assert response.status_code == 200
    assert Person.objects.get(email="helene.dupre@example.org").full_name == "Hélène Dupré"
    bjorn = Person.objects.get(email="bjorn.osterberg@example.org")
    assert (bjorn.full_name, bjorn.organisation.acronym_en, bjorn.preferred_language) == (
        "Björn Österberg",
        "MSB",
        "en",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Bytes no Western encoding reads (0x81 is undefined in cp1252).
        (b"email,first_name\r\nx@example.org,\x81\x8d\x90\r\n", "save the file as “CSV UTF-8”"),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"email,first_name,last_name,organisation\nx@example.org,A,B,NCCN,extra\n", "CSV UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_with_what_to_do_and_no_traceback(staff_client, network, data, message):
    before = Person.objects.count()
    response = _import_bytes(staff_client, data)
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert "Traceback" not in content and "Error encountered" not in content
    assert response.context.get("confirm_form") is None
    assert Person.objects.count() == before


def test_a_file_without_the_needed_columns_says_which_without_a_traceback(staff_client, network):
    response = _import_bytes(staff_client, b"email;first_name;last_name\nx@example.org;A;B\n")
    content = response.content.decode()
    assert "The file lacks the column(s): organisation." in content
    assert "Traceback" not in content and "File &quot;" not in content and 'File "' not in content
    assert response.context.get("confirm_form") is None


# --- Portal accounts: opened, closed and reset through the people's actions, staff accounts left alone -------------


def _director_with_account(network):
    from members.services import open_account

    user = open_account(network)
    user.set_password("correct horse battery staple")
    user.save()
    return user


def _act(client, action, *people, **extra):
    return client.post(
        _url(Person, "changelist"),
        {"action": action, "_selected_action": [p.pk for p in people], **extra},
        follow=True,
    )


def test_close_account_action_ends_sign_in_and_sessions_and_keeps_the_person(staff_client, network):
    from allauth.usersessions.models import UserSession
    from django.test import Client

    client = Client()  # the director's browser
    user = _director_with_account(network)
    signed_in = client.post(reverse("account_login"), {"login": user.email, "password": "correct horse battery staple"})
    assert signed_in.status_code == 302
    assert client.get(reverse("portal:dashboard")).status_code == 200
    sessions_before = UserSession.objects.filter(user=user).count()

    response = _act(staff_client, "close_account", network)

    assert "1 portal account closed." in response.content.decode()
    user.refresh_from_db()
    network.refresh_from_db()
    assert (user.is_active, user.has_usable_password()) == (False, False)
    assert UserSession.objects.filter(user=user).count() == 0
    assert sessions_before == 1
    assert client.get(reverse("portal:dashboard")).status_code == 302  # signed out
    assert not client.login(email=user.email, password="correct horse battery staple")
    assert (network.is_active, network.user_id, network.mandates.current().count()) == (True, user.pk, 1)


def test_closing_twice_or_without_an_account_closes_nothing(staff_client, network):
    from members.services import close_account

    deputy = Person.objects.exclude(pk=network.pk).get()
    _director_with_account(network)
    assert close_account(network) is True

    response = _act(staff_client, "close_account", network, deputy)

    assert "0 portal accounts closed." in response.content.decode()
    assert close_account(deputy) is False


def test_a_closed_account_is_opened_again_by_sending_an_access_link(staff_client, network):
    from members.services import close_account
    from outbox.models import OutgoingMessage

    user = _director_with_account(network)
    close_account(network)

    response = _act(staff_client, "send_access", network)

    assert "1 access link queued." in response.content.decode()
    user.refresh_from_db()
    assert (user.is_active, user.has_usable_password()) == (True, False)  # until the person sets a password
    assert OutgoingMessage.objects.filter(person=network, kind="account").count() == 1


def _colleague():
    """A secretariat colleague in the registry, with their staff account."""
    colleague = factories.person(
        factories.organisation(kind="secretariat"), last_name="Peeters", email="colleague@example.org"
    )
    colleague.user = factories.staff_user("colleague@example.org")
    colleague.save(update_fields=["user"])
    return colleague


def test_secretariat_cannot_send_links_close_deactivate_or_erase_a_staff_account(staff_client, network):
    from outbox.models import OutgoingMessage

    colleague = _colleague()
    user = colleague.user
    password = user.password

    for action in ("send_access", "close_account", "deactivate", "erase_data"):
        response = _act(staff_client, action, colleague, confirm="yes")
        assert (
            "1 person left unchanged: accounts of secretariat staff are managed by a site administrator."
            in response.content.decode()
        ), action

    user.refresh_from_db()
    colleague.refresh_from_db()
    assert (user.is_active, user.password, user.email) == (True, password, "colleague@example.org")
    assert (colleague.is_active, colleague.email, colleague.last_name) == (True, "colleague@example.org", "Peeters")
    assert not OutgoingMessage.objects.filter(person=colleague).exists()


def test_secretariat_sees_but_cannot_change_the_registry_entry_of_a_staff_member(staff_client, network):
    colleague = _colleague()

    page = staff_client.get(_url(Person, "change", colleague.pk))
    response = staff_client.post(
        _url(Person, "change", colleague.pk),
        {"first_name": "Alex", "last_name_en": "Member", "email": "attacker@example.net"},
    )

    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()  # shown, not offered for editing
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.email == "colleague@example.org"


def test_secretariat_cannot_link_a_person_to_someone_else_s_account(staff_client, network):
    site_administrator = factories.User.objects.create_superuser(email="admin@example.org", password=None)
    page = staff_client.get(_url(Person, "change", network.pk))
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        {
            "organisation": network.organisation_id,
            "preferred_language": network.preferred_language or "",
            "user": site_administrator.pk,
            "mandates-TOTAL_FORMS": 0,
            "mandates-INITIAL_FORMS": 0,
        }
    )

    response = staff_client.post(_url(Person, "change", network.pk), data)

    assert "user" not in form.fields
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.user_id is None


def test_site_administrator_may_close_a_staff_account(client, network):
    colleague = _colleague()
    site_administrator = factories.User.objects.create_superuser(email="admin@example.org", password=None)
    factories.enable_two_factor(site_administrator)
    client.force_login(site_administrator)

    response = _act(client, "close_account", colleague)

    assert "1 portal account closed." in response.content.decode()
    colleague.user.refresh_from_db()
    assert colleague.user.is_active is False


def test_a_person_s_portal_account_is_shown_to_the_secretariat_without_a_link_to_the_account_page(
    staff_client, network
):
    network.user = factories.User.objects.create_user(email=network.email, password=None)
    network.save(update_fields=["user"])
    account_page = reverse("admin:members_user_change", args=[network.user_id])

    page = staff_client.get(_url(Person, "change", network.pk))

    assert page.status_code == 200
    assert f"{network.email} (active)" in page.content.decode()
    assert account_page not in page.content.decode()
    assert staff_client.get(account_page).status_code == 403

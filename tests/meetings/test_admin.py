"""The secretariat prepares a meeting end to end in the admin: agenda, documents, invitations, answers,
attendance and the lists."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.enums import Answer, Capacity, MeetingStatus, Presence, Visibility
from meetings.models import Attendance, Document, Invitation, Meeting
from members.enums import OrganisationKind, Role
from members.models import Presidency
from tests import factories
from tests.helpers import form_data

pytestmark = pytest.mark.django_db
D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BEFORE = time_machine.travel(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=factories.BRUSSELS), tick=False)


def url(name, *args):
    return reverse(f"admin:meetings_{name}", args=args)


@pytest.fixture
def network():
    directors = {code: factories.director(factories.country(code)) for code in ("BE", "FR", "DE", "NL")}
    council = factories.organisation(None, kind=OrganisationKind.EU_BODY, name_en="Council", acronym_en="GSC")
    observer = factories.person(council)
    factories.mandate(observer, role=Role.OBSERVER)
    rep = factories.person(factories.organisation(factories.country("LT")))
    Presidency.objects.create(
        country=rep.organisation.country, start_date=D(2027, 1, 1), end_date=D(2027, 6, 30), representative=rep
    )
    return {**directors, "observer": observer, "presidency": rep}


def _add_meeting(client, **fields):
    page = client.get(url("meeting_add"))
    assert page.status_code == 200
    data = form_data(page.content, "meeting_form")
    data.update(fields)
    return client.post(url("meeting_add"), data)


def test_meeting_is_created_with_times_read_in_its_own_time_zone(staff_client):
    response = _add_meeting(
        staff_client,
        title_en="Helsinki meeting",
        format="in_person",
        starts_at_0="2027-05-12",
        starts_at_1="10:00",
        ends_at_0="2027-05-12",
        ends_at_1="15:00",
        time_zone="Europe/Helsinki",
        venue_name="Hall",
        venue_city="Helsinki",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(title_en="Helsinki meeting")
    assert meeting.starts_at == datetime.datetime(2027, 5, 12, 7, 0, tzinfo=datetime.UTC)
    page = staff_client.get(url("meeting_change", meeting.pk)).content.decode()
    assert 'value="10:00:00"' in page  # shown back in Helsinki time


def test_bad_meeting_is_refused_with_a_message_and_not_saved(staff_client):
    response = _add_meeting(
        staff_client,
        title_en="Broken",
        format="virtual",
        starts_at_0="2027-05-12",
        starts_at_1="10:00",
        ends_at_0="2027-05-12",
        ends_at_1="09:00",
        video_link="",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "A meeting must end after it starts." in content
    assert "needs a video-conference link" in content
    assert not Meeting.objects.filter(title_en="Broken").exists()


def test_document_upload_checks_type_and_size(staff_client, settings):
    settings.DOCUMENT_MAX_MB = 1
    meeting = factories.meeting()
    page = staff_client.get(url("meeting_change", meeting.pk))
    data = form_data(page.content, "meeting_form")
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-0-title_en": "Programme",
            "documents-0-visibility": Visibility.INVITEES,
            "documents-0-meeting": str(meeting.pk),
        }
    )
    bad = dict(data, **{"documents-0-file": SimpleUploadedFile("run.exe", b"MZ\x90\x00", "application/x-msdownload")})
    response = staff_client.post(url("meeting_change", meeting.pk), bad)
    assert response.status_code == 200 and "are not accepted" in response.content.decode()
    fake = dict(data, **{"documents-0-file": SimpleUploadedFile("fake.pdf", b"not a pdf", "application/pdf")})
    response = staff_client.post(url("meeting_change", meeting.pk), fake)
    assert "is not the pdf its name says" in response.content.decode()
    big = dict(data, **{"documents-0-file": SimpleUploadedFile("big.pdf", PDF + b"0" * 1_100_000, "application/pdf")})
    response = staff_client.post(url("meeting_change", meeting.pk), big)
    assert "the largest accepted is 1.0" in response.content.decode()
    assert Document.objects.count() == 0
    good = dict(data, **{"documents-0-file": SimpleUploadedFile("Programme 2027.pdf", PDF, "application/pdf")})
    response = staff_client.post(url("meeting_change", meeting.pk), good)
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "Programme 2027.pdf" and document.content_type == "application/pdf"
    assert "Programme" not in document.file.name and document.file.name.endswith(".pdf")
    download = staff_client.get(reverse("meetings:document", args=[document.uid]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert 'filename="Programme 2027.pdf"' in download["Content-Disposition"]


def test_office_documents_are_recognised_by_content(staff_client):
    from meetings.documents import check_upload

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    docx = SimpleUploadedFile("notes.docx", buffer.getvalue())
    assert check_upload(docx).endswith("wordprocessingml.document")


@BEFORE
def test_secretariat_prepares_the_meeting_end_to_end(staff_client, staff, network):
    staff_client.force_login(staff)  # the session starts in the travelled-to time
    meeting = factories.meeting(title_en="Spring meeting 2027")
    # Agenda through the inline.
    data = form_data(staff_client.get(url("meeting_change", meeting.pk)).content, "meeting_form")
    data.update(
        {
            "agenda_items-TOTAL_FORMS": "2",
            "agenda_items-0-position": "10",
            "agenda_items-0-title_en": "Welcome",
            "agenda_items-0-kind": "information",
            "agenda_items-0-duration_minutes": "15",
            "agenda_items-0-meeting": str(meeting.pk),
            "agenda_items-1-position": "20",
            "agenda_items-1-title_en": "Lessons learned",
            "agenda_items-1-kind": "discussion",
            "agenda_items-1-duration_minutes": "60",
            "agenda_items-1-meeting": str(meeting.pk),
        }
    )
    response = staff_client.post(url("meeting_change", meeting.pk), data)
    assert response.status_code == 302
    page = staff_client.get(url("meeting_change", meeting.pk)).content.decode()
    assert "1 · 09:30" in page and "2 · 09:45" in page

    # Invite the network: a preview first (a GET changes nothing), then the confirmation.
    preview = staff_client.get(url("meeting_invite_network", meeting.pk))
    assert preview.status_code == 200 and "6 invitations will be added" in preview.content.decode()
    assert Invitation.objects.count() == 0
    staff_client.post(url("meeting_invite_network", meeting.pk))
    assert meeting.invitations.count() == 6

    # Send them.
    assert staff_client.get(url("meeting_send", meeting.pk)).status_code == 200
    staff_client.post(url("meeting_send", meeting.pk))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.INVITED
    assert not meeting.invitations.filter(sent_at__isnull=True).exists()

    # An answer recorded on behalf of France's director after a phone call.
    fr = meeting.invitations.get(person=network["FR"])
    data = form_data(staff_client.get(url("invitation_change", fr.pk)).content, "invitation_form")
    data.update(answer=Answer.ACCEPTED, remarks="Vegetarian")
    response = staff_client.post(url("invitation_change", fr.pk), data)
    assert response.status_code == 302
    fr.refresh_from_db()
    assert (fr.answer, fr.mode, fr.answered_on_behalf, fr.answered_by) == (Answer.ACCEPTED, "in_person", True, staff)

    # A substitute from another organisation is refused with a message; nothing changes.
    be = meeting.invitations.get(person=network["BE"])
    data = form_data(staff_client.get(url("invitation_change", be.pk)).content, "invitation_form")
    data.update(answer=Answer.DELEGATED, substitute=str(network["DE"].pk))
    response = staff_client.post(url("invitation_change", be.pk), data)
    assert response.status_code == 200 and "same organisation" in response.content.decode()
    be.refresh_from_db()
    assert be.answer == Answer.PENDING

    summary = staff_client.get(url("meeting_changelist")).content.decode()
    assert "invited 6 · accepted 1 · declined 0 · delegated 0 · pending 5" in summary

    # The participant list for the venue.
    csv_text = staff_client.get(url("meeting_participants_csv", meeting.pk)).content.decode()
    assert csv_text.splitlines()[0] == "Country,Organisation,Name,Capacity,Answer,Attends,Remarks"
    assert f"{network['FR'].full_name},Member,Accepted (In person),In person,Vegetarian" in csv_text
    pdf = staff_client.get(url("meeting_participants_pdf", meeting.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # After the meeting: held, attendance, register.
    with time_machine.travel(datetime.datetime(2027, 4, 29, 9, 0, tzinfo=factories.BRUSSELS), tick=False):
        staff_client.force_login(staff)
        staff_client.post(url("meeting_held", meeting.pk))
    staff_client.force_login(staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert Attendance.objects.get(meeting=meeting, person=network["FR"]).presence == Presence.IN_PERSON
    walk_in = factories.person(network["NL"].organisation)
    data = form_data(staff_client.get(url("meeting_change", meeting.pk)).content, "meeting_form")
    n = int(data["attendances-TOTAL_FORMS"])
    data.update(
        {
            "attendances-TOTAL_FORMS": str(n + 1),
            f"attendances-{n}-person": str(walk_in.pk),
            f"attendances-{n}-presence": Presence.IN_PERSON,
            f"attendances-{n}-meeting": str(meeting.pk),
        }
    )
    response = staff_client.post(url("meeting_change", meeting.pk), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Attendance.objects.get(person=walk_in).invitation is None
    register = staff_client.get(url("meeting_attendance_pdf", meeting.pk))
    assert register.status_code == 200 and register.content.startswith(b"%PDF")


@BEFORE
def test_invite_someone_form_refuses_a_second_seat(staff_client, staff, network):
    staff_client.force_login(staff)
    meeting = factories.meeting()
    factories.invitation(meeting, network["FR"])
    deputy = factories.person(network["FR"].organisation)
    page = staff_client.get(url("invitation_add") + f"?meeting={meeting.pk}")
    data = form_data(page.content, "invitation_form")
    data.update(person=str(deputy.pk))
    response = staff_client.post(url("invitation_add"), data)
    assert response.status_code == 200 and "already has its seat" in response.content.decode()
    assert meeting.invitations.count() == 1
    data.update(person=str(network["BE"].pk))
    response = staff_client.post(url("invitation_add"), data)
    assert response.status_code == 302
    assert meeting.invitations.get(person=network["BE"]).capacity == Capacity.MEMBER


@BEFORE
def test_cancel_needs_a_reason_and_copy_makes_a_draft(staff_client, staff, network):
    staff_client.force_login(staff)
    meeting = factories.meeting()
    response = staff_client.post(url("meeting_cancel", meeting.pk), {"reason": "  "})
    assert response.status_code == 200 and "Give the reason" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    staff_client.post(url("meeting_cancel", meeting.pk), {"reason": "Venue unavailable"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancellation_reason) == (MeetingStatus.CANCELLED, "Venue unavailable")
    response = staff_client.post(url("meeting_copy", meeting.pk))
    copy = Meeting.objects.exclude(pk=meeting.pk).get()
    assert response.url == url("meeting_change", copy.pk) and copy.status == MeetingStatus.DRAFT


def test_nothing_is_deleted_from_the_meetings_admin(staff_client):
    meeting = factories.meeting()
    assert staff_client.get(url("meeting_delete", meeting.pk)).status_code == 403


@BEFORE
def test_document_downloads_check_access(client, network):
    meeting = factories.meeting()
    invitees = Document.objects.create(
        meeting=meeting,
        title_en="Programme",
        visibility=Visibility.INVITEES,
        file=SimpleUploadedFile("p.pdf", PDF),
        original_name="p.pdf",
        content_type="application/pdf",
    )
    members = Document.objects.create(
        meeting=meeting,
        title_en="Note",
        visibility=Visibility.MEMBERS,
        file=SimpleUploadedFile("n.pdf", PDF),
        original_name="n.pdf",
        content_type="application/pdf",
    )
    from meetings import services
    from members.services import open_account

    services.invite_network(meeting)
    services.send_invitations(meeting)
    director, observer = open_account(network["FR"]), open_account(network["observer"])
    outsider = open_account(factories.person(factories.organisation(factories.country("PL"))))

    def status(user, document):
        client.logout()
        if user:
            client.force_login(user)
        return client.get(reverse("meetings:document", args=[document.uid])).status_code

    assert status(None, invitees) == 302  # to the login page
    assert status(director, invitees) == 200 and status(director, members) == 200
    assert status(observer, invitees) == 200 and status(observer, members) == 404
    assert status(outsider, invitees) == 404
    director.is_active = False
    director.save()
    assert status(director, invitees) == 302


def test_stored_files_on_admin_forms_link_to_the_checked_download_views_never_to_the_storage(staff_client):
    meeting = factories.meeting()
    document = factories.document(meeting)
    lesson = factories.lesson(factories.director(factories.country("BE")))
    attachment = factories.lesson_attachment(lesson)
    pages = {
        reverse("admin:meetings_meeting_change", args=[meeting.pk]): (document, "meetings:document"),
        reverse("admin:knowledge_lessonlearned_change", args=[lesson.pk]): (attachment, "portal:lesson_attachment"),
    }

    for page_url, (row, view) in pages.items():
        html = staff_client.get(page_url).content.decode()
        checked = reverse(view, args=[row.uid])
        assert f'href="{checked}"' in html
        assert f'href="/{row.file.name}"' not in html
        assert staff_client.get(checked).status_code == 200

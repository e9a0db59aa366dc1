"""Small factory functions for tests: each makes a valid row with sensible defaults, overridable by keyword."""

from __future__ import annotations

import datetime
import itertools

from members.enums import OrganisationKind, Role
from members.iso3166 import ALPHA_2
from members.models import Country, Mandate, Organisation, Person, User

# European codes first, so test data reads naturally.
PREFERRED_CODES = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]

_seq = itertools.count(1)


def country(code: str | None = None, **kwargs) -> Country:
    if code is None:
        taken = set(Country.objects.values_list("code", flat=True))
        code = next(c for c in PREFERRED_CODES + sorted(ALPHA_2) if c not in taken)
    existing = Country.objects.filter(code=code).first()
    if existing:
        return existing
    kwargs.setdefault("name_en", f"Country {code}")
    return Country.objects.create(code=code, **kwargs)


def organisation(country_obj: Country | None = None, **kwargs) -> Organisation:
    n = next(_seq)
    kwargs.setdefault("kind", OrganisationKind.CRISIS_CENTRE)
    if kwargs["kind"] == OrganisationKind.CRISIS_CENTRE and country_obj is None:
        country_obj = country()
    kwargs.setdefault("name_en", f"Crisis Centre {n}")
    kwargs.setdefault("acronym_en", f"CC{n}")
    return Organisation.objects.create(country=country_obj, **kwargs)


def person(organisation_obj: Organisation | None = None, **kwargs) -> Person:
    n = next(_seq)
    kwargs.setdefault("first_name", "Alex")
    kwargs.setdefault("last_name", f"Member{n}")
    kwargs.setdefault("email", f"person{n}@example.org")
    return Person.objects.create(organisation=organisation_obj or organisation(), **kwargs)


def mandate(person_obj: Person, role: str = Role.DIRECTOR_GENERAL, **kwargs) -> Mandate:
    kwargs.setdefault("organisation", person_obj.organisation)
    kwargs.setdefault("start_date", datetime.date(2020, 1, 1))
    return Mandate.objects.create(person=person_obj, role=role, **kwargs)


def director(country_obj: Country | None = None, **kwargs) -> Person:
    """A person holding an open director-general mandate for a new crisis centre."""
    p = person(organisation(country_obj), **kwargs)
    mandate(p)
    return p


def staff_user(email: str = "staff@example.org", password: str = "correct horse battery staple") -> User:
    from members.services import ensure_secretariat_group

    user = User.objects.create_user(email=email, password=password, is_staff=True)
    user.groups.add(ensure_secretariat_group())
    enable_two_factor(user)
    return user


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enable_two_factor(user: User, secret: str = TOTP_SECRET) -> None:
    """Secretariat accounts must have TOTP; tests compute codes from this secret (totp_code)."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)


def totp_code(secret: str = TOTP_SECRET) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- Meetings --------------------------------------------------------------------------------------------------

BRUSSELS = __import__("zoneinfo").ZoneInfo("Europe/Brussels")


def meeting(**kwargs):
    from meetings.enums import MeetingFormat
    from meetings.models import Meeting

    start = kwargs.pop("starts_at", None) or datetime.datetime(2027, 4, 28, 9, 30, tzinfo=BRUSSELS)
    kwargs.setdefault("title_en", "Spring meeting")
    kwargs.setdefault("format", MeetingFormat.IN_PERSON)
    kwargs.setdefault("ends_at", start + datetime.timedelta(hours=7))
    if kwargs["format"] != MeetingFormat.VIRTUAL:
        kwargs.setdefault("venue_name", "National Crisis Centre")
        kwargs.setdefault("venue_city", "Brussels")
    if kwargs["format"] != MeetingFormat.IN_PERSON:
        kwargs.setdefault("video_link", "https://meet.example.org/dg")
    m = Meeting(starts_at=start, **kwargs)
    m.full_clean()
    m.save()
    return m


def invitation(meeting_obj, person_obj, **kwargs):
    from meetings.enums import Capacity
    from meetings.models import Invitation

    kwargs.setdefault("capacity", Capacity.MEMBER)
    if kwargs["capacity"] == Capacity.MEMBER:
        kwargs.setdefault("country", person_obj.organisation.country)
    return Invitation.objects.create(meeting=meeting_obj, person=person_obj, **kwargs)


# --- Knowledge, documents and the rest of a meeting's record (used by the crawl of every page) -------------------

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"
)


def crisis(**kwargs):
    from meetings.models import Crisis

    kwargs.setdefault("name_en", f"Crisis {next(_seq)}")
    kwargs.setdefault("start_date", datetime.date(2022, 2, 24))
    return Crisis.objects.create(**kwargs)


def theme(**kwargs):
    from meetings.models import Theme

    kwargs.setdefault("label_en", f"Theme {next(_seq)}")
    return Theme.objects.create(**kwargs)


def agenda_item(meeting_obj, **kwargs):
    from meetings.models import AgendaItem

    kwargs.setdefault("title_en", f"Agenda item {next(_seq)}")
    kwargs.setdefault("position", meeting_obj.agenda_items.count() + 1)
    kwargs.setdefault("duration_minutes", 30)
    return AgendaItem.objects.create(meeting=meeting_obj, **kwargs)


def document(meeting_obj, **kwargs):
    """A meeting document holding a tiny valid PDF."""
    from django.core.files.base import ContentFile

    from meetings.models import Document

    n = next(_seq)
    kwargs.setdefault("title_en", f"Document {n}")
    doc = Document(meeting=meeting_obj, original_name=f"document-{n}.pdf", content_type="application/pdf", **kwargs)
    doc.size = len(PDF_BYTES)
    doc.file.save(f"document-{n}.pdf", ContentFile(PDF_BYTES), save=False)
    doc.save()
    return doc


def conclusion(meeting_obj, **kwargs):
    from knowledge.models import Conclusion

    kwargs.setdefault("number", meeting_obj.conclusions.count() + 1)
    kwargs.setdefault("text_en", f"The network agrees on point {kwargs['number']}.")
    return Conclusion.objects.create(meeting=meeting_obj, **kwargs)


def action(conclusion_obj, *, note: str = "", **kwargs):
    """An action on a conclusion (owned by the secretariat unless an owner is given), with one progress note when
    ``note`` is given."""
    from knowledge.models import Action, ActionUpdate

    kwargs.setdefault("title_en", f"Action {next(_seq)}")
    kwargs.setdefault("due_date", datetime.date(2027, 6, 30))
    if not kwargs.get("owner_country") and not kwargs.get("owner_organisation"):
        kwargs.setdefault("owner_secretariat", True)
    made = Action.objects.create(conclusion=conclusion_obj, **kwargs)
    if note:
        ActionUpdate.objects.create(action=made, status=made.status, note=note)
    return made


def lesson(person_obj: Person, **kwargs):
    """A lesson learned written by ``person_obj`` for their country, indexed for search (shared unless told)."""
    from knowledge import services as knowledge
    from knowledge.models import LessonLearned

    themes = kwargs.pop("themes", None)
    language = kwargs.setdefault("original_language", "en")
    kwargs.setdefault(f"title_{language}", f"Lesson {next(_seq)}")
    kwargs.setdefault(f"text_{language}", "Rehearse the hand-over between the crisis centre and the ministries.")
    kwargs.setdefault("status", "shared")
    made = LessonLearned(
        country=person_obj.organisation.country, organisation=person_obj.organisation, author=person_obj, **kwargs
    )
    return knowledge.save_lesson(made, themes=themes)


def lesson_attachment(lesson_obj, name: str = "notes.pdf"):
    from django.core.files.base import ContentFile

    from knowledge.models import LessonAttachment

    attachment = LessonAttachment(lesson=lesson_obj, original_name=name, content_type="application/pdf")
    attachment.size = len(PDF_BYTES)
    attachment.file.save(name, ContentFile(PDF_BYTES), save=False)
    attachment.save()
    return attachment


def minutes(meeting_obj, **kwargs):
    from knowledge.models import Minutes

    kwargs.setdefault("text_en", "<p>The chair opened the meeting.</p>")
    kwargs.setdefault("status", "approved")
    return Minutes.objects.create(meeting=meeting_obj, **kwargs)


def published_news(meeting_obj):
    """The meeting's public summary, drafted from its records and published."""
    from knowledge import services as knowledge

    return knowledge.publish_news(knowledge.draft_news(meeting_obj))


def notice(**kwargs):
    from members.models import Notice

    kwargs.setdefault("title_en", f"Notice {next(_seq)}")
    kwargs.setdefault("text_en", "The secretariat moves to new offices.")
    return Notice.objects.create(**kwargs)


def sent_invitation(meeting_obj, person_obj, **kwargs):
    """An invitation that went out (members see the meetings of such invitations)."""
    from django.utils import timezone

    kwargs.setdefault("sent_at", timezone.now())
    return invitation(meeting_obj, person_obj, **kwargs)


def held_meeting(invitees, *, observers=(), remarks=None, **kwargs):
    """A virtual meeting that took place: its invitations went out to ``invitees`` (as members) and ``observers``
    (as observers), everyone accepted to join online, and the attendance is recorded from the answers.
    ``remarks`` maps a person to the remarks of their invitation (dietary needs and the like)."""
    from meetings.enums import Capacity, MeetingFormat, MeetingStatus
    from meetings.services import prepare_attendance

    kwargs.setdefault("format", MeetingFormat.VIRTUAL)
    kwargs.setdefault("status", MeetingStatus.HELD)
    made = meeting(**kwargs)
    remarks = remarks or {}
    for person_obj, capacity in [
        *((p, Capacity.MEMBER) for p in invitees),
        *((p, Capacity.OBSERVER) for p in observers),
    ]:
        sent_invitation(
            made,
            person_obj,
            capacity=capacity,
            answer="accepted",
            mode="online",
            remarks=remarks.get(person_obj, ""),
            sent_at=made.starts_at - datetime.timedelta(days=21),
        )
    prepare_attendance(made)
    return made


# --- Alerts ----------------------------------------------------------------------------------------------------------


def alert_centre(code: str, *, language: str = "en") -> Organisation:
    """A member country's crisis centre with a 24/7 mailbox and telephone, a contact point, a deputy and a
    director-general (emails ``cp@<code>.example``, ``deputy@…``, ``dg@…``; mailbox ``24-7@…``)."""
    domain = f"{code.lower()}.example"
    centre = organisation(
        country(code), mailbox_24_7=f"24-7@{domain}", phone_24_7="+32 2 500 00 00", acronym_en=f"NCC-{code}"
    )
    for role, local in ((Role.CONTACT_POINT, "cp"), (Role.DEPUTY, "deputy"), (Role.DIRECTOR_GENERAL, "dg")):
        mandate(person(centre, email=f"{local}@{domain}", preferred_language=language, last_name=local.title()), role)
    return centre


def alert(user: User, **kwargs):
    """A draft alert written in English by ``user``, to be acknowledged within an hour of now, escalating after 15
    minutes."""
    from django.utils import timezone

    from alerts.models import Alert

    kwargs.setdefault("title_en", "Power outage across the region")
    kwargs.setdefault("body_en", "A large power outage affects several countries.")
    kwargs.setdefault("request_en", "Confirm that your centre is reachable.")
    kwargs.setdefault("acknowledge_by", timezone.now() + datetime.timedelta(hours=1))
    return Alert.objects.create(created_by=user, **kwargs)


# --- Questionnaires --------------------------------------------------------------------------------------------------


def questionnaire(user: User, *, questions: bool = True, **kwargs):
    """A draft questionnaire of the network with a deadline in 14 days and, unless told, four questions: reception
    capacity (number, persons), private initiatives (yes/no), channels used (several choices), remarks (long text,
    optional). Deadlines, reminders and invitations are the services'."""
    from django.utils import timezone

    from questionnaires.models import Question, Questionnaire

    kwargs.setdefault("title_en", "Receiving people who fled Ukraine")
    kwargs.setdefault("deadline", timezone.now() + datetime.timedelta(days=14))
    made = Questionnaire.objects.create(created_by=user, **kwargs)
    if questions:
        for position, (kind, text, extra) in enumerate(
            [
                ("number", "Reception capacity", {"unit_en": "persons", "unit_de": "Personen"}),
                ("yes_no", "Are private reception initiatives coordinated?", {}),
                (
                    "multiple_choice",
                    "Communication channels used",
                    {
                        "options_en": "Website\nSocial media\nHotline\nSMS",
                        "options_de": "Website\nSoziale Medien\nHotline\nSMS",
                    },
                ),
                ("long_text", "Remarks", {"required": False}),
            ],
            start=1,
        ):
            Question.objects.create(questionnaire=made, position=position, kind=kind, text_en=text, **extra)
    return made

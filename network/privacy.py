"""Personal data, as the GDPR asks: export everything held on one person (JSON), and erase a person while keeping
the meeting history anonymised (who came, how many, which country — not who they were).

It spans the apps (the registry, meetings, the knowledge base, the outbox), so it lives in the project: the admin's
buttons on a person (``network/admin.py``) and the commands ``export_person`` and ``erase_person`` call it."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from decisions.models import ProcedureAnswer, Proposal, Reservation
from knowledge.models import LessonComment, LessonLearned
from logistics.models import Registration
from logistics.registration import registration_export
from meetings.models import Attendance, Invitation
from members.models import Person
from members.services import deactivate_person
from outbox import services as outbox
from outbox.models import OutgoingMessage


def export_person(person: Person) -> dict:
    user = person.user
    return {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "title": person.title,
            "email": person.email,
            "phone": person.phone,
            "preferred_language": person.preferred_language,
            "time_zone": person.time_zone,
            "wants_reminders": person.wants_reminders,
            "active": person.is_active,
            "organisation": str(person.organisation.name),
            "country": person.organisation.country.code if person.organisation.country_id else None,
        },
        "account": None
        if user is None
        else {
            "email": user.email,
            "active": user.is_active,
            "staff": user.is_staff,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "mandates": [
            {
                "role": m.role,
                "acting": m.acting,
                "organisation": str(m.organisation.name),
                "start": m.start_date.isoformat(),
                "end": m.end_date.isoformat() if m.end_date else None,
            }
            for m in person.mandates.select_related("organisation")
        ],
        "invitations": [
            {
                "meeting": str(i.meeting.title),
                "date": i.meeting.starts_at.isoformat(),
                "capacity": i.capacity,
                "answer": i.answer,
                "mode": i.mode,
                "remarks": i.remarks,
                "answered_at": i.answered_at.isoformat() if i.answered_at else None,
            }
            for i in Invitation.objects.filter(person=person).select_related("meeting")
        ],
        "attendance": [
            {"meeting": str(a.meeting.title), "presence": a.presence}
            for a in Attendance.objects.filter(person=person).select_related("meeting")
        ],
        # The members of their delegation the register names (not registry people: a name, as on their badge).
        "delegation_attendance": [
            {"meeting": str(a.meeting.title), "name": a.name, "presence": a.presence}
            for a in Attendance.objects.filter(delegation_of=person).select_related("meeting")
        ],
        # Logistics answers, dietary and accessibility needs included while kept (deleted after the meeting).
        "registrations": [
            registration_export(r)
            for r in Registration.objects.filter(invitation__person=person).select_related("invitation__meeting")
        ],
        "lessons": [
            {"title": str(lesson.title), "status": lesson.status}
            for lesson in LessonLearned.objects.filter(author=person)
        ],
        "comments": [
            {"lesson": str(c.lesson.title), "text": c.text, "written": c.created_at.isoformat()}
            for c in LessonComment.objects.filter(author=person).select_related("lesson")
        ],
        # What they said for their country on drafts and written procedures.
        "proposals": [
            {
                "draft": str(p.revision.draft.title),
                "revision": p.revision.number,
                "paragraph": p.paragraph_number,
                "text": p.text,
                "reason": p.reason,
                "outcome": p.outcome,
                "proposed": p.created_at.isoformat(),
            }
            for p in Proposal.objects.filter(author=person).select_related("revision__draft")
        ],
        "reservations": [
            {
                "draft": str(r.revision.draft.title),
                "revision": r.revision.number,
                "kind": r.kind,
                "reason": r.reason,
                "entered": r.created_at.isoformat(),
            }
            for r in Reservation.objects.filter(author=person).select_related("revision__draft")
        ],
        "written_procedure_answers": [
            {
                "draft": str(a.procedure_country.procedure.revision.draft.title),
                "country": a.procedure_country.country.code,
                "answer": a.answer,
                "text": a.text,
                "given": a.at.isoformat(),
            }
            for a in ProcedureAnswer.objects.filter(person=person).select_related(
                "procedure_country__procedure__revision__draft", "procedure_country__country"
            )
        ],
        "emails": [
            {
                "kind": m.kind,
                "subject": m.subject,
                "status": m.status,
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in OutgoingMessage.objects.filter(person=person)
        ],
    }


@transaction.atomic
def erase_person(person: Person) -> None:
    """Remove what identifies ``person``: name, contact data, remarks, comments' authorship, emails' bodies, the
    portal account's login, and the registry's history of those fields. What they took part in stays, under an
    anonymous name, so counts and the record of meetings remain true. Their invitations to meetings that have not
    ended are withdrawn (through ``deactivate_person``), without a message: the address is going."""
    deactivate_person(person, notify=False)
    anonymous = f"erased-{person.pk}@invalid.example"
    person.first_name, person.last_name = "—", f"(erased #{person.pk})"
    person.title, person.phone, person.email = "", "", anonymous
    person.calendar_token = None
    person.save()
    Person.history.filter(id=person.pk).delete()
    invitations = Invitation.objects.filter(person=person)
    invitations.update(remarks="")
    Invitation.history.filter(person_id=person.pk).update(remarks="")
    LessonComment.objects.filter(author=person).update(author=None)
    LessonLearned.objects.filter(author=person).update(author=None)
    # Messages not sent yet are never sent: their address and bodies go now.
    outbox.forget_person(person.pk, address=anonymous)
    user = person.user
    if user is not None:
        Authenticator.objects.filter(user=user).delete()
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
        user.email = anonymous
        user.is_active = False
        user.set_unusable_password()
        user.save()

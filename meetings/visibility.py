"""What a reader may see and do in the portal: one rule, used by every page, list, search, feed, email and download.

The knowledge base (conclusions, actions, minutes, lessons) follows the same rule in ``knowledge.visibility``.

- **Secretariat staff** (an active account with ``is_staff``) see everything, drafts included.
- **A person of the registry** (active, with an active account) sees the meetings they were invited to: an
  invitation that went out and was not withdrawn, the meeting not a draft. Of those meetings they see the
  documents for their capacity (members-only documents are not for observers), the conclusions, the actions, the
  approved minutes and the lessons shared at them.
- **In office** (a current mandate, or representing today's Council Presidency: ``members.identity``) they also
  see the lessons shared between meetings and their own country's drafts, and they may answer their invitations,
  comment on lessons, write and share their country's lessons, and update the actions their country, their
  organisation or (for the secretariat's people) the secretariat owns.
- **No longer in office** (all mandates ended, still active in the registry): read access to the meetings they
  were invited to and those meetings' documents, conclusions, actions, minutes and lessons; nothing else — no
  answering, commenting, writing or updating, no directory.
- **Deactivated or erased** people have no portal at all: their account is closed with them.
- A public document is public: anyone may download it once its meeting is announced.

Nothing matches on a missing value: a reader whose organisation has no country (an EU body, the secretariat) owns
no country's actions and no country's drafts.
"""

from __future__ import annotations

from functools import cached_property

from django.db.models import Q, QuerySet

from members.identity import holds_office, person_of
from members.models import Person

from .enums import Capacity, MeetingStatus, Visibility
from .models import Document, Invitation, Meeting

_LOOK_UP = object()


class Reader:
    """Who is looking: a user account (None for the calendar feed and emails) and the registry person behind it."""

    def __init__(self, *, user=None, person: Person | None = None):
        self.user = user
        self.person = person

    @classmethod
    def of_user(cls, user, *, person=_LOOK_UP) -> Reader:
        """The reader of a request's user; pass ``person`` when it was already looked up with
        ``members.identity.person_of`` (the portal's middleware does, as ``request.person``)."""
        return cls(user=user, person=person_of(user) if person is _LOOK_UP else person)

    @classmethod
    def of_person(cls, person: Person) -> Reader:
        return cls(person=person if person.is_active else None)

    @cached_property
    def staff(self) -> bool:
        user = self.user
        return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)

    @cached_property
    def in_office(self) -> bool:
        """A person in office today (see ``members.identity``); staff rights do not come from here."""
        return self.person is not None and holds_office(self.person)

    @property
    def country_id(self) -> int | None:
        return self.person.organisation.country_id if self.person is not None else None


# --- What a reader may see --------------------------------------------------------------------------------------


def _sent_invitations() -> QuerySet[Invitation]:
    """Invitations that open a meeting to their invitee: sent, not withdrawn, the meeting not a draft."""
    return Invitation.objects.live().filter(sent_at__isnull=False).exclude(meeting__status=MeetingStatus.DRAFT)


def invitations(reader: Reader) -> QuerySet[Invitation]:
    """The reader's own invitations that open a meeting to them (none without a person)."""
    if reader.person is None:
        return Invitation.objects.none()
    return _sent_invitations().filter(person=reader.person)


def meetings(reader: Reader) -> QuerySet[Meeting]:
    """Meetings the reader may open: every meeting for staff, the meetings of ``invitations`` for a person.
    Each meeting once (a subquery, no join), unordered."""
    if reader.staff:
        return Meeting.objects.all()
    return Meeting.objects.filter(pk__in=invitations(reader).values("meeting_id"))


def readers_of(meeting: Meeting) -> QuerySet[Person]:
    """Active people who may open ``meeting``: its invitees (by the rule of ``invitations``) and the people whose
    account is active secretariat staff."""
    invitees = _sent_invitations().filter(meeting=meeting).values("person_id")
    staff = Q(user__is_staff=True, user__is_active=True)
    return Person.objects.filter(Q(pk__in=invitees) | staff, is_active=True)


def visibilities_for(capacity: str) -> list[str]:
    """The document visibilities an invitee in ``capacity`` (``Capacity``) may open."""
    shown = [Visibility.INVITEES, Visibility.PUBLIC]
    if capacity == Capacity.MEMBER:
        shown.append(Visibility.MEMBERS)
    return shown


def documents(reader: Reader) -> QuerySet[Document]:
    """Documents the reader may download: all for staff; otherwise, of meetings that are not drafts and documents
    not archived, the public ones and those ``visibilities_for`` the capacity of the reader's invitation."""
    if reader.staff:
        return Document.objects.all()
    rule = Q(visibility=Visibility.PUBLIC)
    mine = invitations(reader)
    for capacity in Capacity.values:
        meeting_ids = mine.filter(capacity=capacity).values("meeting_id")
        rule |= Q(visibility__in=visibilities_for(capacity), meeting_id__in=meeting_ids)
    return Document.objects.filter(is_archived=False).exclude(meeting__status=MeetingStatus.DRAFT).filter(rule)


def can_view_document(user, document: Document) -> bool:
    """Whether ``user`` (anonymous included) may download ``document``: see ``documents``."""
    return documents(Reader.of_user(user)).filter(pk=document.pk).exists()


# --- What a reader may do ---------------------------------------------------------------------------------------


def may_use_directory(reader: Reader) -> bool:
    """The directory of the people in office is for staff and people in office."""
    return reader.staff or reader.in_office


def can_answer(reader: Reader, invitation: Invitation) -> bool:
    """The invitee, in office, may answer their own invitation (whether the meeting still takes answers is the
    meeting's rule, checked apart)."""
    return reader.in_office and invitation.person_id == reader.person.pk

"""What a reader may see and do in the knowledge base: conclusions, actions, minutes and lessons follow the meetings
a reader may open (``meetings.visibility``, whose docstring states the whole rule). The portal reads both through
this module, which also hands on the meeting-level names.

Nothing matches on a missing value: a reader whose organisation has no country (an EU body, the secretariat) owns
no country's actions and no country's drafts.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from meetings.visibility import (  # noqa: F401 - handed on: the portal asks one module
    Reader,
    can_answer,
    can_view_document,
    documents,
    invitations,
    may_use_directory,
    meetings,
    readers_of,
    visibilities_for,
)
from members.enums import OrganisationKind
from members.models import Person

from .models import Action, Conclusion, LessonLearned, LessonStatus, Minutes, MinutesStatus

# --- What a reader may see --------------------------------------------------------------------------------------


def conclusions(reader: Reader) -> QuerySet[Conclusion]:
    """Conclusions of the meetings the reader may open."""
    if reader.staff:
        return Conclusion.objects.all()
    return Conclusion.objects.filter(meeting__in=meetings(reader))


def actions(reader: Reader) -> QuerySet[Action]:
    """Actions decided at the meetings the reader may open."""
    if reader.staff:
        return Action.objects.all()
    return Action.objects.filter(conclusion__meeting__in=meetings(reader))


def owned_by(person: Person) -> Q:
    """Actions ``person``'s side owns: their organisation's, their country's (only when the organisation has a
    country) and, for people of the secretariat, the secretariat's."""
    rule = Q(owner_organisation_id=person.organisation_id)
    if person.organisation.country_id is not None:
        rule |= Q(owner_country_id=person.organisation.country_id)
    if person.organisation.kind == OrganisationKind.SECRETARIAT:
        rule |= Q(owner_secretariat=True)
    return rule


def own_actions(reader: Reader) -> QuerySet[Action]:
    """The actions the reader may see that their side owns (``owned_by``); every visible action for staff
    without a person; none for a reader without a person."""
    if reader.person is None:
        return actions(reader) if reader.staff else Action.objects.none()
    return actions(reader).filter(owned_by(reader.person))


def minutes(reader: Reader) -> QuerySet[Minutes]:
    """Minutes of the meetings the reader may open: approved ones only, drafts too for staff."""
    if reader.staff:
        return Minutes.objects.all()
    return Minutes.objects.filter(meeting__in=meetings(reader), status=MinutesStatus.APPROVED)


def lessons(reader: Reader) -> QuerySet[LessonLearned]:
    """Lessons the reader may read: all for staff. Otherwise lessons out of draft shared at a meeting the reader
    may open; in office also those shared between meetings (no meeting) and every lesson of their own country,
    drafts included. The search vector (read only by the search's conditions) is not loaded."""
    shown = LessonLearned.objects.defer("search_vector")
    if reader.staff:
        return shown
    if reader.person is None:
        return shown.none()
    out_of_draft = ~Q(status=LessonStatus.DRAFT)
    rule = out_of_draft & Q(meeting__in=meetings(reader))
    if reader.in_office:
        rule |= out_of_draft & Q(meeting__isnull=True)
        if reader.country_id is not None:
            rule |= Q(country_id=reader.country_id)
    return shown.filter(rule)


# --- What a reader may do ---------------------------------------------------------------------------------------


def can_submit_lesson(reader: Reader) -> bool:
    """Lessons come from a country: a person in office whose organisation has one."""
    return reader.in_office and reader.country_id is not None


def can_edit_lesson(reader: Reader, lesson: LessonLearned) -> bool:
    """Staff edit any lesson; a person in office edits (and shares) their own country's drafts."""
    if reader.staff:
        return True
    return can_submit_lesson(reader) and lesson.is_draft and lesson.country_id == reader.country_id


def can_comment(reader: Reader, lesson: LessonLearned) -> bool:
    """Staff and people in office comment on lessons out of draft (that they may read: see ``lessons``)."""
    return (reader.staff or reader.in_office) and not lesson.is_draft


def can_update_action(reader: Reader, action: Action) -> bool:
    """Staff update any action; a person in office updates the actions they may see that their side owns."""
    if reader.staff:
        return True
    return reader.in_office and own_actions(reader).filter(pk=action.pk).exists()

"""Who sees a draft and who may speak for a country on it: one rule, used by every page, email and link.

- A draft of a meeting is seen by those who may open the meeting (``meetings.visibility.meetings``: its invitees,
  and the secretariat).
- A standing draft is seen by every person in office (``members.identity``: a current mandate or today's
  Presidency), or only by the readers the secretariat names on it; the secretariat sees every draft.
- A draft under a written procedure (or after one) is also seen by the people in office of every country the
  procedure concerns: the country is asked to answer, whether or not they were invited to the meeting.
- A draft being drafted is the secretariat's alone.
- Who may propose, reserve and answer a written procedure for a country: the people who hold its seat today
  (``members.identity.seat_holders``), among those who see the draft.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from meetings.visibility import Reader, meetings
from members.identity import holds_seat

from .enums import DraftStatus
from .models import Draft

__all__ = ["Reader", "drafts", "speaks_for"]


def drafts(reader: Reader) -> QuerySet[Draft]:
    """The drafts ``reader`` may open (see the module's rule). Unordered."""
    if reader.staff:
        return Draft.objects.all()
    if reader.person is None:
        return Draft.objects.none()
    rule = Q(meeting__in=meetings(reader)) | Q(meeting__isnull=True, readers=reader.person)
    if reader.in_office:
        rule |= Q(meeting__isnull=True, readers__isnull=True)
        if reader.country_id is not None:  # a procedure asks the country's answer: its people read the text
            rule |= Q(revisions__procedures__countries__country_id=reader.country_id)
    return Draft.objects.exclude(status=DraftStatus.DRAFTING).filter(pk__in=Draft.objects.filter(rule).values("pk"))


def speaks_for(reader: Reader, draft: Draft):
    """The country ``reader`` may speak for on ``draft`` (propose, reserve, answer), or None: a person who holds
    their country's seat today and sees the draft."""
    person = reader.person
    if person is None or person.organisation.country_id is None:
        return None
    country = person.organisation.country
    if not holds_seat(person, country):
        return None
    if not drafts(reader).filter(pk=draft.pk).exists():
        return None
    return country

"""Who a signed-in user is in the registry, and whether that person holds office today.

Portal rights follow the registry: an account is only a key. The person behind it must be active in the registry
(deactivating or erasing a person also closes the account), and what they may *do* (answer, write, update)
depends on holding office today: a mandate that is current, or representing today's Council Presidency.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import Mandate, Person, Presidency


def in_office_on(day: datetime.date) -> Exists | Q:
    """An expression for ``Person`` querysets: true when the person holds a mandate on ``day`` or represents the
    Council Presidency whose term includes ``day``."""
    mandate = Mandate.objects.active_on(day).filter(person=OuterRef("pk"))
    presidency = Presidency.objects.on(day).filter(representative=OuterRef("pk"))
    return Exists(mandate) | Exists(presidency)


def person_of(user) -> Person | None:
    """The active registry person of a signed-in, active user account, with ``in_office`` (bool) set as in
    ``in_office_on`` today. None for anonymous visitors, inactive accounts, accounts linked to no person (e.g.
    secretariat staff) and deactivated or erased people. One query."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return (
        Person.objects.filter(user=user, is_active=True)
        .annotate(in_office=in_office_on(timezone.localdate()))
        .select_related("organisation__country")
        .first()
    )


def holds_office(person: Person, *, on: datetime.date | None = None) -> bool:
    """Whether ``person`` is active and in office on ``on`` (default today); uses ``person.in_office`` when the
    person was loaded by ``person_of`` for today."""
    if not person.is_active:
        return False
    if on is None and hasattr(person, "in_office"):
        return bool(person.in_office)
    day = on or timezone.localdate()
    return Person.objects.filter(pk=person.pk).filter(in_office_on(day)).exists()


SEAT_ROLES = ("director_general", "deputy", "contact_point")


def seat_holders(country, *, on: datetime.date | None = None, roles: tuple[str, ...] = SEAT_ROLES):
    """The active people who hold ``country``'s seat on ``on`` (default today): a current mandate with one of
    ``roles`` (default director-general, deputy, contact point; ``Role`` values) at one of the country's active
    organisations. A ``Person`` queryset, each person once, ordered by last and first name."""
    day = on or timezone.localdate()
    mandates = Mandate.objects.active_on(day).filter(
        person=OuterRef("pk"), role__in=roles, organisation__country=country, organisation__is_active=True
    )
    return Person.objects.filter(is_active=True).filter(Exists(mandates)).order_by("last_name", "first_name", "pk")

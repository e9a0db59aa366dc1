"""Who a signed-in user is in the registry, and whether that person holds office today.

Portal rights follow the registry: an account is only a key. The person behind it must be active in the registry
(deactivating or erasing a person also closes the account), and what they may *do* (answer, write, update)
depends on holding office today: a mandate that is current, or representing today's Council Presidency.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .enums import OrganisationKind, Participation, Role
from .models import Country, Mandate, Person, Presidency


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


# The mandates that hold a member country's seat in the network: its crisis centre's director-general (acting ones
# included), their deputy and its contact point. One place, used by the written procedure, the questionnaires and
# the alerts (their mails, links and portal rights).
SEAT_ROLES = (Role.DIRECTOR_GENERAL, Role.DEPUTY, Role.CONTACT_POINT)


def seat_holders(country, *, on: datetime.date | None = None, roles: tuple[str, ...] = SEAT_ROLES):
    """The active people who hold ``country``'s seat on ``on`` (default today): an active mandate of one of
    ``roles`` (``Role`` values; default ``SEAT_ROLES``) at an active national crisis centre of ``country``, the
    country a member of the network. A queryset of ``Person``, each once, ordered by name; empty for an observer or
    former member country."""
    day = on or timezone.localdate()
    mandates = Mandate.objects.active_on(day).filter(
        person=OuterRef("pk"),
        role__in=roles,
        organisation__kind=OrganisationKind.CRISIS_CENTRE,
        organisation__is_active=True,
        organisation__country=country,
        organisation__country__participation=Participation.MEMBER,
    )
    return Person.objects.filter(Exists(mandates), is_active=True).order_by("last_name", "first_name", "pk")


def holds_seat(person: Person, country, *, on: datetime.date | None = None) -> bool:
    """Whether ``person`` is one of ``seat_holders(country, on=on)``."""
    return seat_holders(country, on=on).filter(pk=person.pk).exists()


def seat_countries(*, on: datetime.date | None = None):
    """Member countries whose seat someone holds on ``on`` (default today), by code: the countries a written
    procedure concerns by default."""
    day = on or timezone.localdate()
    mandates = Mandate.objects.active_on(day).filter(
        role__in=SEAT_ROLES,
        person__is_active=True,
        organisation__kind=OrganisationKind.CRISIS_CENTRE,
        organisation__is_active=True,
        organisation__country=OuterRef("pk"),
    )
    return Country.objects.filter(Exists(mandates), participation=Participation.MEMBER).order_by("code")

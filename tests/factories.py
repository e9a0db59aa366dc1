"""Small factory functions for tests: each makes a valid row with sensible defaults, overridable by keyword."""

from __future__ import annotations

import datetime
import itertools

from members.enums import OrganisationKind, Role
from members.models import Country, Mandate, Organisation, Person, User

_seq = itertools.count(1)
_codes = iter(
    [
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
        "NO",
        "CH",
        "IS",
        "LI",
        "UA",
        "MD",
        "RS",
        "ME",
        "MK",
        "AL",
        "BA",
        "GE",
        "AM",
        "TR",
        "GB",
        "AD",
        "MC",
        "SM",
        "VA",
        "XK",
    ]
)


def country(code: str | None = None, **kwargs) -> Country:
    code = code or next(_codes)
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
    return user

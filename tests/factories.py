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

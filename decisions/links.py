"""One-click links of a written procedure: signed per procedure, country and person, usable without logging in.

The token names the procedure, the country and the person it was mailed to; the URL repeats the procedure, so a
link cannot be used on another one. Opening a link shows a confirmation page; only its POST records an answer, so
mail scanners and link previews cannot answer for a country (the rule of ``meetings.links``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from members.identity import holds_seat
from members.models import Country, Person

from .enums import ProcedureAnswerKind
from .models import ProcedureCountry, WrittenProcedure

SALT = "decisions.procedure-link"

CHOICES = {
    "no-objection": ProcedureAnswerKind.NO_OBJECTION,
    "comment": ProcedureAnswerKind.COMMENT,
    "break-silence": ProcedureAnswerKind.OBJECTION,
}


class LinkError(Exception):
    """The link cannot be used; ``reason`` is one of: invalid, other_procedure, other_country, not_holder,
    closed. ``person`` is the one the link names when the token itself is good, so the page can speak their
    language."""

    def __init__(self, reason: str, person: Person | None = None):
        super().__init__(reason)
        self.reason = reason
        self.person = person


@dataclass(frozen=True)
class Holder:
    """What a good link names: the procedure, the country's row in it and the person who answers."""

    procedure: WrittenProcedure
    entry: ProcedureCountry
    person: Person


def token_for(procedure: WrittenProcedure, country: Country, person: Person) -> str:
    return signing.dumps({"w": procedure.pk, "c": country.pk, "p": person.pk}, salt=SALT, compress=False)


def urls_for(procedure: WrittenProcedure, country: Country, person: Person) -> dict[str, str]:
    """The confirmation page and each one-click choice (``no_objection``, ``comment``, ``break_silence``)."""
    url = settings.SITE_URL + reverse("decisions:answer", args=[procedure.pk, token_for(procedure, country, person)])
    return {"page": url, **{choice.replace("-", "_"): f"{url}?choice={choice}" for choice in CHOICES}}


def holder_from(procedure_pk: int, token: str) -> Holder:
    """The procedure, country and person a token names; raises ``LinkError`` when the token was tampered with,
    names another procedure, a country the procedure does not concern or a person who no longer holds the
    country's seat, or when the procedure no longer takes answers (``closed``: deadline passed, closed, withdrawn)."""
    try:
        data = signing.loads(token, salt=SALT)
        pk, country_pk, person_pk = int(data["w"]), int(data["c"]), int(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkError("invalid") from error
    person = Person.objects.filter(pk=person_pk).first()
    if person is None:
        raise LinkError("invalid")
    if pk != procedure_pk:
        raise LinkError("other_procedure", person)
    entry = (
        ProcedureCountry.objects.select_related("procedure__revision__draft", "country")
        .filter(procedure_id=pk, country_id=country_pk)
        .first()
    )
    if entry is None:
        raise LinkError("other_country", person)
    if not holds_seat(person, entry.country):
        raise LinkError("not_holder", person)
    if not entry.procedure.is_open:
        raise LinkError("closed", person)
    return Holder(entry.procedure, entry, person)

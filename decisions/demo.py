"""The demo's texts between meetings: the network's terms of reference, adopted by written procedure in June 2022
(REV 1 and REV 2, every member country's answer on the board), and a joint statement open for comments (REV 1 and
REV 2, a proposal and a reservation). Created where missing; no mail is sent."""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction

from members.identity import seat_countries, seat_holders
from members.models import Country

from . import services
from .enums import AnswerChannel, DraftKind, DraftStatus, ProcedureAnswerKind, ProcedureStatus
from .models import Draft, ProcedureAnswer, ProcedureCountry, Revision, WrittenProcedure

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
LANGUAGES = ("en", "fr", "nl", "de")

TERMS_TITLE = (
    "Terms of reference of the DG Network",
    "Mandat du réseau des directeurs généraux",
    "Mandaat van het DG-netwerk",
    "Mandat des DG-Netzwerks",
)
TERMS_REV_1 = [
    (
        "The network brings together the directors-general of the national crisis centres of European countries.",
        "Le réseau réunit les directeurs généraux des centres nationaux de crise des pays européens.",
        "Het netwerk brengt de directeuren-generaal van de nationale crisiscentra van Europese landen samen.",
        "Das Netzwerk vereint die Generaldirektoren der nationalen Krisenzentren europäischer Länder.",
    ),
    (
        "It meets twice a year.",
        "Il se réunit deux fois par an.",
        "Het komt twee keer per jaar samen.",
        "Es tritt zweimal im Jahr zusammen.",
    ),
]
TERMS_REV_2 = [
    TERMS_REV_1[0],
    (
        "It meets at least twice a year, and at short notice in a crisis, in person or by video conference.",
        "Il se réunit au moins deux fois par an et, en cas de crise, dans les plus brefs délais, en présentiel ou par "
        "visioconférence.",
        "Het komt minstens twee keer per jaar samen, en bij een crisis op korte termijn, fysiek of via "
        "videoconferentie.",
        "Es tritt mindestens zweimal im Jahr zusammen, in einer Krise kurzfristig, in Präsenz oder per Videokonferenz.",
    ),
    (
        "The National Crisis Centre of Belgium chairs the network; the Benelux Union's secretariat-general is its "
        "secretariat.",
        "Le Centre de crise national de Belgique préside le réseau ; le secrétariat général de l'Union Benelux en "
        "assure le secrétariat.",
        "Het Nationaal Crisiscentrum van België zit het netwerk voor; het secretariaat-generaal van de Benelux Unie "
        "is het secretariaat.",
        "Das Nationale Krisenzentrum Belgiens führt den Vorsitz; das Generalsekretariat der Benelux-Union ist das "
        "Sekretariat.",
    ),
]

STATEMENT_TITLE = (
    "Joint statement on crisis communication with the population",
    "Déclaration commune sur la communication de crise avec la population",
    "Gezamenlijke verklaring over crisiscommunicatie met de bevolking",
    "Gemeinsame Erklärung zur Krisenkommunikation mit der Bevölkerung",
)
STATEMENT_REV_1 = [
    (
        "The members share their public warning messages with each other when a crisis crosses borders.",
        "Les membres partagent entre eux leurs messages d'alerte à la population lorsqu'une crise dépasse les "
        "frontières.",
        "De leden delen hun waarschuwingsberichten aan de bevolking met elkaar wanneer een crisis grenzen "
        "overschrijdt.",
        "Die Mitglieder teilen ihre Warnmeldungen an die Bevölkerung miteinander, wenn eine Krise Grenzen "
        "überschreitet.",
    ),
    (
        "They rebut disinformation together.",
        "Ils réfutent ensemble la désinformation.",
        "Zij weerleggen samen desinformatie.",
        "Sie widerlegen gemeinsam Desinformation.",
    ),
]
STATEMENT_REV_2 = [
    (
        "The members share their public warning messages with each other, in advance where possible, when a crisis "
        "crosses borders.",
        "Les membres partagent entre eux leurs messages d'alerte à la population, si possible à l'avance, lorsqu'une "
        "crise dépasse les frontières.",
        "De leden delen hun waarschuwingsberichten aan de bevolking met elkaar, zo mogelijk vooraf, wanneer een "
        "crisis grenzen overschrijdt.",
        "Die Mitglieder teilen ihre Warnmeldungen an die Bevölkerung miteinander, wenn möglich im Voraus, wenn eine "
        "Krise Grenzen überschreitet.",
    ),
    STATEMENT_REV_1[1],
]


def _texts(rows) -> list[dict[str, str]]:
    return [dict(zip(LANGUAGES, row, strict=True)) for row in rows]


def _title(values) -> dict[str, str]:
    return {f"title_{code}": value for code, value in zip(LANGUAGES, values, strict=True)}


def _terms() -> int:
    if Draft.objects.filter(title_en=TERMS_TITLE[0]).exists():
        return 0
    draft = Draft.objects.create(kind=DraftKind.TERMS, **_title(TERMS_TITLE))
    services.publish_revision(draft, _texts(TERMS_REV_1))
    services.open_for_comments(draft)
    rev2 = services.publish_revision(draft, _texts(TERMS_REV_2), note="Frequency, crisis meetings and the chair.")
    Revision.objects.filter(draft=draft, number=1).update(
        published_at=datetime.datetime(2022, 5, 16, 10, tzinfo=BRUSSELS)
    )
    Revision.objects.filter(pk=rev2.pk).update(published_at=datetime.datetime(2022, 5, 30, 10, tzinfo=BRUSSELS))
    # The procedure of June 2022 as it went, recorded directly: the services would mail today's seat holders.
    opened = datetime.datetime(2022, 5, 31, 12, tzinfo=BRUSSELS)
    deadline = datetime.datetime(2022, 6, 10, 17, tzinfo=BRUSSELS)
    procedure = WrittenProcedure.objects.create(
        revision=rev2, deadline=deadline, status=ProcedureStatus.ADOPTED, opened_at=opened, closed_at=deadline
    )
    answers = {
        "BE": ProcedureAnswerKind.NO_OBJECTION,
        "FR": ProcedureAnswerKind.COMMENT,
        "DE": ProcedureAnswerKind.NO_OBJECTION,
    }
    for n, country in enumerate(seat_countries(on=deadline.date())):
        entry = ProcedureCountry.objects.create(procedure=procedure, country=country)
        answer = answers.get(country.code, ProcedureAnswerKind.NO_OBJECTION if n % 3 else "")
        holder = seat_holders(country, on=deadline.date()).first()
        if not answer or holder is None:
            continue
        text = "We welcome the crisis meetings at short notice." if answer == ProcedureAnswerKind.COMMENT else ""
        at = opened + datetime.timedelta(days=1 + n % 8, hours=n % 5)
        ProcedureAnswer.objects.create(
            procedure_country=entry, answer=answer, text=text, person=holder, channel=AnswerChannel.LINK, at=at
        )
        ProcedureCountry.objects.filter(pk=entry.pk).update(
            answer=answer, text=text, answered_at=at, answered_by=holder
        )
    Draft.objects.filter(pk=draft.pk).update(status=DraftStatus.ADOPTED, adopted_on=deadline.date())
    return 1


def _statement() -> int:
    if Draft.objects.filter(title_en=STATEMENT_TITLE[0]).exists():
        return 0
    draft = Draft.objects.create(kind=DraftKind.STATEMENT, original_language="fr", **_title(STATEMENT_TITLE))
    rev1 = services.publish_revision(draft, _texts(STATEMENT_REV_1))
    services.open_for_comments(draft)
    countries = list(seat_countries())
    holders = {c.code: seat_holders(c).first() for c in countries if c.code in ("FR", "NL", "DE")}
    if holders.get("FR"):
        proposal = services.propose(
            rev1,
            person=holders["FR"],
            paragraph_number=1,
            text="The members share their public warning messages with each other, in advance where possible, when "
            "a crisis crosses borders.",
            reason="Neighbours should not learn of a warning from the press.",
        )
    else:
        proposal = None
    rev2 = services.publish_revision(
        draft,
        _texts(STATEMENT_REV_2),
        note="France's wording of paragraph 1.",
        outcomes={proposal.pk: "accepted"} if proposal else None,
    )
    if holders.get("NL"):
        services.propose(
            rev2,
            person=holders["NL"],
            paragraph_number=2,
            text="They rebut disinformation together, through the official channels of each country.",
        )
    if holders.get("DE"):
        services.reserve(rev2, person=holders["DE"], kind="scrutiny", reason="The Länder are consulted.")
    return 1


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo's drafts where missing (after the registry's demo). Returns ``{"drafts": n}``."""
    if not Country.objects.exists():
        return {"drafts": 0}
    return {"drafts": _terms() + _statement()}

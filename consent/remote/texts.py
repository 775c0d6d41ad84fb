"""What the person signing by remote link reads, in the language of the statement: the text
stored on their record (the statement, then the media and scope it is for, in the first person
like the statement itself) and the points they tick.

The text names the media only by what the desk chose to tell the person when it made the link
(`ConsentLink.media_description`), never by the asset's internal description, its file name or
the desk's note about who the person is in it.

A translation of a statement has the key `<key>-<language>` (consent.0004 ships
`synthetic-media-es` for `synthetic-media`): `statement_family` groups them, and the page offers
the person every language of the link's statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from consent.models import ConsentLink, ConsentStatement, InformedPoint, Party, PartyRole

DEFAULT_LANGUAGE = "en"

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


@dataclass(frozen=True)
class Wording:
    """The words around the statement, in one language."""

    media: str  # "{ref}" is "#12" or "#12 (“what the desk said”)"
    creator: str
    subject: str
    uses: str
    channels: str
    all_channels: str
    territories: str
    worldwide: str
    valid: str  # "{start}", "{end}"
    until: str  # "{date}"
    no_end: str
    version: str  # "{key}", "{version}"
    months: tuple[str, ...]
    day_month_year: str  # "{d}", "{m}", "{y}"
    points: dict[str, str]


WORDINGS: dict[str, Wording] = {
    "en": Wording(
        media="This consent is for media item {ref}, {role}.",
        creator="which I made",
        subject="in which I appear",
        uses="Uses: {}.",
        channels="Channels: {}.",
        all_channels="all of the newsroom's channels",
        territories="Territories: {}.",
        worldwide="worldwide",
        valid="Valid from {start} {end}.",
        until="until {date}",
        no_end="without end date",
        version="Statement {key} version {version}.",
        months=(
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        day_month_year="{d} {m} {y}",
        points={
            InformedPoint.SYNTHETIC: "I understand the media is synthetic or has been altered",
            InformedPoint.USE: "I understand where and how it will be used",
            InformedPoint.LABELED: (
                "I understand it will be labeled as synthetic or altered for the audience"
            ),
            InformedPoint.REVOCABLE: "I understand I may revoke my consent at any time, and how",
        },
    ),
    "es": Wording(
        media="Este consentimiento se refiere al contenido n.º {ref}, {role}.",
        creator="que he creado",
        subject="en el que aparezco",
        uses="Usos: {}.",
        channels="Canales: {}.",
        all_channels="todos los canales de la redacción",
        territories="Territorios: {}.",
        worldwide="todo el mundo",
        valid="Válido desde el {start} {end}.",
        until="hasta el {date}",
        no_end="sin fecha de fin",
        version="Declaración {key} versión {version}.",
        months=(
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ),
        day_month_year="{d} de {m} de {y}",
        points={
            InformedPoint.SYNTHETIC: "Entiendo que el contenido es sintético o ha sido alterado",
            InformedPoint.USE: "Entiendo dónde y cómo se utilizará",
            InformedPoint.LABELED: (
                "Entiendo que se etiquetará como sintético o alterado para el público"
            ),
            InformedPoint.REVOCABLE: (
                "Entiendo que puedo revocar mi consentimiento en cualquier momento, y cómo"
            ),
        },
    ),
}


def wording(language: str) -> Wording:
    """The words for `language`; English for a language this code has no words for (legal may
    publish a statement in any language: its own text is shown as written)."""
    return WORDINGS.get(language, WORDINGS[DEFAULT_LANGUAGE])


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def statement_family(statement: ConsentStatement) -> str:
    """The key shared by a statement and its translations: `synthetic-media` for both
    `synthetic-media` (en) and `synthetic-media-es` (es)."""
    suffix = f"-{statement.language}"
    if statement.key.endswith(suffix) and len(statement.key) > len(suffix):
        return statement.key[: -len(suffix)]
    return statement.key


def _date(day: date, words: Wording) -> str:
    return words.day_month_year.format(d=day.day, m=words.months[day.month - 1], y=day.year)


def remote_statement_text(statement: ConsentStatement, link: ConsentLink, party: Party) -> str:
    """The exact text shown on the signing page and stored, with its sha256, on the record."""
    words = wording(statement.language)
    ref = f"#{party.asset_id}"
    if link.media_description:
        ref += f" (“{link.media_description}”)"
    role = words.creator if party.role == PartyRole.CREATOR else words.subject
    end = _date(link.valid_until, words) if link.valid_until else None
    return (
        f"{statement.body}\n\n"
        f"{words.media.format(ref=ref, role=role)}\n"
        f"{words.uses.format(', '.join(link.uses))}\n"
        f"{words.channels.format(', '.join(link.channels) or words.all_channels)}\n"
        f"{words.territories.format(', '.join(link.territories) or words.worldwide)}\n"
        + words.valid.format(
            start=_date(link.valid_from, words),
            end=words.until.format(date=end) if end else words.no_end,
        )
        + "\n"
        + words.version.format(key=statement.key, version=statement.version)
    )


def point_labels(language: str) -> list[tuple[str, str]]:
    """(value, first-person label) of every informed point, in the order people read them."""
    points = wording(language).points
    return [(point.value, points[point]) for point in InformedPoint]

"""Lists in their reader's order: names sorted as the reader's language sorts them, not by code point or by the
English name ("Suède, Tchéquie" in French, where code order or the English "Czechia" puts Tchéquie after Chypre).

One rule for the whole site: ``in_reader_order``. On PostgreSQL the database sorts with its ICU collations
(``fr-x-icu``, ``nl-x-icu``, ``de-x-icu``, ``en-x-icu``: ``select collname from pg_collation where collname like
'%-x-icu'``). On SQLite (the embedded default) the same collation names are registered on each connection
(``register_sqlite_collations``), backed by pyuca, the Unicode Collation Algorithm in pure Python, so the same
queries run on both. Lists of objects already in memory are sorted with the same pyuca key.

Why pyuca and not PyICU: the standard CLDR collations of English, French, Dutch and German are all the CLDR root
order (no language tailoring; French "backwards accents" is Canadian French only), which is the Unicode Collation
Algorithm's default table that pyuca implements; PyICU needs the ICU C++ library and a compiler at install time.
A language with a tailored order (Swedish, Czech…) would need PyICU here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Collate, NullIf
from django.utils import translation

T = TypeVar("T")


def collation_for(language: str) -> str:
    """The database collation of ``language`` (``"fr"`` → ``"fr-x-icu"``); the default language's for one the site
    does not offer."""
    offered = {code for code, _name in settings.LANGUAGES}
    code = (language or "").split("-")[0].lower()
    return f"{code if code in offered else settings.LANGUAGE_CODE.split('-')[0]}-x-icu"


@functools.cache
def _collator():
    import pyuca  # loads the Unicode collation table once, on first use

    return pyuca.Collator()


def sort_key(value: Any) -> tuple[int, ...]:
    """The Unicode Collation Algorithm's key of ``str(value)``, ignoring case on the first levels as every
    language here does."""
    return _collator().sort_key(str(value or ""))


def _compare(a: str, b: str) -> int:
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def register_sqlite_collations(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: give a SQLite connection the ICU collation names PostgreSQL has, so that
    ``Collate(..., collation_for(language))`` runs on both."""
    if connection.vendor != "sqlite":
        return
    for code, _name in settings.LANGUAGES:
        connection.connection.create_collation(collation_for(code), _compare)


def _translated_column(model: type[models.Model], field: str, language: str):
    """The column a reader of ``language`` sees for ``field``: the language's own (modeltranslation's
    ``field_<language>``), empty or missing falling back to the default language's; ``field`` itself when it is not
    translated. ``field`` may follow relations (``country__name``)."""
    *path, last = field.split("__")
    target = model
    for step in path:
        target = target._meta.get_field(step).related_model
    names = {f.name for f in target._meta.get_fields()}
    own, default = f"{last}_{language}", f"{last}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"
    prefix = "__".join(path) + "__" if path else ""
    if own not in names:
        return models.F(prefix + last)
    if own == default:
        return models.F(prefix + own)
    return Coalesce(NullIf(prefix + own, models.Value("")), prefix + default)


def _column(model: type[models.Model], field: str | tuple[str, ...], language: str):
    if isinstance(field, tuple):  # alternatives: the first that is not null
        return Coalesce(*(_translated_column(model, f, language) for f in field))
    return _translated_column(model, field, language)


def reader_ordering(
    model: type[models.Model], fields: Iterable[str | tuple[str, ...]], language: str | None = None
) -> list:
    """Order-by expressions sorting ``model`` by ``fields`` (names, possibly across relations, possibly translated)
    in ``language``'s order (default: the active language). A tuple of names sorts by the first of them that is not
    null (``("person__last_name", "delegation_of__last_name")``)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    collation = collation_for(language)
    code = collation.split("-")[0]
    return [Collate(_column(model, f, code), collation).asc(nulls_last=True) for f in fields]


def in_reader_order(
    items: models.QuerySet | Iterable[T], *fields: str, language: str | None = None, key: Callable | None = None
):
    """``items`` sorted by ``fields`` as a reader of ``language`` (default: the active language) sorts them.

    A queryset comes back as a queryset ordered in the database (translated fields read in the reader's language,
    falling back to English), any other iterable as a new list sorted in Python with the same collation; for a list,
    ``fields`` are attribute paths (``"organisation.name"``) read with ``language`` active, or ``key`` gives the
    text to sort by."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if isinstance(items, models.QuerySet):
        return items.order_by(*reader_ordering(items.model, fields, language), "pk")
    getters = [key] if key is not None else [attrgetter(f) for f in fields] or [str]
    with translation.override(language):
        decorated = [(tuple(sort_key(get(item)) for get in getters), n, item) for n, item in enumerate(items)]
    return [item for _key, _n, item in sorted(decorated, key=lambda t: t[:2])]

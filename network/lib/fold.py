"""Text folded for matching: without accents and case, so "Sécurité" and "securite" meet.

``fold`` is what a search compares, in Python (the directory) and inside SQLite (lesson search of the embedded
default, through the ``dg_fold`` SQL function registered on each SQLite connection). PostgreSQL's full-text search
does the same with the ``unaccent`` dictionary in the knowledge app's text-search configurations.
"""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark, spelled as a reader types them.
_SPELLED = str.maketrans(
    {"ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def fold(text: str | None) -> str:
    """``text`` without diacritics (NFKD, combining marks dropped), case-folded ("ß" → "ss"); "" for None."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_SPELLED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: gives each SQLite connection ``dg_fold(text)``, deterministic."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("dg_fold", 1, fold, deterministic=True)


def matches(query: str, texts) -> bool:
    """Whether every word of ``query`` appears, folded, in one of ``texts`` (strings; None skipped).
    An empty query matches everything."""
    haystack = "\n".join(fold(text) for text in texts if text)
    return all(word in haystack for word in fold(query).split())

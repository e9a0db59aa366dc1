"""Comparing two revisions paragraph by paragraph: a readable difference with insertions and deletions marked.

The difference itself is the standard library's ``difflib.SequenceMatcher`` over words (spaces kept as their own
tokens); this module only pairs paragraphs by number and renders the opcodes as escaped HTML with ``<ins>`` and
``<del>``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from .models import Revision

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph number of the comparison: ``change`` is ``same``, ``changed``, ``added`` or ``removed``;
    ``html`` the text with ``<ins>``/``<del>`` marks, escaped."""

    number: int
    change: str
    html: SafeString


def diff_html(old: str, new: str) -> SafeString:
    """``old`` → ``new`` as escaped HTML, words deleted in ``<del>`` and inserted in ``<ins>``."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out: list[SafeString] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return format_html_join("", "{}", ((piece,) for piece in out))


def compare(old: Revision, new: Revision) -> list[ParagraphChange]:
    """The paragraphs of ``old`` and ``new`` paired by number, in the active language (modeltranslation's
    fallback to English), ordered by number. Two queries."""
    before = {p.number: p.text for p in old.paragraphs.all()}
    after = {p.number: p.text for p in new.paragraphs.all()}
    rows = []
    for number in sorted(before.keys() | after.keys()):
        if number not in after:
            rows.append(ParagraphChange(number, "removed", diff_html(before[number], "")))
        elif number not in before:
            rows.append(ParagraphChange(number, "added", diff_html("", after[number])))
        else:
            change = "same" if before[number] == after[number] else "changed"
            rows.append(ParagraphChange(number, change, diff_html(before[number], after[number])))
    return rows

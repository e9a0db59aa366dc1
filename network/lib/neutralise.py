"""Text that leaves the application for another interpreter is neutralised here, once per kind of boundary.

- Spreadsheets (CSV, XLSX): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
  formula, or becomes one, in Excel, LibreOffice and Google Sheets. ``spreadsheet_cell`` prefixes it with a single
  quote (OWASP's advice for CSV injection), so the spreadsheet shows it as text; ``spreadsheet_import_value`` undoes
  exactly that prefix, so a file exported here and imported again keeps its values.
- PDF (reportlab): a ``Paragraph`` reads its text as markup (``<b>``, ``<img>``, ``&``...). ``pdf_text`` turns any
  text into markup that shows it literally.
- Mail headers, calendar properties, feed and file titles: ``single_line`` is the model-field validator for the
  fields whose value ends up there, so a line break or a control character is refused where it is typed, in the
  admin, the portal, an import or a service, instead of breaking a message later.

This module imports no app (the rule for ``network/lib``).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

# OWASP, "CSV Injection": cells starting with these are read as formulas (tab and CR: some spreadsheets skip them
# and read the formula that follows).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A cell value safe to write to a CSV or XLSX file.

    Text starting with a formula trigger comes back prefixed with ``'``; any other text, and every value that is not
    text (numbers, dates, booleans, None), comes back unchanged: a number is not a formula, so a negative number
    stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_import_value(value):
    """The inverse of ``spreadsheet_cell`` for a value read from an imported spreadsheet: a ``'`` put in front of a
    formula trigger is removed; anything else comes back unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def pdf_text(value, *, line_breaks: bool = False) -> str:
    """``value`` (any object; None is empty) as reportlab paragraph markup that shows it literally.

    With ``line_breaks``, each line break becomes ``<br/>``; without, line breaks are spaces (as in HTML)."""
    text = escape("" if value is None else str(value))
    if line_breaks:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>")
    return text


def _is_control_or_line_break(char: str) -> bool:
    # Cc: C0 and C1 controls (tab, LF, CR, NUL, NEL...); Zl and Zp: the Unicode line and paragraph separators.
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def header_text(value: str) -> str:
    """``value`` made fit for a mail header (a subject): every run of line breaks, tabs, other control characters
    and ordinary spaces becomes one space, the ends are trimmed. Other spaces (a non-breaking space before a French
    colon) stay as they are."""
    out: list[str] = []
    for char in value:
        if _is_control_or_line_break(char) or char == " ":
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
    return "".join(out).strip(" ")


def single_line(value) -> None:
    """Validator for a one-line text field (a name, a title, a place): raises ``ValidationError`` (code
    ``single_line``) when the value holds a line break, a tab or another control character."""
    if isinstance(value, str) and any(_is_control_or_line_break(c) for c in value):
        raise ValidationError(
            _("Write this on one line: line breaks, tabs and other control characters are not allowed."),
            code="single_line",
        )

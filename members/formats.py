"""CSV as spreadsheets really write it, for django-import-export's admin import.

Excel saves "CSV" in the reader's locale: with ``;`` between cells where the decimal separator is a comma (French,
Dutch, German), in the Windows code page (cp1252) unless "CSV UTF-8" is chosen, and "Unicode text" in UTF-16 with
tabs. ``SpreadsheetCSV`` reads the uploaded bytes itself (import-export hands a binary format the raw file):
``read_text`` finds the encoding and ``delimiter`` the separator, then tablib builds the dataset. A file it cannot
read raises ``UnreadableFile`` with a message for the page saying what to do.
"""

from __future__ import annotations

import codecs
import csv
import io

import tablib
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV

SEPARATORS = ",;\t"
SAVE_AS_UTF8 = "CSV UTF-8"


class UnreadableFile(ValueError):
    """The uploaded file cannot be read; ``str(error)`` is a translated message saying what to do."""


def read_text(data: bytes) -> str:
    """The text of an uploaded CSV file: UTF-8 with or without a byte-order mark, UTF-16 (with a byte-order mark, or
    little/big endian without one when every other byte of ASCII text is NUL), else Windows-1252 (what Excel writes
    in Western European locales). Raises ``UnreadableFile`` when none of them reads it (or it holds NUL characters,
    the sign of another encoding)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        candidates = ["utf-16-le"]
    elif len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        candidates = ["utf-16-be"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise UnreadableFile(
        _(
            "This file’s characters cannot be read. In your spreadsheet, save the file as “%(format)s” "
            "(File, Save as) and import that file."
        )
        % {"format": SAVE_AS_UTF8}
    )


def delimiter(text: str) -> str:
    """The separator of a CSV text: whichever of comma, semicolon and tab its first line has most of (the header
    line names the columns, so it holds no separator inside a cell); a comma when it has none."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=SEPARATORS).delimiter
    except csv.Error:
        counts = {separator: header.count(separator) for separator in SEPARATORS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


class SpreadsheetCSV(CSV):
    """CSV import in whichever encoding and separator the file has (see the module's docstring); export as CSV."""

    def get_read_mode(self):
        return "rb"  # the raw bytes: the encoding is found here, not assumed by the admin

    def is_binary(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        text = read_text(data)
        if not text.strip():
            raise UnreadableFile(_("The file is empty."))
        try:
            dataset = tablib.Dataset()
            self.get_format().import_set(dataset, io.StringIO(text, newline=""), delimiter=delimiter(text), **kwargs)
        except (csv.Error, tablib.InvalidDimensions) as error:
            raise UnreadableFile(
                _(
                    "The file cannot be read as CSV: each row must have the columns of the first one. In your "
                    "spreadsheet, save the file as “%(format)s” (File, Save as) and import that file."
                )
                % {"format": SAVE_AS_UTF8}
            ) from error
        return dataset

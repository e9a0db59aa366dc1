"""What a meeting document may be: its type is judged from its first bytes, not from its name alone."""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls, ppt)

# extension → (content type, how to recognise the bytes)
ALLOWED: dict[str, tuple[str, str]] = {
    ".pdf": ("application/pdf", "pdf"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "ooxml"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ooxml"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ooxml"),
    ".odt": ("application/vnd.oasis.opendocument.text", "odf"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", "odf"),
    ".odp": ("application/vnd.oasis.opendocument.presentation", "odf"),
    ".doc": ("application/msword", "ole"),
    ".xls": ("application/vnd.ms-excel", "ole"),
    ".ppt": ("application/vnd.ms-powerpoint", "ole"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
    ".gif": ("image/gif", "gif"),
    ".webp": ("image/webp", "webp"),
}


def _looks_like(kind: str, head: bytes, file) -> bool:
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "ole":
        return head.startswith(OLE)
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if kind == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if kind in ("ooxml", "odf"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            file.seek(0)
        return "[Content_Types].xml" in names if kind == "ooxml" else "mimetype" in names
    return False


def check_upload(upload) -> str:
    """Refuse a file of a type we do not accept or larger than ``DOCUMENT_MAX_MB``; return its content type."""
    limit = settings.DOCUMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    extension = PurePath(upload.name).suffix.lower()
    if extension not in ALLOWED:
        raise ValidationError(
            _("Files of type “%(extension)s” are not accepted: use PDF, office documents or images (%(allowed)s)."),
            params={"extension": extension or "?", "allowed": ", ".join(sorted(e[1:] for e in ALLOWED))},
            code="type",
        )
    content_type, kind = ALLOWED[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not _looks_like(kind, head, upload):
        raise ValidationError(
            _("The file's content is not the %(extension)s its name says."),
            params={"extension": extension[1:]},
            code="mismatch",
        )
    return content_type

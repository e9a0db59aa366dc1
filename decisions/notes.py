"""The note (PDF) that tells every country a text was adopted by written procedure, in the reader's language."""

from __future__ import annotations

import io

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from meetings.exports import styles
from network.lib.neutralise import pdf_text

from .models import WrittenProcedure


def adoption_note_pdf(procedure: WrittenProcedure) -> bytes:
    """The adopted text (the procedure's revision, paragraphs numbered) with the record "adopted by written
    procedure on <date>", in the active language (paragraphs fall back to English). Text neutralised for
    reportlab's markup (``pdf_text``)."""
    s = styles()
    revision = procedure.revision
    draft = revision.draft
    day = date_format(procedure.local_deadline, "DATE_FORMAT")
    story = [
        Paragraph(pdf_text(draft.title), s["title"]),
        Paragraph(pdf_text(f"{draft.get_kind_display()} · {revision.label}"), s["sub"]),
        Spacer(0, 4 * mm),
        Paragraph(pdf_text(_("Adopted by written procedure on %(date)s.") % {"date": day}), s["h2"]),
    ]
    if draft.meeting_id:
        story.append(
            Paragraph(pdf_text(_("Conclusions of: %(meeting)s") % {"meeting": draft.meeting.title}), s["body"])
        )
    story.append(Spacer(0, 3 * mm))
    for paragraph in revision.paragraphs.order_by("number"):
        story.append(
            Paragraph(f"<b>{pdf_text(paragraph.number)}.</b> {pdf_text(paragraph.text, line_breaks=True)}", s["body"])
        )
        story.append(Spacer(0, 2 * mm))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=str(draft.title),
        author="DG Network",
    )
    doc.build(story)
    return buffer.getvalue()

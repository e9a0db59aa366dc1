"""Lists for the venue and the record: participants (CSV, PDF) and the attendance register (PDF).

PDFs are drawn with reportlab in DejaVu Sans (vendored in network/fonts), which covers every European script the
network's names use. Every text put into a reportlab ``Paragraph`` goes through ``pdf_text`` (a ``Paragraph`` reads
markup: a title with ``<img src=x>`` in it would otherwise fail the whole file); every CSV cell goes through
``spreadsheet_cell`` (no formulas).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from network.lib.collation import in_reader_order, sort_key
from network.lib.neutralise import pdf_text, spreadsheet_cell

from .enums import Presence
from .models import Attendance, Invitation, Meeting

FONTS = Path(settings.BASE_DIR) / "network" / "fonts"
_registered = False


def register_fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold")
        _registered = True


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    return {
        "title": ParagraphStyle("title", fontName="DejaVu-Bold", fontSize=15, leading=19, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName="DejaVu", fontSize=9.5, leading=12, textColor=colors.HexColor("#444")),
        "h2": ParagraphStyle("h2", fontName="DejaVu-Bold", fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName="DejaVu", fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", fontName="DejaVu-Bold", fontSize=8.5, leading=10.5, textColor=colors.white),
        "body": ParagraphStyle("body", fontName="DejaVu", fontSize=9.5, leading=12.5),
    }


def table(rows: list[list[str]], widths: list[float], s: dict[str, ParagraphStyle]) -> Table:
    data = [[Paragraph(pdf_text(c), s["head"]) for c in rows[0]]]
    data += [[Paragraph(pdf_text(c), s["cell"]) for c in row] for row in rows[1:]]
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#003399")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef1f8")]),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c0d8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


def meeting_heading(meeting: Meeting) -> str:
    start = meeting.local_start
    return f"{date_format(start, 'DATE_FORMAT')} · {start:%H:%M}–{meeting.local_end:%H:%M} ({meeting.time_zone})"


def build_pdf(meeting: Meeting, title: str, flowables: list, *, wide: bool = False) -> bytes:
    s = styles()
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("DejaVu", 7.5)
        canvas.setFillColor(colors.HexColor("#555"))
        stamp = date_format(timezone.localtime(), "DATETIME_FORMAT")
        canvas.drawString(15 * mm, 9 * mm, f"DG Network · {title} · {stamp}")
        canvas.drawRightString(size[0] - 15 * mm, 9 * mm, _("Page %(page)d") % {"page": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=f"{title} — {meeting.title}",
        author="DG Network",
    )
    story = [
        Paragraph(pdf_text(title), s["title"]),
        Paragraph(pdf_text(meeting.title), s["h2"]),
        Paragraph(pdf_text(meeting_heading(meeting)), s["sub"]),
        Spacer(0, 5 * mm),
        *flowables,
    ]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- Participants -------------------------------------------------------------------------------------------------


def participant_rows(meeting: Meeting) -> list[list[str]]:
    header = [_("Country"), _("Organisation"), _("Name"), _("Capacity"), _("Answer"), _("Attends"), _("Remarks")]
    rows = [header]
    invitations = in_reader_order(
        Invitation.objects.live().filter(meeting=meeting).select_related("person__organisation__country", "substitute"),
        "person__organisation__country__name",
        "person__organisation__name",
        "person__last_name",
    )
    for invitation in invitations:
        organisation = invitation.person.organisation
        rows.append(
            [
                str(organisation.country or "—"),
                str(organisation.name),
                invitation.person.full_name,
                str(invitation.get_capacity_display()),
                invitation.answer_label,
                str(invitation.get_mode_display()) if invitation.mode else "",
                invitation.remarks,
            ]
        )
    return rows


def participants_csv(meeting: Meeting) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in participant_rows(meeting):
        writer.writerow([spreadsheet_cell(c) for c in row])
    return out.getvalue()


def participants_pdf(meeting: Meeting) -> bytes:
    s = styles()
    rows = participant_rows(meeting)
    widths = [x * mm for x in (30, 55, 45, 22, 40, 22, 53)]
    return build_pdf(meeting, _("Participant list"), [table(rows, widths, s)], wide=True)


# --- Attendance register -----------------------------------------------------------------------------------------


def _register_key(attendance: Attendance) -> tuple:
    """Country (rows without one last), then the invitee's name, a delegation member right after the invitee they
    came with; names compared as ``network.lib.collation`` compares them, countries read in the active language."""
    country = attendance.organisation.country
    head = attendance.person or attendance.delegation_of
    return (
        country is None,
        sort_key(country),
        sort_key(head.last_name),
        sort_key(head.first_name),
        head.pk,
        attendance.is_delegate,
        sort_key(attendance.name),
    )


def attendance_rows(meeting: Meeting) -> list[list[str]]:
    """The register as the PDF lists it: a header, then ``[country, organisation, name, presence, note]`` per row,
    in the reader's order by country and name. A delegation member (no registry person) counts for the organisation
    of the invitee they came with, and the note says whose delegation (before the row's own note, if any)."""
    rows = [[_("Country"), _("Organisation"), _("Name"), _("Presence"), _("Note")]]
    register = Attendance.objects.filter(meeting=meeting).with_organisations().select_related("invitation")
    for attendance in sorted(register, key=_register_key):
        organisation = attendance.organisation
        if attendance.is_delegate:
            delegation = _("delegation of %(name)s") % {"name": attendance.delegation_of.full_name}
            note = f"{delegation}; {attendance.note}" if attendance.note else delegation
        else:
            note = attendance.note or ("" if attendance.invitation_id else _("without invitation"))
        rows.append(
            [
                str(organisation.country or "—"),
                str(organisation.name),
                attendance.who,
                str(attendance.get_presence_display()),
                note,
            ]
        )
    return rows


def attendance_pdf(meeting: Meeting) -> bytes:
    s = styles()
    rows = attendance_rows(meeting)
    present = Attendance.objects.filter(meeting=meeting).exclude(presence=Presence.ABSENT)
    # A delegation member counts for the country of the invitee they came with.
    countries = (
        present.annotate(country=Coalesce("person__organisation__country", "delegation_of__organisation__country"))
        .exclude(country=None)
        .values("country")
        .distinct()
    )
    totals = _("%(people)d present (%(in_person)d in person, %(online)d online) from %(countries)d countries") % {
        "people": present.count(),
        "in_person": present.filter(presence=Presence.IN_PERSON).count(),
        "online": present.filter(presence=Presence.ONLINE).count(),
        "countries": countries.count(),
    }
    widths = [x * mm for x in (28, 52, 45, 30, 25)]
    return build_pdf(
        meeting,
        _("Attendance register"),
        [Paragraph(pdf_text(totals), s["body"]), Spacer(0, 3 * mm), table(rows, widths, s)],
    )

"""Badges and table name cards (PDF), each badge with a QR code for check-in.

The QR code is drawn with reportlab's own ``reportlab.graphics.barcode.qr`` (reportlab is already the project's PDF
library, so no second dependency; vector output, sharp at any print size). It holds a signed token naming the
meeting and the badge's code (``token_for``); the code itself is printed under it to be typed when no camera works.
"""

from __future__ import annotations

import io
import secrets
import unicodedata

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas

from meetings.enums import Answer, AttendanceMode, Capacity
from meetings.exports import register_fonts
from meetings.models import Invitation, Meeting
from members.enums import OrganisationKind

from .enums import BadgeRole
from .models import Badge, Delegate, MeetingLogistics

SALT = "logistics.badge"
# No 0/O, 1/I/L: a code read aloud or typed from a badge is not mistaken.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def single_line_text(value) -> str:
    """``value`` on one line for ``drawString`` (which draws text literally, no markup): control characters and
    line breaks become spaces."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(value or ""))


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def token_for(badge: Badge) -> str:
    """What the badge's QR code holds: ``{"m": meeting id, "c": code}`` signed (salt ``logistics.badge``)."""
    return signing.dumps({"m": badge.meeting_id, "c": badge.code}, salt=SALT, compress=False)


def read_token(token: str) -> tuple[int, str]:
    """(meeting id, code) of a QR token; raises ``signing.BadSignature`` if it was not made here."""
    data = signing.loads(token, salt=SALT)
    return int(data["m"]), str(data["c"])


def badge_holders(meeting: Meeting):
    """The invitations that get a badge: standing, accepted, attending in person."""
    return (
        Invitation.objects.live()
        .filter(meeting=meeting, answer=Answer.ACCEPTED, mode=AttendanceMode.IN_PERSON)
        .select_related("person__organisation__country")
    )


def _role(invitation: Invitation) -> str:
    if invitation.person.organisation.kind == OrganisationKind.SECRETARIAT:
        return BadgeRole.SECRETARIAT
    return BadgeRole.OBSERVER if invitation.capacity == Capacity.OBSERVER else BadgeRole.MEMBER


def _create(meeting: Meeting, taken: set[str], **fields) -> Badge:
    for _attempt in range(20):
        code = new_code()
        if code in taken:
            continue
        try:
            with transaction.atomic():
                badge = Badge.objects.create(meeting=meeting, code=code, **fields)
        except IntegrityError:  # a code another process took at the same time
            continue
        taken.add(code)
        return badge
    raise RuntimeError("no free check-in code")  # 31^8 codes: not reached in practice


@transaction.atomic
def issue_badges(meeting: Meeting) -> int:
    """A badge for every invitee accepted in person (``badge_holders``) and every member of their delegations who
    has none yet; badges issued before keep their code (so printed ones stay valid). Returns how many were made."""
    taken = set(Badge.objects.filter(meeting=meeting).values_list("code", flat=True))
    have_invitation = set(
        Badge.objects.filter(meeting=meeting, for_delegate=False).values_list("invitation_id", flat=True)
    )
    have_delegate = set(
        Badge.objects.filter(meeting=meeting).exclude(delegate=None).values_list("delegate_id", flat=True)
    )
    made = 0
    holders = list(badge_holders(meeting))
    for invitation in holders:
        person, organisation = invitation.person, invitation.person.organisation
        common = {
            "organisation": organisation.name,
            "country_code": organisation.country.code if organisation.country_id else "",
            "role": _role(invitation),
        }
        if invitation.pk not in have_invitation:
            _create(meeting, taken, invitation=invitation, name=person.full_name, function=person.title, **common)
            made += 1
        for delegate in Delegate.objects.filter(registration__invitation=invitation).exclude(pk__in=have_delegate):
            _create(
                meeting,
                taken,
                invitation=invitation,
                delegate=delegate,
                for_delegate=True,
                name=delegate.name,
                function=delegate.function,
                **common,
            )
            made += 1
    return made


# --- The PDFs -----------------------------------------------------------------------------------------------------

BADGE_W, BADGE_H = 90 * mm, 60 * mm
ROLE_COLOURS = {
    BadgeRole.MEMBER: colors.HexColor("#003399"),
    BadgeRole.OBSERVER: colors.HexColor("#2e7d32"),
    BadgeRole.SECRETARIAT: colors.HexColor("#b26a00"),
}


def _fit(canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to ``size`` (down to 6 points) at which ``text`` fits ``width``."""
    while size > 6 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _cut(canvas, text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis until it fits ``width`` at ``size``."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _qr(canvas, value: str, x: float, y: float, side: float) -> None:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _badge(canvas, badge: Badge, x: float, y: float, meeting_title: str) -> None:
    canvas.setStrokeColor(colors.HexColor("#999"))
    canvas.setLineWidth(0.3)
    canvas.rect(x, y, BADGE_W, BADGE_H)
    band = ROLE_COLOURS.get(badge.role, colors.black)
    canvas.setFillColor(band)
    canvas.rect(x, y, BADGE_W, 9 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("DejaVu-Bold", 10)
    canvas.drawString(x + 4 * mm, y + 3.2 * mm, single_line_text(str(BadgeRole(badge.role).label)).upper())
    if badge.country_code:
        canvas.drawRightString(x + BADGE_W - 4 * mm, y + 3.2 * mm, badge.country_code)
    canvas.setFillColor(colors.HexColor("#444"))
    canvas.setFont("DejaVu", 7.5)
    canvas.drawString(x + 4 * mm, y + BADGE_H - 6 * mm, single_line_text(meeting_title)[:70])
    text_w = BADGE_W - 37 * mm  # left of the QR code
    name = single_line_text(badge.name)
    canvas.setFillColor(colors.black)
    size = _fit(canvas, name, "DejaVu-Bold", 15, text_w)
    canvas.setFont("DejaVu-Bold", size)
    canvas.drawString(x + 4 * mm, y + 38 * mm, _cut(canvas, name, "DejaVu-Bold", size, text_w))
    for line, text in enumerate((badge.function, badge.organisation)):
        text = single_line_text(text)
        size = _fit(canvas, text, "DejaVu", 8.5, text_w)
        canvas.setFont("DejaVu", size)
        canvas.drawString(x + 4 * mm, y + (31 - 5 * line) * mm, _cut(canvas, text, "DejaVu", size, text_w))
    _qr(canvas, token_for(badge), x + BADGE_W - 31 * mm, y + 15 * mm, 28 * mm)
    canvas.setFont("DejaVu", 8)
    canvas.drawCentredString(x + BADGE_W - 17 * mm, y + 11.5 * mm, f"{badge.code[:4]} {badge.code[4:]}")


def badges_of(meeting: Meeting):
    return Badge.objects.filter(meeting=meeting).order_by("country_code", "name")


def badges_pdf(meeting: Meeting, *, language: str | None = None) -> bytes:
    """Badges of ``meeting`` on A4 sheets, 2 × 4 per page, cut marks by their frames; texts in ``language`` (the
    logistics' badge language by default)."""
    register_fonts()
    language = language or _badge_language(meeting)
    buffer = io.BytesIO()
    canvas = pdfcanvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    with translation.override(language):
        canvas.setTitle(f"{_('Badges')} — {meeting.title}")
        canvas.setAuthor("DG Network")
        left, top = (A4[0] - 2 * BADGE_W) / 2, A4[1] - 18 * mm
        title = str(meeting.title)
        badges = list(badges_of(meeting))
        for index, badge in enumerate(badges):
            slot = index % 8
            if index and slot == 0:
                canvas.showPage()
            col, row = slot % 2, slot // 2
            _badge(canvas, badge, left + col * BADGE_W, top - (row + 1) * BADGE_H, title)
        if not badges:
            canvas.setFont("DejaVu", 11)
            canvas.drawString(20 * mm, A4[1] - 30 * mm, _("No badges yet: issue them first."))
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def name_cards_pdf(meeting: Meeting, *, language: str | None = None) -> bytes:
    """Table name cards: one A4 landscape page each, folded along the middle; the name and the country on both
    halves (the upper one upside down, read from across the table)."""
    register_fonts()
    language = language or _badge_language(meeting)
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = pdfcanvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    with translation.override(language):
        canvas.setTitle(f"{_('Name cards')} — {meeting.title}")
        for badge in badges_of(meeting).filter(for_delegate=False):
            name = single_line_text(badge.name)
            below = single_line_text(" · ".join(p for p in (badge.country_code, badge.organisation) if p))
            for upside_down in (False, True):
                canvas.saveState()
                if upside_down:
                    canvas.translate(width, height)
                    canvas.rotate(180)
                size = _fit(canvas, name, "DejaVu-Bold", 54, width - 30 * mm)
                canvas.setFont("DejaVu-Bold", size)
                canvas.drawCentredString(width / 2, height / 4, name)
                canvas.setFont("DejaVu", 20)
                canvas.drawCentredString(width / 2, height / 4 - 16 * mm, below)
                canvas.restoreState()
            canvas.setDash(3, 3)
            canvas.line(10 * mm, height / 2, width - 10 * mm, height / 2)
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _badge_language(meeting: Meeting) -> str:
    logistics = MeetingLogistics.objects.filter(meeting=meeting).first()
    return logistics.badge_language if logistics else "en"

"""The meeting report (PDF) in the reader's language: agenda, attendance, conclusions with their actions, lessons."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from meetings import exports, services
from meetings.enums import Presence
from meetings.models import Meeting
from network.lib.collation import sort_key
from network.lib.neutralise import pdf_text

from . import visibility
from .models import Position


def positions_line(conclusion) -> str:
    """The countries' positions on ``conclusion`` in one line of the active language ("Positions: BE support, FR
    scrutiny reservation"), or "" when none was recorded. Uses ``conclusion.positions`` (prefetch it for many)."""
    positions = sorted(conclusion.positions.all(), key=lambda p: p.country.code)
    if not positions:
        return ""
    listed = ", ".join(f"{p.country.code} {p.get_position_display().lower()}" for p in positions)
    return _("Positions: %(positions)s") % {"positions": listed}


def meeting_report_pdf(meeting: Meeting, *, reader: visibility.Reader) -> bytes:
    """The report of a meeting ``reader`` may open (the caller checks), with the conclusions, actions and lessons
    ``visibility`` lets the reader see."""
    s = exports.styles()
    story: list = []
    if meeting.summary:
        story += [Paragraph(pdf_text(meeting.summary, line_breaks=True), s["body"]), Spacer(0, 3 * mm)]

    story.append(Paragraph(pdf_text(_("Agenda")), s["h2"]))
    rows = [[_("Time"), _("Item"), _("Presenter")]]
    for entry in services.planned_agenda(meeting):
        indent = "    " if entry.depth else ""
        rows.append(
            [f"{entry.starts_at:%H:%M}", f"{indent}{entry.number}. {entry.item.title}", entry.item.presenter_label]
        )
    story.append(
        exports.table(rows, [18 * mm, 110 * mm, 52 * mm], s)
        if len(rows) > 1
        else Paragraph(pdf_text(_("No agenda.")), s["body"])
    )

    story.append(Paragraph(pdf_text(_("Attendance")), s["h2"]))
    # A delegation member (no registry person) counts for the organisation of the invitee they came with. By
    # country (none last) and organisation, in the reader's order.
    present = sorted(
        meeting.attendances.exclude(presence=Presence.ABSENT).with_organisations(),
        key=lambda a: (
            a.organisation.country is None,
            sort_key(a.organisation.country),
            sort_key(a.organisation.name),
            a.pk,
        ),
    )
    rows = [[_("Country"), _("Organisation"), _("Presence")]]
    seen = set()
    for attendance in present:
        organisation = attendance.organisation
        key = (organisation.pk, attendance.presence)
        if key in seen:
            continue
        seen.add(key)
        rows.append([str(organisation.country or "—"), str(organisation.name), str(attendance.get_presence_display())])
    story.append(
        exports.table(rows, [35 * mm, 105 * mm, 40 * mm], s)
        if len(rows) > 1
        else Paragraph(pdf_text(_("Attendance not recorded.")), s["body"])
    )

    story.append(Paragraph(pdf_text(_("Conclusions and actions")), s["h2"]))
    conclusions = list(
        visibility.conclusions(reader)
        .filter(meeting=meeting)
        .prefetch_related(Prefetch("positions", queryset=Position.objects.select_related("country")))
        .order_by("number")
    )
    if not conclusions:
        story.append(Paragraph(pdf_text(_("No conclusions recorded.")), s["body"]))
    for conclusion in conclusions:
        story.append(Paragraph(f"<b>{pdf_text(conclusion.number)}.</b> {pdf_text(conclusion.text)}", s["body"]))
        if positions := positions_line(conclusion):
            story.append(Paragraph(f"&nbsp;&nbsp;{pdf_text(positions)}", s["body"]))
        for action in (
            visibility.actions(reader)
            .filter(conclusion=conclusion)
            .select_related("owner_country", "owner_organisation")
        ):
            line = _("Action: %(title)s — %(owner)s, due %(due)s (%(status)s)") % {
                "title": action.title,
                "owner": action.owner_label,
                "due": action.due_date.isoformat(),
                "status": action.get_status_display(),
            }
            story.append(Paragraph(f"&nbsp;&nbsp;• {pdf_text(line)}", s["body"]))
        story.append(Spacer(0, 2 * mm))

    story.append(Paragraph(pdf_text(_("Lessons learned")), s["h2"]))
    lessons = visibility.lessons(reader).filter(meeting=meeting).select_related("country")
    if not lessons:
        story.append(Paragraph(pdf_text(_("No lessons shared at this meeting.")), s["body"]))
    for lesson in lessons:
        story.append(Paragraph(f"<b>{pdf_text(lesson.shown_title)}</b> ({pdf_text(lesson.country)})", s["body"]))
        story.append(Paragraph(pdf_text(lesson.shown_text, line_breaks=True), s["body"]))
        story.append(Spacer(0, 2 * mm))
    return exports.build_pdf(meeting, _("Meeting report"), story)

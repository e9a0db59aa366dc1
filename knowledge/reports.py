"""The meeting report (PDF) in the reader's language: agenda, attendance, conclusions with their actions, lessons."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from meetings import exports, services
from meetings.enums import Presence
from meetings.models import Meeting

from . import services as knowledge
from .models import Action


def meeting_report_pdf(meeting: Meeting, *, user, person) -> bytes:
    s = exports.styles()
    story: list = []
    if meeting.summary:
        story += [Paragraph(escape(str(meeting.summary)), s["body"]), Spacer(0, 3 * mm)]

    story.append(Paragraph(_("Agenda"), s["h2"]))
    rows = [[_("Time"), _("Item"), _("Presenter")]]
    for entry in services.planned_agenda(meeting):
        indent = "    " if entry.depth else ""
        rows.append(
            [f"{entry.starts_at:%H:%M}", f"{indent}{entry.number}. {entry.item.title}", entry.item.presenter_label]
        )
    story.append(
        exports.table(rows, [18 * mm, 110 * mm, 52 * mm], s) if len(rows) > 1 else Paragraph(_("No agenda."), s["body"])
    )

    story.append(Paragraph(_("Attendance"), s["h2"]))
    present = meeting.attendances.exclude(presence=Presence.ABSENT).select_related("person__organisation__country")
    rows = [[_("Country"), _("Organisation"), _("Presence")]]
    seen = set()
    for attendance in present.order_by("person__organisation__country__code"):
        organisation = attendance.person.organisation
        key = (organisation.pk, attendance.presence)
        if key in seen:
            continue
        seen.add(key)
        rows.append([str(organisation.country or "—"), str(organisation.name), str(attendance.get_presence_display())])
    story.append(
        exports.table(rows, [35 * mm, 105 * mm, 40 * mm], s)
        if len(rows) > 1
        else Paragraph(_("Attendance not recorded."), s["body"])
    )

    story.append(Paragraph(_("Conclusions and actions"), s["h2"]))
    conclusions = list(meeting.conclusions.order_by("number"))
    if not conclusions:
        story.append(Paragraph(_("No conclusions recorded."), s["body"]))
    for conclusion in conclusions:
        story.append(Paragraph(f"<b>{conclusion.number}.</b> {escape(str(conclusion.text))}", s["body"]))
        for action in Action.objects.filter(conclusion=conclusion).select_related(
            "owner_country", "owner_organisation"
        ):
            line = _("Action: %(title)s — %(owner)s, due %(due)s (%(status)s)") % {
                "title": action.title,
                "owner": action.owner_label,
                "due": action.due_date.isoformat(),
                "status": action.get_status_display(),
            }
            story.append(Paragraph("&nbsp;&nbsp;• " + escape(line), s["body"]))
        story.append(Spacer(0, 2 * mm))

    story.append(Paragraph(_("Lessons learned"), s["h2"]))
    lessons = knowledge.visible_lessons(user, person).filter(meeting=meeting).select_related("country")
    if not lessons:
        story.append(Paragraph(_("No lessons shared at this meeting."), s["body"]))
    for lesson in lessons:
        story.append(Paragraph(f"<b>{escape(lesson.shown_title)}</b> ({escape(str(lesson.country))})", s["body"]))
        story.append(Paragraph(escape(lesson.shown_text).replace("\n", "<br/>"), s["body"]))
        story.append(Spacer(0, 2 * mm))
    return exports.build_pdf(meeting, _("Meeting report"), story)

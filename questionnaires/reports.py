"""A questionnaire's results as a PDF summary in a chosen language, drawn with reportlab like the meetings' lists.

Question texts and choices are in the chosen language (modeltranslation, falling back to English); the countries'
answers stay in the language each was written in, which is shown beside it. Every text goes through ``pdf_text``."""

from __future__ import annotations

import io

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from meetings import exports
from network.lib.neutralise import pdf_text

from . import services
from .enums import QuestionKind
from .models import Questionnaire


def summary_pdf(questionnaire: Questionnaire, *, language: str) -> bytes:
    """The summary of ``questionnaire``'s submitted answers in ``language`` (a code of ``LANGUAGES``); the caller
    checks who may read it."""
    with translation.override(language):
        s = exports.styles()
        table = services.results(questionnaire)
        answered = [(c, a, cells) for c, a, cells in table.rows if a]
        story: list = [
            Paragraph(pdf_text(questionnaire.title), s["title"]),
            Paragraph(
                pdf_text(
                    _("%(answered)d of %(asked)d countries answered; deadline %(deadline)s.")
                    % {
                        "answered": len(answered),
                        "asked": len(table.rows),
                        "deadline": date_format(timezone.localtime(questionnaire.deadline), "DATETIME_FORMAT"),
                    }
                ),
                s["sub"],
            ),
            Spacer(0, 4 * mm),
        ]
        for number, question in enumerate(table.questions, start=1):
            story.append(Paragraph(pdf_text(f"{number}. {question.text}"), s["h2"]))
            figures = table.charts.get(question.pk)
            if question.kind == QuestionKind.NUMBER and figures:
                total = sum(v for _label, v in figures)
                story.append(
                    Paragraph(
                        pdf_text(
                            _("Total: %(total)s %(unit)s (%(n)d countries)")
                            % {"total": f"{total:,.0f}", "unit": question.unit, "n": len(figures)}
                        ),
                        s["body"],
                    )
                )
            elif question.is_choice and figures:
                rows = [[_("Answer"), _("Countries")]] + [[label, str(count)] for label, count in figures]
                story.append(exports.table(rows, [120 * mm, 30 * mm], s))
                continue
            rows = [[_("Country"), _("Answer")]]
            index = table.questions.index(question)
            for country, answer, cells in answered:
                if cells[index]:
                    rows.append([f"{country.name} ({answer.language})", cells[index]])
            if len(rows) > 1:
                story.append(exports.table(rows, [45 * mm, 135 * mm], s))
        buffer = io.BytesIO()
        SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=16 * mm,
            title=questionnaire.title,
            author="DG Network",
        ).build(story)
        return buffer.getvalue()

"""Questionnaires to the member centres: the questionnaire and its questions (in the four languages), each country's
answer (drafted by anyone holding the seat, submitted by one, revisable until the deadline) and every submitted
version of it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import Language
from network.lib.zones import validate_time_zone

from .enums import AnswerStatus, QuestionKind, QuestionnaireStatus, ResultsVisibility


class Questionnaire(models.Model):
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Brussels", validators=[validate_time_zone]
    )
    countries = models.ManyToManyField(
        "members.Country",
        verbose_name=_("countries asked"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to ask every member country."),
    )
    visibility = models.CharField(
        _("results visible to"), max_length=20, choices=ResultsVisibility.choices, default=ResultsVisibility.MEMBERS
    )
    reminder_days = models.JSONField(
        _("reminders (days before the deadline)"),
        default=list,
        blank=True,
        help_text=_("For example [7, 2]: the countries that have not submitted are reminded then."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questionnaires",
    )
    lesson = models.ForeignKey(
        "knowledge.LessonLearned",
        verbose_name=_("lesson learned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questionnaires",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-deadline", "-pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.reminder_days and self._state.adding:
            self.reminder_days = [7, 2]
        super().save(*args, **kwargs)

    def clean(self):
        days = self.reminder_days
        if not isinstance(days, list) or not all(isinstance(d, int) and 0 < d <= 365 for d in days):
            raise ValidationError(
                {"reminder_days": _("Give the reminder days as a list of whole days before the deadline, e.g. [7, 2].")}
            )


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("For a number: persons, beds, …"))
    options = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For a choice question: one choice a line, in the same order in every language."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    def option_list(self) -> list[str]:
        """The choices in the active language (falling back to English), one a line."""
        return [line.strip() for line in (self.options or self.options_en or "").splitlines() if line.strip()]

    @property
    def is_choice(self) -> bool:
        return self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.YES_NO)


class CountryAnswer(models.Model):
    """A country's answer to a questionnaire: ``values`` maps a question's id (as a string) to its value (text,
    number, choice indexes, ISO date, or an attachment's uid); ``language`` is what the answer is written in."""

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="answers"
    )
    country = models.ForeignKey(
        "members.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT)
    language = models.CharField(_("written in"), max_length=2, choices=Language.choices, default=Language.EN)
    values = models.JSONField(_("answers"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        "members.Person", verbose_name=_("updated by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "members.Person",
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("country's answer")
        verbose_name_plural = _("countries' answers")
        ordering = ["questionnaire", "country__code"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "country"], name="questionnaires_one_answer_per_country")
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} · {self.country_id}"


class AnswerVersion(models.Model):
    """Each submitted version of a country's answer, kept."""

    answer = models.ForeignKey(
        CountryAnswer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("written in"), max_length=2, choices=Language.choices)
    values = models.JSONField(_("answers"))
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        "members.Person", verbose_name=_("submitted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("version of an answer")
        verbose_name_plural = _("versions of answers")
        ordering = ["answer", "number"]
        constraints = [models.UniqueConstraint(fields=["answer", "number"], name="questionnaires_version_once")]

    def __str__(self) -> str:
        return f"{self.answer} · {self.number}"


def answer_file_path(instance, filename: str) -> str:
    return f"questionnaires/{instance.uid}/{filename}"


class AnswerFile(models.Model):
    """A file given as an answer (checked as meeting documents are); served only to those who may read results."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    answer = models.ForeignKey(CountryAnswer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="files")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("file"), upload_to=answer_file_path)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("file of an answer")
        verbose_name_plural = _("files of answers")

    def __str__(self) -> str:
        return self.name

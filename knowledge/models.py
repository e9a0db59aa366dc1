"""What the network learns and decides: lessons learned, conclusions, actions and their follow-up, minutes, and
the public summary of each meeting."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from members.enums import Participation
from network.lib.neutralise import single_line
from network.lib.richtext import safe_html, sanitize


class Phase(models.TextChoices):
    PREPAREDNESS = "preparedness", _("Preparedness")
    RESPONSE = "response", _("Response")
    RECOVERY = "recovery", _("Recovery")


class LessonStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHARED = "shared", _("Shared with the network")
    PUBLISHED = "published", _("Published")


TEXT_LIMIT = 20000


class LessonLearned(models.Model):
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), validators=[MaxLengthValidator(TEXT_LIMIT)])
    original_language = models.CharField(_("written in"), max_length=2, choices=settings.LANGUAGES, default="en")
    country = models.ForeignKey(
        "members.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="lessons"
    )
    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lessons",
    )
    crisis = models.ForeignKey(
        "meetings.Crisis",
        verbose_name=_("crisis"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lessons",
    )
    themes = models.ManyToManyField("meetings.Theme", verbose_name=_("themes"), blank=True, related_name="lessons")
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("shared at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lessons",
        help_text=_("Optional: lessons can be submitted between meetings."),
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.RESPONSE)
    status = models.CharField(_("status"), max_length=20, choices=LessonStatus.choices, default=LessonStatus.DRAFT)
    author = models.ForeignKey(
        "members.Person",
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
    )
    # Full-text search over the four languages (PostgreSQL); kept up to date by knowledge.services.index_lesson.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "meetings_lessonlearned"  # moved from the meetings app with its table
        verbose_name = _("lesson learned")
        verbose_name_plural = _("lessons learned")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.shown_title

    def in_language(self, field: str, language: str | None = None) -> str:
        """The field in the reader's language, else in the language it was written in, else in English."""
        for code in (language or get_language() or "en", self.original_language, "en"):
            value = getattr(self, f"{field}_{code}", None)
            if value:
                return value
        return ""

    @property
    def shown_title(self) -> str:
        return self.in_language("title")

    @property
    def shown_text(self) -> str:
        return self.in_language("text")

    @property
    def is_draft(self) -> bool:
        return self.status == LessonStatus.DRAFT


class LessonComment(models.Model):
    lesson = models.ForeignKey(
        LessonLearned, verbose_name=_("lesson learned"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        "members.Person", verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("comment"), validators=[MaxLengthValidator(4000)])
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        db_table = "meetings_lessoncomment"  # moved from the meetings app with its table
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


def attachment_path(instance, filename: str) -> str:
    return f"lessons/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class LessonAttachment(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lesson = models.ForeignKey(
        LessonLearned, verbose_name=_("lesson learned"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(_("type"), max_length=120, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0, editable=False)

    class Meta:
        db_table = "meetings_lessonattachment"  # moved from the meetings app with its table
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class Conclusion(models.Model):
    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="conclusions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"), validators=[MaxLengthValidator(4000)])
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem",
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conclusions",
    )
    themes = models.ManyToManyField("meetings.Theme", verbose_name=_("themes"), blank=True, related_name="conclusions")
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("May appear in the public summary of the meeting.")
    )

    class Meta:
        db_table = "meetings_conclusion"  # moved from the meetings app with its table
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="meetings_conclusion_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Action(models.Model):
    conclusion = models.ForeignKey(
        Conclusion, verbose_name=_("conclusion"), on_delete=models.PROTECT, related_name="actions"
    )
    title = models.CharField(_("what is to be done"), max_length=300, validators=[single_line])  # mail subjects
    owner_country = models.ForeignKey(
        "members.Country",
        verbose_name=_("owner: country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
    )
    owner_organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("owner: organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
    )
    owner_secretariat = models.BooleanField(_("owner: the secretariat"), default=False)
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)

    objects = ActionQuerySet.as_manager()

    class Meta:
        db_table = "meetings_action"  # moved from the meetings app with its table
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        if self.owner_secretariat:
            return str(_("the secretariat"))
        return str(self.owner_organisation or self.owner_country or "—")

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_date < timezone.localdate()

    def clean(self):
        owners = [bool(self.owner_country_id), bool(self.owner_organisation_id), self.owner_secretariat]
        if sum(owners) != 1:
            raise ValidationError(_("Give exactly one owner: a country, an organisation or the secretariat."))
        if self.owner_country_id and self.owner_country.participation == Participation.FORMER:
            raise ValidationError({"owner_country": _("This country is no longer in the network.")})
        if self.owner_organisation_id and not self.owner_organisation.is_active:
            raise ValidationError({"owner_organisation": _("This organisation is no longer in the network.")})


class ActionUpdate(models.Model):
    """Each change of an action's status, with who made it, when, and a short progress note."""

    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices)
    note = models.CharField(_("progress note"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        db_table = "meetings_actionupdate"  # moved from the meetings app with its table
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.note[:40]}"


def _sanitize_translations(instance: models.Model, field: str) -> None:
    """Clean each language's copy of a rich-text ``field`` (``network.lib.richtext.sanitize``) before a save."""
    for code, _name in settings.LANGUAGES:
        name = f"{field}_{code}"
        value = getattr(instance, name, None)
        if value:
            setattr(instance, name, sanitize(value))


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Minutes(models.Model):
    meeting = models.OneToOneField(
        "meetings.Meeting", verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    text = models.TextField(
        pgettext_lazy("meeting record", "minutes"),
        blank=True,
        help_text=_("Rich text; scripts and unsafe markup are removed."),
    )
    status = models.CharField(_("status"), max_length=20, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    approved_at = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("approved at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The meeting that approved these minutes (usually the next one)."),
    )

    class Meta:
        db_table = "meetings_minutes"  # moved from the meetings app with its table
        # "minutes" is also a duration's unit: the context keeps the two apart in every catalogue.
        verbose_name = pgettext_lazy("meeting record", "minutes")
        verbose_name_plural = pgettext_lazy("meeting records", "minutes")

    def __str__(self) -> str:
        return str(self.meeting)

    def save(self, *args, **kwargs):
        _sanitize_translations(self, "text")
        super().save(*args, **kwargs)

    @property
    def text_html(self) -> SafeString:
        """The minutes in the active language, clean, for a template."""
        return safe_html(self.text)


class NewsStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class NewsQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=NewsStatus.PUBLISHED, published_at__lte=timezone.now())


class NewsItem(models.Model):
    """The public summary of a meeting, as the Belgian crisis centre published after 29 March 2022."""

    meeting = models.OneToOneField(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="news",
    )
    slug = models.SlugField(_("address"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=250, validators=[single_line])  # the feed's item titles
    body = models.TextField(_("text"), help_text=_("Rich text; scripts and unsafe markup are removed."))
    status = models.CharField(_("status"), max_length=20, choices=NewsStatus.choices, default=NewsStatus.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = NewsQuerySet.as_manager()

    class Meta:
        db_table = "meetings_newsitem"  # moved from the meetings app with its table
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        _sanitize_translations(self, "body")
        super().save(*args, **kwargs)

    @property
    def body_html(self) -> SafeString:
        """The summary in the active language, clean, for a template or the feed."""
        return safe_html(self.body)

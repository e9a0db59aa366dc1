"""The outbox: every email is first a row here, written in the transaction of the change that caused it.

The table kept its name from when the outbox lived in ``meetings`` (``db_table``). The foreign keys to a meeting, an
invitation and a person are string references: the outbox imports no other app."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    UPDATE = "update", _("Update")
    CANCELLATION = "cancellation", _("Cancellation")
    ANSWER_REMINDER = "answer_reminder", _("Reminder to answer")
    MEETING_REMINDER = "meeting_reminder", _("Reminder before the meeting")
    CONFIRMATION = "confirmation", _("Confirmation of an answer")
    ACTION_REMINDER = "action_reminder", _("Reminder of an action")
    ACCOUNT = "account", _("Account")
    ALERT = "alert", _("Alert")
    PROCEDURE = "procedure", _("Written procedure")
    POLL_REMINDER = "poll_reminder", _("Reminder to answer a date poll")
    SAVE_THE_DATE = "save_the_date", _("Save the date")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    QUESTIONNAIRE_REMINDER = "questionnaire_reminder", _("Reminder to answer a questionnaire")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingMessage(models.Model):
    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_("What the message is for; the same message is never made twice."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MessageKind.choices)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    invitation = models.ForeignKey(
        "meetings.Invitation",
        verbose_name=_("invitation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    to = models.EmailField(_("to"))
    cc = models.JSONField(_("copy to"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=5)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(
        _("attachments"), default=list, blank=True, help_text=_("[{filename, content_type, content, method}]")
    )
    message_id = models.CharField(_("Message-ID"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Sent ahead of every other queued message (an alert).")
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sending_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    bodies_purged_at = models.DateTimeField(_("bodies deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        db_table = "meetings_outgoingmessage"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="meetings_ou_status_982200_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}"


def error_text(error: Exception) -> str:
    """How an error is written on a row (``last_error``): its type and message, at most 2,000 characters."""
    return f"{type(error).__name__}: {error}"[:2000]

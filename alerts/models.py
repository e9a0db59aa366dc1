"""Alerts to the member centres' 24/7 contact points: the alert, its state per country and each message sent.

An alert is written in its sender's language (``language``); the other languages are optional (modeltranslation).
Each member country gets one ``AlertCountry`` row (what the board shows) and one ``AlertRecipient`` row per address
the alert was sent to at each step; a recipient's outbox row says whether the SMTP server accepted the message."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import Language
from network.lib.zones import validate_time_zone

from .enums import AlertStatus, CallOutcome, Step


class Alert(models.Model):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    request = models.TextField(_("what is asked"), blank=True)
    handling_note = models.CharField(
        _("handling note"), max_length=200, blank=True, help_text=_("For example: not for public release.")
    )
    language = models.CharField(
        _("written in"),
        max_length=2,
        choices=Language.choices,
        default=Language.EN,
        help_text=_("The language the sender wrote in; the other languages are optional."),
    )
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        validators=[validate_time_zone],
        help_text=_("The zone the acknowledge-by time was given in."),
    )
    escalation_minutes = models.PositiveIntegerField(
        _("escalation delay (minutes)"),
        default=15,
        help_text=_("A country that has not acknowledged after this delay is sent the alert again, higher up."),
    )
    is_test = models.BooleanField(_("test"), default=False, help_text=_("A check of the communication lines."))
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class AlertCountry(models.Model):
    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="countries")
    country = models.ForeignKey(
        "members.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "members.Organisation", verbose_name=_("centre"), on_delete=models.PROTECT, related_name="+"
    )
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices, default=Step.FIRST)
    step_at = models.DateTimeField(_("step since"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=200, blank=True)
    acknowledged_via = models.CharField(_("acknowledged via"), max_length=20, blank=True)
    call_outcome = models.CharField(_("call"), max_length=20, choices=CallOutcome.choices, blank=True)
    call_note = models.CharField(_("call note"), max_length=300, blank=True)
    called_at = models.DateTimeField(_("called"), null=True, blank=True)

    class Meta:
        verbose_name = _("country of an alert")
        verbose_name_plural = _("countries of an alert")
        ordering = ["country__code"]
        constraints = [models.UniqueConstraint(fields=["alert", "country"], name="alerts_one_row_per_country")]
        indexes = [models.Index(fields=["acknowledged_at", "step", "step_at"])]

    def __str__(self) -> str:
        return f"{self.alert} · {self.country_id}"


class AlertRecipient(models.Model):
    target = models.ForeignKey(
        AlertCountry, verbose_name=_("country of an alert"), on_delete=models.CASCADE, related_name="recipients"
    )
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    person = models.ForeignKey(
        "members.Person", verbose_name=_("person"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.EmailField(_("address"))
    message = models.ForeignKey(
        "outbox.OutgoingMessage",
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recipient of an alert")
        verbose_name_plural = _("recipients of an alert")
        ordering = ["target", "step", "address"]
        constraints = [
            models.UniqueConstraint(fields=["target", "step", "address"], name="alerts_one_message_per_step")
        ]

    def __str__(self) -> str:
        return self.address

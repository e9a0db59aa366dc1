"""The registry of the network: countries, organisations, people, their mandates, and the Council Presidencies.

Nothing here is hard-deleted: people and organisations are deactivated, mandates end, and every change is kept
by django-simple-history (registered in ``translation.py``, after the translated fields exist).
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.lib.neutralise import single_line
from network.lib.zones import validate_time_zone

from .enums import Language, OrganisationKind, Participation, Role
from .iso3166 import ALPHA_2

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{6,30}$",
    _("Enter a phone number of digits, spaces and + ( ) . / - only, e.g. +32 2 506 47 11."),
)


def validate_iso_code(value: str) -> None:
    if value.upper() not in ALPHA_2:
        raise ValidationError(
            _("“%(code)s” is not an ISO 3166-1 alpha-2 country code."), code="iso_code", params={"code": value}
        )


# --- Accounts --------------------------------------------------------------------------------------------------


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. People of the network get one when the secretariat opens their portal account."""

    email = models.EmailField(_("email address"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("secretariat staff"), default=False, help_text=_("Can log into the administration.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user account")
        verbose_name_plural = _("user accounts")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="members_user_email_ci_unique",
                violation_error_message=_("An account with this email address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.email


# --- Countries and organisations -------------------------------------------------------------------------------


class Country(models.Model):
    code = models.CharField(
        _("ISO code"), max_length=2, unique=True, validators=[validate_iso_code], help_text=_("ISO 3166-1 alpha-2")
    )
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    is_eu_member = models.BooleanField(_("EU member state"), default=True)
    participation = models.CharField(
        _("participation"), max_length=20, choices=Participation.choices, default=Participation.MEMBER
    )

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.code = self.code.upper()
        super().save(*args, **kwargs)


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("Leave empty for EU institutions and bodies."),
    )
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    acronym = models.CharField(_("acronym"), max_length=30, blank=True, validators=[single_line])
    phone_24_7 = models.CharField(_("24/7 phone"), max_length=40, blank=True, validators=[phone_validator])
    mailbox_24_7 = models.EmailField(_("24/7 functional mailbox"), blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["country__code", "name"]
        indexes = [models.Index(fields=["kind", "is_active"])]

    def __str__(self) -> str:
        prefix = f"{self.country.code} · " if self.country_id else ""
        return f"{prefix}{self.acronym or self.name}"

    def clean(self):
        if self.kind == OrganisationKind.CRISIS_CENTRE and not self.country_id:
            raise ValidationError({"country": _("A national crisis centre belongs to a country.")})
        if self.kind == OrganisationKind.EU_BODY and self.country_id:
            raise ValidationError({"country": _("An EU institution or body has no country.")})


# --- People and mandates ---------------------------------------------------------------------------------------


class PersonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Person(models.Model):
    first_name = models.CharField(_("first name"), max_length=100, validators=[single_line])
    last_name = models.CharField(_("last name"), max_length=100, validators=[single_line])
    title = models.CharField(
        _("title"),
        max_length=150,
        blank=True,
        validators=[single_line],
        help_text=_("Job title, e.g. Director-General."),
    )
    email = models.EmailField(_("email address"))
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[phone_validator])
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="people"
    )
    user = models.OneToOneField(
        "members.User",
        verbose_name=_("portal account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        validators=[validate_time_zone],
        help_text=_("Meeting times are also shown in this zone when it differs from the meeting's."),
    )
    calendar_token = models.CharField(
        _("calendar feed key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    wants_reminders = models.BooleanField(
        _("reminders"),
        default=True,
        help_text=_("Reminders before deadlines and meetings (invitations always go out)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="members_person_email_ci_unique",
                violation_error_message=_("A person with this email address is already in the registry."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def ensure_calendar_token(self, *, reset: bool = False) -> str:
        """The secret in the person's calendar feed URL; ``reset`` makes a new one (the old URL stops working)."""
        if reset or not self.calendar_token:
            self.calendar_token = secrets.token_urlsafe(32)
            self.save(update_fields=["calendar_token"])
        return self.calendar_token

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def country(self) -> Country | None:
        return self.organisation.country


class MandateQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        return self.filter(start_date__lte=day).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=day))

    def current(self):
        return self.active_on(timezone.localdate())

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        qs = self.filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=start))
        if end is not None:
            qs = qs.filter(start_date__lte=end)
        return qs


class Mandate(models.Model):
    """A person's role in the network between two dates (the end date is the last day in office)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="mandates")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="mandates"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    acting = models.BooleanField(_("acting"), default=False, help_text=_("Only for an acting director-general."))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True, help_text=_("Last day in office; empty while open."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["organisation__country__code", "role", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="members_mandate_ends_after_start",
                violation_error_message=_("A mandate cannot end before it starts."),
            )
        ]
        indexes = [models.Index(fields=["role", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.organisation}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def clean(self):
        errors: dict[str, list] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors.setdefault("end_date", []).append(_("A mandate cannot end before it starts."))
        if self.acting and self.role != Role.DIRECTOR_GENERAL:
            errors.setdefault("acting", []).append(_("Only a director-general can be acting."))
        if errors:
            raise ValidationError(errors)
        if self.role == Role.DIRECTOR_GENERAL and not self.acting and self.start_date and self.organisation_id:
            clash = (
                Mandate.objects.filter(organisation_id=self.organisation_id, role=Role.DIRECTOR_GENERAL, acting=False)
                .exclude(pk=self.pk)
                .overlapping(self.start_date, self.end_date)
                .select_related("person")
                .first()
            )
            if clash:
                params = {
                    "organisation": self.organisation,
                    "person": clash.person,
                    "start": clash.start_date.isoformat(),
                    "end": clash.end_date.isoformat() if clash.end_date else "",
                }
                if clash.end_date:
                    message = _(
                        "%(organisation)s already has a director-general in that period: %(person)s, from "
                        "%(start)s to %(end)s. End that mandate first, or mark this one as acting."
                    )
                else:
                    message = _(
                        "%(organisation)s already has a director-general in that period: %(person)s, since "
                        "%(start)s. End that mandate first, or mark this one as acting."
                    )
                raise ValidationError(message, code="overlapping_director_general", params=params)


# --- Council Presidency ----------------------------------------------------------------------------------------


class PresidencyQuerySet(models.QuerySet):
    def on(self, day: datetime.date):
        return self.filter(start_date__lte=day, end_date__gte=day)


class Presidency(models.Model):
    """The rotating Presidency of the Council of the EU; its representative observes the network's meetings."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="presidencies"
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), help_text=_("Last day of the term."))
    representative = models.ForeignKey(
        Person,
        verbose_name=_("representative"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presidencies",
        help_text=_("Invited as an observer to the meetings held during the term."),
    )

    objects = PresidencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("Council Presidency")
        verbose_name_plural = _("Council Presidencies")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="members_presidency_ends_after_start",
                violation_error_message=_("A Presidency cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} ({self.start_date:%Y-%m} – {self.end_date:%Y-%m})"

    def clean(self):
        if self.start_date and self.end_date:
            if self.end_date <= self.start_date:
                raise ValidationError({"end_date": _("A Presidency cannot end before it starts.")})
            clash = (
                Presidency.objects.exclude(pk=self.pk)
                .filter(start_date__lte=self.end_date, end_date__gte=self.start_date)
                .first()
            )
            if clash:
                raise ValidationError(
                    _("This term overlaps the Presidency of %(other)s."), code="overlap", params={"other": clash}
                )


# --- Notices from the secretariat ------------------------------------------------------------------------------


class NoticeQuerySet(models.QuerySet):
    def current(self):
        today = timezone.localdate()
        return self.filter(is_active=True, published_on__lte=today).filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today)
        )


class Notice(models.Model):
    """A short message from the secretariat on every member's dashboard."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    published_on = models.DateField(_("published on"), default=timezone.localdate)
    expires_on = models.DateField(_("shown until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return self.title

"""Business rules of the registry. The admin, the importer, the demo loader and the portal call these."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from .enums import Role
from .models import Country, Mandate, Organisation, Person, Presidency


@transaction.atomic
def appoint(
    person: Person,
    *,
    role: str,
    start_date: datetime.date,
    organisation: Organisation | None = None,
    acting: bool = False,
    note: str = "",
) -> Mandate:
    """Give ``person`` a mandate from ``start_date`` on.

    A (non-acting) director-general's appointment ends the organisation's open director-general mandate on the
    day before, so the history stays and the succession has no gap and no overlap. Raises ``ValidationError``
    when the mandate breaks a rule (see ``Mandate.clean``); then nothing is changed.
    """
    organisation = organisation or person.organisation
    if role == Role.DIRECTOR_GENERAL and not acting:
        predecessor = (
            Mandate.objects.select_for_update()
            .order_by("pk")  # the default ordering joins country, which FOR UPDATE cannot lock
            .filter(organisation=organisation, role=Role.DIRECTOR_GENERAL, acting=False, end_date__isnull=True)
            .filter(start_date__lt=start_date)
            .exclude(person=person)
            .first()
        )
        if predecessor:
            predecessor.end_date = start_date - datetime.timedelta(days=1)
            predecessor.full_clean()
            predecessor.save(update_fields=["end_date"])
    mandate = Mandate(
        person=person, organisation=organisation, role=role, acting=acting, start_date=start_date, note=note
    )
    mandate.full_clean()
    mandate.save()
    return mandate


@transaction.atomic
def deactivate_person(person: Person, *, on: datetime.date | None = None) -> None:
    """Take a person out of the network without losing them: open mandates end ``on`` (default today), their
    portal account can no longer log in, and they are no longer invited. Their history stays."""
    day = on or timezone.localdate()
    for mandate in person.mandates.select_for_update().order_by("pk").filter(end_date__isnull=True):
        mandate.end_date = max(day, mandate.start_date)
        mandate.save(update_fields=["end_date"])
    person.is_active = False
    person.save(update_fields=["is_active", "updated_at"])
    if person.user_id:
        person.user.is_active = False
        person.user.save(update_fields=["is_active"])


@transaction.atomic
def reactivate_person(person: Person) -> None:
    person.is_active = True
    person.save(update_fields=["is_active", "updated_at"])
    if person.user_id:
        person.user.is_active = True
        person.user.save(update_fields=["is_active"])


def set_organisation_active(organisation: Organisation, *, active: bool) -> None:
    organisation.is_active = active
    organisation.save(update_fields=["is_active", "updated_at"])


def representatives(country: Country, *, on: datetime.date):
    """The director-general mandates (acting ones included) of ``country``'s organisations on a given day:
    who represented the country in the network then."""
    return (
        Mandate.objects.active_on(on)
        .filter(organisation__country=country, role=Role.DIRECTOR_GENERAL)
        .select_related("person", "organisation")
        .order_by("acting", "organisation__name")
    )


def presidency_on(day: datetime.date) -> Presidency | None:
    return Presidency.objects.on(day).select_related("country", "representative").first()


SECRETARIAT_GROUP = "Secretariat"
# The secretariat manages everything in these apps except deleting (history is kept; see NoDeleteMixin).
SECRETARIAT_APPS = ("members", "meetings", "knowledge", "django_celery_beat")


def ensure_secretariat_group():
    """Create or refresh the "Secretariat" group: add, change and view on the network's models."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=SECRETARIAT_APPS).exclude(
        codename__startswith="delete_"
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def open_account(person: Person, *, staff: bool = False):
    """Give ``person`` a portal account (or return the one they have), with their registry email as login.

    Secretariat staff (``staff=True``) can also use the admin. The account has no usable password until the
    person sets one through the link they are sent.
    """
    from .models import User

    user = person.user or User.objects.filter(email__iexact=person.email).first()
    if user is None:
        user = User.objects.create_user(email=person.email, password=None)
    changed = []
    if staff and not user.is_staff:
        user.is_staff = True
        changed.append("is_staff")
    if user.is_active != person.is_active:
        user.is_active = person.is_active
        changed.append("is_active")
    if changed:
        user.save(update_fields=changed)
    if staff:
        user.groups.add(ensure_secretariat_group())
    if person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def send_access_link(person: Person, *, staff: bool = False) -> None:
    """Open the person's portal account if needed and email them a link to set their password (valid for
    ``PASSWORD_RESET_TIMEOUT``), in their language, through the outbox."""
    import uuid
    from email.utils import make_msgid

    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext

    from meetings.delivery import language_of, store_single
    from meetings.models import MessageKind, OutgoingMessage

    user = open_account(person, staff=staff)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    language = language_of(person)
    with translation.override(language):
        context = {
            "person": person,
            "link": settings.SITE_URL + path,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "portal_url": settings.SITE_URL + reverse("portal:dashboard"),
            "secretariat_email": settings.SECRETARIAT_EMAIL,
        }
        subject = gettext("Your access to the DG Network portal")
        text = render_to_string("email/access.txt", context)
        html = render_to_string("email/access.html", context)
    store_single(
        OutgoingMessage(
            key=f"access:{person.pk}:{uuid.uuid4().hex}",
            kind=MessageKind.ACCOUNT,
            person=person,
            to=person.email,
            language=language,
            subject=subject,
            body_text=text,
            body_html=html,
            message_id=make_msgid(domain=settings.MAIL_MESSAGE_ID_DOMAIN),
        )
    )

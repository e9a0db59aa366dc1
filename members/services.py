"""Business rules of the registry. The admin, the importer, the demo loader and the portal call these."""

from __future__ import annotations

import datetime
import uuid

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from outbox.models import MessageKind
from outbox.services import new_message, store_single

from .enums import Role
from .models import Country, Mandate, Organisation, Person, Presidency, User
from .signals import person_left

LANGUAGES = {code for code, _name in settings.LANGUAGES}


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
def deactivate_person(person: Person, *, on: datetime.date | None = None, notify: bool = True) -> None:
    """Take a person out of the network without losing them: open mandates end ``on`` (default today), their
    portal account can no longer log in, they are no longer invited, and their invitations to meetings that have
    not ended are withdrawn (``person_left``; the meetings app listens). ``notify``: whether the person is told
    (a withdrawn invitation that went out is cancelled in their calendar); erasure passes ``False``, as the
    address is about to go. Their history stays."""
    day = on or timezone.localdate()
    for mandate in person.mandates.select_for_update().order_by("pk").filter(end_date__isnull=True):
        mandate.end_date = max(day, mandate.start_date)
        mandate.save(update_fields=["end_date"])
    person.is_active = False
    person.save(update_fields=["is_active", "updated_at"])
    if person.user_id:
        person.user.is_active = False
        person.user.save(update_fields=["is_active"])
    person_left.send(sender=Person, person=person, notify=notify)


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


@transaction.atomic
def close_account(person: Person) -> bool:
    """Close ``person``'s portal account: it can no longer sign in (inactive, no usable password) and its open
    sessions end. The person stays in the registry as they are (active, mandates, invitations); opening the account
    again is ``send_access_link``. Returns whether there was an open account to close.

    Accounts of staff (secretariat or site administrators) are closed the same way; who may do it is the caller's
    rule (the admin lets only site administrators touch staff accounts).
    """
    user = person.user
    if user is None or (not user.is_active and not user.has_usable_password()):
        return False
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    for session in UserSession.objects.filter(user=user):
        session.end()
    return True


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


# --- The login address ---------------------------------------------------------------------------------------
# A person's login address is the registry's ``Person.email``: the secretariat changes it in the registry and the
# portal account (``User.email`` and allauth's ``EmailAddress`` row) follows. Members cannot change it.


def login_address_conflict(person: Person, email: str) -> str | None:
    """Why ``email`` cannot be ``person``'s login address, or ``None`` when it can: the address must not be
    another person's, nor belong to an account other than the person's own (an account without a person may be
    taken over when the person has none yet; see ``open_account``). Case is ignored."""
    other = Person.objects.filter(email__iexact=email).exclude(pk=person.pk).first()
    if other is not None:
        return _("%(email)s is already the address of %(person)s in the registry.") % {
            "email": email,
            "person": other,
        }
    accounts = set(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
    accounts |= set(EmailAddress.objects.filter(email__iexact=email).values_list("user_id", flat=True))
    accounts.discard(person.user_id)
    if not accounts:
        return None
    owner = Person.objects.filter(user_id__in=accounts).exclude(pk=person.pk).first()
    if owner is not None:
        return _("%(email)s is the login address of the portal account of %(person)s.") % {
            "email": email,
            "person": owner,
        }
    if person.user_id is not None or len(accounts) > 1:
        return _("%(email)s is the login address of another portal account.") % {"email": email}
    return None


def _follow_login_address(user: User, email: str) -> None:
    """Make ``email`` the account's only login address: ``User.email`` and one primary ``EmailAddress`` row
    (verified only if that address was verified before for this account)."""
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    elif address.email != email or not address.primary:
        address.email, address.primary = email, True
        address.save(update_fields=["email", "primary"])


def check_login_address(person: Person, email: str, *, by: User | None = None) -> None:
    """Raise ``ValidationError`` (on ``email``) unless ``email`` may become ``person``'s login address: it is not
    another person's or another account's (``login_address_conflict``), and it does not move the login of a staff
    account unless ``by`` is a site administrator (whoever controls the address can reset the password)."""
    conflict = login_address_conflict(person, email)
    if conflict:
        raise ValidationError({"email": conflict}, code="email_taken")
    account = person.user if person.user_id is not None else None
    if (
        account is not None
        and (account.is_staff or account.is_superuser)
        and account.email.lower() != email.lower()
        and not getattr(by, "is_superuser", False)
    ):
        raise ValidationError(
            {"email": _("Only a site administrator can change the login address of a staff account.")},
            code="staff_login",
        )


def change_email(person: Person, new_email: str, *, by: User | None = None) -> None:
    """Make ``new_email`` the person's registry address and the login address of their portal account, in one
    transaction. Saves ``person`` (with any other change made to it, so the registry's history holds one entry);
    the account (``User.email``, allauth's ``EmailAddress``) follows. Raises ``ValidationError`` (on ``email``)
    and changes nothing when the address is not valid or not allowed (see ``check_login_address``)."""
    new_email = (new_email or "").strip()
    try:
        validate_email(new_email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    try:
        with transaction.atomic():
            if person.pk is not None:
                # Serialise two changes of the same person; the unique constraints catch the rest.
                Person.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
            check_login_address(person, new_email, by=by)
            person.email = new_email
            person.save()
            if person.user_id is not None:
                _follow_login_address(person.user, new_email)
    except IntegrityError as error:  # another change took the address between the check and the write
        raise ValidationError(
            {"email": _("%(email)s is already in use; nothing was changed.") % {"email": new_email}},
            code="email_taken",
        ) from error


SECRETARIAT_GROUP = "Secretariat"

# What the secretariat may do in the admin: the network's data, nothing about accounts or privileges (members.User,
# auth, mfa, usersessions and account email addresses are the site
# administrator's, see members/admin_roles.py) and no deleting (history is kept; see NoDeleteMixin). Inline models
# are here because the admin checks their own permissions; history pages need none of their own. A change to this
# list is a change to tests/network/test_admin_access.py.
SECRETARIAT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # The registry
    "members.country": ("add", "change", "view"),
    "members.organisation": ("add", "change", "view"),
    "members.person": ("add", "change", "view"),
    "members.mandate": ("add", "change", "view"),
    "members.presidency": ("add", "change", "view"),
    "members.notice": ("add", "change", "view"),
    # Meetings
    "meetings.meeting": ("add", "change", "view"),
    "meetings.agendaitem": ("add", "change", "view"),
    "meetings.document": ("add", "change", "view"),
    "meetings.seatallowance": ("add", "change", "view"),
    "meetings.reminderrule": ("add", "change", "view"),
    "meetings.meetingchange": ("view",),
    "meetings.invitation": ("add", "change", "view"),
    "meetings.attendance": ("add", "change", "view"),
    "meetings.crisis": ("add", "change", "view"),
    "meetings.theme": ("add", "change", "view"),
    "knowledge.newsitem": ("add", "change", "view"),
    # Knowledge
    "knowledge.conclusion": ("add", "change", "view"),
    "knowledge.position": ("add", "change", "view"),
    "knowledge.action": ("add", "change", "view"),
    "knowledge.actionupdate": ("add", "change", "view"),
    "knowledge.minutes": ("add", "change", "view"),
    "knowledge.lessonlearned": ("add", "change", "view"),
    "knowledge.lessoncomment": ("add", "change", "view"),
    "knowledge.lessonattachment": ("add", "change", "view"),
    # Alerts
    "alerts.alert": ("add", "change", "view"),
    # Questionnaires
    "questionnaires.questionnaire": ("add", "change", "view"),
    "questionnaires.question": ("add", "change", "view"),
    "questionnaires.countryanswer": ("view",),
    "questionnaires.answerversion": ("view",),
    # Decisions between meetings: drafts and their revisions, written procedures (opened, extended, withdrawn from
    # the draft's and the procedure's pages); the countries' proposals and reservations are read here.
    "decisions.draft": ("add", "change", "view"),
    "decisions.revision": ("view",),
    "decisions.writtenprocedure": ("change", "view"),
    "decisions.proposal": ("view",),
    "decisions.reservation": ("view",),
    # Logistics: date polls, registrations, badges and check-in
    "logistics.datepoll": ("add", "change", "view"),
    "logistics.pollslot": ("add", "change", "view"),
    "logistics.pollanswer": ("view",),
    "logistics.meetinglogistics": ("add", "change", "view"),
    "logistics.registration": ("change", "view"),
    "logistics.delegate": ("add", "change", "view"),
    "logistics.badge": ("change", "view"),
    # The outbox: read, and send failed messages again
    "outbox.outgoingmessage": ("view",),
}


def secretariat_permission_names() -> list[str]:
    """``SECRETARIAT_PERMISSIONS`` spelled as Django names them (``"members.add_country"``), sorted."""
    return sorted(
        f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
        for model, actions in SECRETARIAT_PERMISSIONS.items()
        for action in actions
    )


def ensure_secretariat_group():
    """Create or refresh the "Secretariat" group so that it holds exactly ``SECRETARIAT_PERMISSIONS`` (any other
    permission it was given is taken away). Permissions of models not migrated yet are skipped; the group is
    refreshed after every ``migrate`` (members/apps.py), so they join it then. Returns the group."""
    group, _created = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    wanted = Q(pk__in=[])
    for name in secretariat_permission_names():
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


@transaction.atomic
def open_account(person: Person, *, staff: bool = False):
    """Give ``person`` a portal account (or return the one they have), with their registry email as login.

    Secretariat staff (``staff=True``) can also use the admin. The account has no usable password until the
    person sets one through the link they are sent. An existing account is taken over only if it has the
    person's address and belongs to no other person; the account's login address is brought in line with the
    registry's. Raises ``ValidationError`` and changes nothing when the address belongs to another person or
    another account (see ``login_address_conflict``).
    """
    Person.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
    person.refresh_from_db(fields=["email", "user", "is_active"])
    conflict = login_address_conflict(person, person.email)
    if conflict:
        raise ValidationError(conflict, code="email_taken")
    user = person.user or User.objects.filter(email__iexact=person.email).first()
    if user is None:
        user = User.objects.create_user(email=person.email, password=None)
    _follow_login_address(user, person.email)
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
def language_of(person: Person) -> str:
    """The language ``person`` reads their mail in: their preference when the site offers it, else English."""
    return person.preferred_language if person.preferred_language in LANGUAGES else "en"


def send_access_link(person: Person, *, staff: bool = False) -> None:
    """Open the person's portal account if needed and email them a link to set their password (valid for
    ``PASSWORD_RESET_TIMEOUT``), in their language, through the outbox."""
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
        new_message(
            key=f"access:{person.pk}:{uuid.uuid4().hex}",
            kind=MessageKind.ACCOUNT,
            person=person,
            to=person.email,
            language=language,
            subject=subject,
            text=text,
            html=html,
        )
    )

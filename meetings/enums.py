from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingFormat(models.TextChoices):
    VIRTUAL = "virtual", _("Virtual")
    IN_PERSON = "in_person", _("In person")
    HYBRID = "hybrid", _("Hybrid")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    INVITED = "invited", _("Invitations sent")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class IpcrLevel(models.TextChoices):
    MONITORING = "monitoring", _("Monitoring")
    INFORMATION_SHARING = "information_sharing", _("Information sharing")
    FULL_ACTIVATION = "full_activation", _("Full activation")


class AgendaItemKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    DISCUSSION = "discussion", _("Discussion")
    DECISION = "decision", _("Decision")


class Visibility(models.TextChoices):
    INVITEES = "invitees", _("Invitees")
    MEMBERS = "members", _("Members only (not observers)")
    PUBLIC = "public", _("Public")


class Capacity(models.TextChoices):
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


class Answer(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DELEGATED = "delegated", _("Delegated to a substitute")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Presence(models.TextChoices):
    IN_PERSON = "in_person", _("Present in person")
    ONLINE = "online", _("Present online")
    ABSENT = "absent", _("Absent")

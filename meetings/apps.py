from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # The registry tells when a person leaves; the meetings app withdraws their open invitations. A signal, so
        # the dependency runs meetings → members only.
        from members.signals import person_left

        from .services import _on_person_left

        person_left.connect(_on_person_left, dispatch_uid="meetings.withdraw_on_person_left")

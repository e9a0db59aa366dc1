from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The members' signed-in pages. No models: it reads and writes through the other apps' services."""

    name = "portal"

    def ready(self):
        # An invitee who answers by the link in their email is led to what comes next (registration for a meeting
        # in person): the meetings app sends the signal, so it needs to know nothing of the pages built on it.
        from meetings.signals import answer_saved_by_link

        from .logistics_views import registration_step

        answer_saved_by_link.connect(registration_step, dispatch_uid="portal.registration_step")

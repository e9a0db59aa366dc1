from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The members' signed-in pages. No models: it reads and writes through the other apps' services."""

    name = "portal"

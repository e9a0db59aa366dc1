"""Form widgets shared by the apps' admins. Imports no app."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.admin.widgets import AdminFileWidget, AdminSplitDateTime


class _Linked:
    """A stored file as the admin's file input shows it: its name, and a link that is not the storage's path."""

    def __init__(self, file, url: str):
        self.file = file
        self.url = url

    def __str__(self) -> str:
        return str(self.file)


class PrivateFileInput(AdminFileWidget):
    """The admin's file input for files kept private (there is no public media URL): "Currently" links to the view
    that checks access, ``url_of(instance)`` for the row the file belongs to, never to the storage's own path."""

    def __init__(self, *args, url_of: Callable[[object], str], **kwargs):
        super().__init__(*args, **kwargs)
        self.url_of = url_of

    def format_value(self, value):
        value = super().format_value(value)
        if self.is_initial(value):
            return _Linked(value, self.url_of(value.instance))
        return value


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with its own ``<label>`` ("Date:", "Time:") instead of plain text, so
    that assistive technology names them (axe-core's "label" rule)."""

    template_name = "admin/widgets/labelled_split_datetime.html"

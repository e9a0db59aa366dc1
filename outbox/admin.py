"""The outbox in the admin: read only, with one action (send failed messages again)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import MessageStatus, OutgoingMessage


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "meeting", "language", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "kind", "language", "meeting")
    search_fields = ("to", "subject", "person__last_name", "person__email", "key")
    list_select_related = ("meeting",)
    date_hierarchy = "created_at"
    actions = ("send_again",)
    readonly_fields = [f.name for f in OutgoingMessage._meta.fields]
    fields = (
        "kind",
        "status",
        "to",
        "cc",
        "language",
        "subject",
        "meeting",
        "invitation",
        "person",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sending_at",
        "sent_at",
        "message_id",
        "key",
        "body_text",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def error(self, message):
        return (message.last_error[:80] + "…") if len(message.last_error) > 80 else message.last_error

    @admin.action(description=_("Send the selected failed messages again"), permissions=["view"])
    def send_again(self, request, queryset):
        failed = list(queryset.filter(status=MessageStatus.FAILED))
        for message in failed:
            services.resend(message)
        n = len(failed)
        message = ngettext("%(n)d message queued again.", "%(n)d messages queued again.", n) % {"n": n}
        self.message_user(request, message, messages.SUCCESS)

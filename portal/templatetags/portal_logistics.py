"""The logistics part of the portal's meeting page: register after accepting in person, check in online."""

from __future__ import annotations

from django import template

from logistics import checkin, registration
from logistics.models import Registration

register = template.Library()


@register.inclusion_tag("portal/_logistics.html")
def meeting_logistics(meeting, invitation):
    """Two queries at most (the meeting's logistics, the invitee's registration), none without an invitation."""
    if invitation is None:
        return {"show": False}
    logistics = registration.logistics_of(meeting)
    asks = registration.asks_registration(invitation, logistics)
    return {
        "show": True,
        "meeting": meeting,
        "asks": asks,
        "registered": asks and Registration.objects.filter(invitation=invitation).exists(),
        "may_change": asks and registration.can_change(invitation, logistics),
        "online": checkin.may_check_in_online(invitation),
    }

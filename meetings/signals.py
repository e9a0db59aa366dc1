"""Signals the meetings app sends, so apps built on it can add to its pages without meetings importing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class NextStep:
    """What an invitee is asked to do after answering: ``text`` (already in the invitee's language), a link to
    ``url`` (a path) labelled ``label``."""

    text: str
    label: str
    url: str


# Sent when an invitee's answer is saved through the signed link in their email, with ``invitation`` (as saved),
# while the invitee's language is active. Each receiver returns a ``NextStep`` or ``None``; the confirmation page
# lists the steps (``answer_views.answer``). In the portal the answer page leads to the same steps itself.
answer_saved_by_link = Signal()

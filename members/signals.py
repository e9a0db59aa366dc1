"""Signals the registry sends, so apps that depend on it (meetings) can act without the registry importing them."""

from django.dispatch import Signal

# Sent inside the transaction that deactivates a person (erasure deactivates too), with ``person`` and ``notify``
# (whether the person may still be written to). Receivers withdraw what the person no longer holds.
person_left = Signal()

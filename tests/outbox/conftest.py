"""The outbox's worker in one process: rows made by sending a meeting's invitations, sent to a real SMTP server.

Celery runs eagerly here (the test settings); the hand-over after commit is run with
``django_capture_on_commit_callbacks(execute=True)``. The real worker is exercised in
``tests/outbox/test_delivery_integration.py``. The fixtures are those of the mail tests (the same clock and SMTP
server), made visible to these modules.
"""

from tests.meetings.mail.conftest import before_the_meeting, sink, smtp_sink  # noqa: F401

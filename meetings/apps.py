from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_periodic_tasks(sender, **kwargs):
    """Celery beat's schedule lives in the database (django-celery-beat); make sure our jobs are in it."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    jobs = [
        ("Sweep the outbox", "meetings.tasks.sweep_outbox", 1),
        ("Send due reminders", "meetings.tasks.send_due_reminders", 5),
        ("Delete old outbox bodies", "meetings.tasks.purge_outbox", 24 * 60),
    ]
    # Jobs that no longer exist: beat would send tasks no worker knows.
    PeriodicTask.objects.filter(task__in=["members.tasks.forget_kept_pages"]).delete()
    for name, task, minutes in jobs:
        every, _created = IntervalSchedule.objects.get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        post_migrate.connect(ensure_periodic_tasks, sender=self)
        # The registry tells when a person leaves; the meetings app withdraws their open invitations. A signal, so
        # the dependency runs meetings → members only.
        from members.signals import person_left

        from .services import _on_person_left

        person_left.connect(_on_person_left, dispatch_uid="meetings.withdraw_on_person_left")

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

# Celery beat's jobs: (name, task, every so many minutes). The tasks are in network/tasks.py.
PERIODIC_TASKS = (
    ("Sweep the outbox", "network.tasks.sweep_outbox", 1),
    ("Send due reminders", "network.tasks.send_due_reminders", 5),
    ("Delete old outbox bodies", "network.tasks.purge_outbox", 24 * 60),
)
# Jobs that no longer exist: beat would send tasks no worker knows.
RETIRED_TASKS = ("members.tasks.forget_kept_pages",)


def ensure_periodic_tasks(sender, **kwargs):
    """Celery beat's schedule lives in the database (django-celery-beat); make sure our jobs are in it, under their
    tasks' current names (a job of an older release is renamed, its schedule kept)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask  # its models: loaded once apps are ready

    PeriodicTask.objects.filter(task__in=RETIRED_TASKS).delete()
    for name, task, minutes in PERIODIC_TASKS:
        every, _created = IntervalSchedule.objects.get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
        job, created = PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})
        if not created and job.task != task:
            job.task = task
            job.save(update_fields=["task"])


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "DG Network"

    def ready(self):
        # Network has no models, so no post_migrate of its own: the schedule is checked when beat's tables are.
        post_migrate.connect(ensure_periodic_tasks, sender=apps.get_app_config("django_celery_beat"))
        # Every app's admin is registered by now (the admin's own ready() ran first).
        from django.contrib import admin

        from members.admin_roles import guard_history_forms

        guard_history_forms(admin.site)

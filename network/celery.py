"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

app = Celery("network")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task=None, **kwargs) -> None:
    """Around each task, what Django does around each request: drop database connections that are broken or older
    than CONN_MAX_AGE, keep the others. (Celery's own Django fixup would close them all after every task, a new
    PostgreSQL session per task; CELERY_DB_REUSE_MAX in the settings keeps it from doing so.) Eager tasks run inside
    the caller's transaction and are left alone."""
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections as close

    close()

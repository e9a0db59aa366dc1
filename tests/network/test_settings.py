import subprocess

import pytest

from tests.helpers import PYTHON, ROOT, base_env

PRODUCTION = {
    "DJANGO_SECRET_KEY": "k3y-for-the-deploy-check-" + "x7Qp2" * 10,
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "dg-network.example.org",
    "SITE_URL": "https://dg-network.example.org",
    "DATABASE_URL": "postgres://dgnetwork:secret@db.example.org:5432/dgnetwork",
    "REDIS_URL": "redis://redis.example.org:6379/0",
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_PORT": "587",
    "EMAIL_HOST_USER": "dgnetwork",
    "EMAIL_HOST_PASSWORD": "secret",
    "EMAIL_USE_TLS": "true",
    "DEFAULT_FROM_EMAIL": "DG Network <no-reply@dg-network.example.org>",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "INFO", env=base_env(DG_VAR_DIR=str(tmp_path), **PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", env=base_env(DG_VAR_DIR=str(tmp_path), DJANGO_DEBUG="false"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_secret_can_be_read_from_a_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-container-secret-" + "z" * 40)
    env = base_env(DG_VAR_DIR=str(tmp_path), DJANGO_SECRET_KEY_FILE=str(secret), DJANGO_DEBUG="false")
    result = manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("from-a-container-secret-" + "z" * 40)


def embedded(tmp_path) -> dict[str, str]:
    """The environment of the embedded default (no variables but its folder), its SQLite database migrated."""
    env = base_env(DG_VAR_DIR=str(tmp_path))
    assert manage("migrate", "--noinput", env=env).returncode == 0
    return env


def test_embedded_default_runs_on_sqlite_without_redis_and_mail_lands_in_a_folder(tmp_path):
    env = embedded(tmp_path)
    script = (
        "from django.conf import settings; from django.core.mail import send_mail;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, settings.DEBUG);"
        "send_mail('Hello', 'Body', None, ['claire.dubois@example.org'])"
    )
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.sqlite3 True True" in result.stdout
    assert (tmp_path / "db.sqlite3").is_file()
    mails = list((tmp_path / "mail").glob("*.eml"))
    assert len(mails) == 1
    assert b"To: claire.dubois@example.org" in mails[0].read_bytes()


def test_on_the_embedded_default_invitations_go_through_the_outbox_into_the_mail_folder(tmp_path):
    """The outbox's claim and record (ORM updates) and the written messages, on SQLite."""
    env = embedded(tmp_path)
    script = (
        "from tests import factories; from meetings import services; from outbox.models import OutgoingMessage;"
        "meeting = factories.meeting();"
        "[factories.invitation(meeting, factories.director()) for _ in range(3)];"
        "print(services.send_invitations(meeting));"
        "print(sorted(OutgoingMessage.objects.values_list('status', 'attempts')))"
    )
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert "3\n[('sent', 1), ('sent', 1), ('sent', 1)]" in result.stdout
    mails = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(mails) == 3
    assert all(b"Content-Type: text/calendar" in m.read_bytes() for m in mails)


@pytest.mark.postgres
def test_makemigrations_is_clean(tmp_path):
    result = manage("makemigrations", "--check", "--dry-run", env=base_env(DG_VAR_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr

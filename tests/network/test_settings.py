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


def test_production_language_cookie_is_secure_lax_and_camera_is_denied(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_HTTPONLY,"
        " s.PERMISSIONS_POLICY['camera'], s.HEALTHZ_TOKEN == 'from-the-environment')"
    )
    env = base_env(DG_VAR_DIR=str(tmp_path), HEALTHZ_TOKEN="from-the-environment", **PRODUCTION)
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True Lax True [] True"


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


# --- The security check in the test command -----------------------------------------------------------------------

FAKE_PIP_AUDIT = """#!{python}
import sys
sys.stdout.write({stdout!r})
sys.stderr.write({stderr!r})
sys.exit({code})
"""
CHECKED = '{"name": "django", "version": "5.2.19", "vulns": []}'
SKIPPED = '{"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)"}'
VULNERABLE = '{"name": "nh3", "version": "0.3.8", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["0.3.9"]}]}'


def run_security(tmp_path, *, stdout: str, stderr: str = "", code: int = 0, strict: bool = False):
    """scripts/security with pip-audit replaced by a program that answers as pip-audit does in each situation (its
    vulnerability service is outside our control); bandit runs for real."""
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE_PIP_AUDIT.format(python=PYTHON, stdout=stdout, stderr=stderr, code=code))
    fake.chmod(0o755)
    env = base_env(PIP_AUDIT=str(fake), PIP_AUDIT_STRICT="true" if strict else "false")
    return subprocess.run(
        ["scripts/security"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_security_check_names_the_packages_pip_audit_could_not_check_and_never_says_none_found(tmp_path):
    result = run_security(
        tmp_path,
        stdout=f'{{"dependencies": [{CHECKED}, {SKIPPED}], "fixes": []}}',
        stderr="No known vulnerabilities found\n",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "pip-audit: checked 1 of 2 pinned packages; 0 with a known vulnerability." in result.stdout
    assert "!!! pip-audit could NOT check 1 of 2 pinned packages" in result.stderr
    assert "!!!   celery: Dependency not found on PyPI" in result.stderr
    assert "no known vulnerabilit" not in output.lower()
    strict = run_security(tmp_path, stdout=f'{{"dependencies": [{CHECKED}, {SKIPPED}], "fixes": []}}', strict=True)
    assert strict.returncode == 1


def test_security_check_says_nothing_was_checked_when_pip_audit_cannot_reach_its_data(tmp_path):
    result = run_security(tmp_path, stdout="", stderr="requests.exceptions.ConnectionError: pypi.org\n", code=1)
    assert result.returncode == 0
    assert "ConnectionError: pypi.org" in result.stderr
    assert "NOTHING was checked; the requirements are NOT vouched for by this run." in result.stderr
    assert "no known vulnerabilit" not in (result.stdout + result.stderr).lower()


def test_security_check_fails_on_a_known_vulnerability_and_vouches_only_when_all_were_checked(tmp_path):
    result = run_security(tmp_path, stdout=f'{{"dependencies": [{CHECKED}, {VULNERABLE}], "fixes": []}}', code=1)
    assert result.returncode == 1
    assert "nh3 0.3.8: GHSA-xxxx (fixed in: 0.3.9)" in result.stdout
    clean = run_security(tmp_path, stdout=f'{{"dependencies": [{CHECKED}], "fixes": []}}')
    assert clean.returncode == 0
    assert "pip-audit: no known vulnerability in any of the 1 pinned packages (all checked)." in clean.stdout

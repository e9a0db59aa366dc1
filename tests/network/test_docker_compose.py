"""No Docker engine runs on the build machines: these tests read docker-compose.yml and check what it would run."""

import re

import yaml

from tests.helpers import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_compose_has_the_whole_stack():
    assert set(SERVICES) == {"web", "worker", "beat", "db", "redis", "mailpit"}


def test_web_runs_migrations_then_gunicorn_and_is_health_checked():
    web = SERVICES["web"]
    assert "manage.py migrate" in web["command"]
    assert "gunicorn network.wsgi:application" in web["command"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"


def test_worker_and_beat_run_celery_with_the_schedule_of_the_settings():
    assert SERVICES["worker"]["command"].startswith("celery -A network worker")
    assert "inspect ping" in SERVICES["worker"]["healthcheck"]["test"][1]
    assert SERVICES["beat"]["command"] == "celery -A network beat --loglevel INFO"


def test_services_share_one_image_and_env_file():
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["build"] == "."
        assert SERVICES[name]["env_file"] == ".env"


def test_backing_services_have_health_checks():
    for name in ("db", "redis", "mailpit"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert "8025:8025" in SERVICES["mailpit"]["ports"]


def test_example_env_points_the_app_at_the_compose_services():
    env = _env_example()
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["EMAIL_HOST"] == "mailpit" and env["EMAIL_PORT"] == "1025"
    assert env["DJANGO_DEBUG"] == "false"


def test_every_setting_is_in_the_readme_table_and_the_example_env():
    source = (ROOT / "network" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source)) | set(re.findall(r'Env\(\)\.str\("([A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    table = {m for m in re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M)}
    assert names - table == set(), "settings missing from the README table"
    assert table - names - {"DEMO_PASSWORD", "CI", "TEST_REDIS_URL"} == set(), (
        "README documents settings the code lacks"
    )
    documented_in_env = set(_env_example())
    for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "SITE_URL", "DEFAULT_FROM_EMAIL"):
        assert required in documented_in_env

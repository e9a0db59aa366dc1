"""Settings for the test suite.

Tests run against the real PostgreSQL on localhost (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/dgnetwork``; pytest-django creates and drops ``test_dgnetwork``). When it
cannot be reached, a developer's run falls back to SQLite and the PostgreSQL-only tests are skipped; under
``CI=true`` the run stops instead.
"""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dgnetwork")
os.environ.setdefault("DG_VAR_DIR", tempfile.mkdtemp(prefix="dgnetwork-test-"))
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-checks-0123456789")

from network.settings import *  # noqa: E402,F403
from network.settings import DATABASES, STATIC_ROOT, VAR_DIR, env  # noqa: E402


def _postgres_reachable(database: dict) -> bool:
    import psycopg2

    try:
        psycopg2.connect(
            dbname="postgres",
            user=database.get("USER") or "postgres",
            password=database.get("PASSWORD") or None,
            host=database.get("HOST") or "127.0.0.1",
            port=database.get("PORT") or 5432,
            connect_timeout=3,
        ).close()
        return True
    except psycopg2.OperationalError:
        return False


CI = env.bool("CI", default=False)
TEST_DATABASE_FALLBACK = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not _postgres_reachable(DATABASES["default"]):
    if CI:
        raise SystemExit("PostgreSQL is not reachable at DATABASE_URL and CI=true: refusing to fall back.")
    TEST_DATABASE_FALLBACK = True
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "test.sqlite3")}}
    print("\n*** PostgreSQL unreachable: running on SQLite; PostgreSQL-only tests are skipped. ***\n")

DATABASES["default"]["CONN_MAX_AGE"] = 0
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
SECURE_SSL_REDIRECT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

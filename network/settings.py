"""DG Network settings, read entirely from environment variables.

With no variable set, the app runs on the embedded default: a SQLite file and mail written as .eml files under
``var/``, tasks run in-process (no Redis), DEBUG on. Production sets the variables listed in the README; with
them ``manage.py check --deploy`` is clean. Every variable ``X`` may also be given as ``X_FILE``, the path of a
file holding the value (container secrets).
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("DG_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.FileAwareEnv()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


# --- Core ----------------------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=not env.str("DJANGO_SECRET_KEY", default=""))


def _secret_key() -> str:
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Embedded default: a random key kept beside the SQLite file, so sessions survive a restart.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    # modeltranslation must come before the admin so its admin integration wins.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # allauth.usersessions' session list ("sign out everywhere") loads the humanize tag library.
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "import_export",
    "simple_history",
    "network",
    "members",
    "meetings",
    "knowledge",
    "alerts",
    "questionnaires",
    "decisions",
    "logistics",
    "portal",
    "outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "members.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "members.middleware.PersonLanguageMiddleware",
    "members.middleware.StaffTwoFactorMiddleware",
    "members.middleware.NoIndexMiddleware",
    "members.middleware.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "network.urls"
WSGI_APPLICATION = "network.wsgi.application"
AUTH_USER_MODEL = "members.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Database --------------------------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections, checked before reuse: a restarted PostgreSQL costs one failed health check,
    # not a restart of the app.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Behind a connection pooler that hands a server session to a client for one transaction at a time (PgBouncer's
# pool_mode=transaction): DATABASE_POOLING=transaction. Django then keeps no cursor open across transactions.
DATABASE_POOLING = env.str("DATABASE_POOLING", default="")
if DATABASE_POOLING == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True


# --- Redis, Celery and cache -----------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without Redis (the embedded default) tasks run in the process that queues them, after the commit.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless this is set, which costs
# a new PostgreSQL session per task; network/celery.py closes old connections around tasks as Django does around
# requests (CONN_MAX_AGE, health checks), and the fixup closes them all only every this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Celery beat's jobs (the tasks are in network/tasks.py; manage.py run_jobs plays beat's part on the embedded
# default). The schedule is code: each job is idempotent, so a second beat or a late run does no harm. Beat keeps
# when each job last ran in a file of its own.
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "network.tasks.sweep_outbox", "schedule": 60},
    # Alerts: escalation steps and urgent mail left queued (Redis away) within a minute.
    "escalate-alerts": {"task": "network.tasks.escalate_alerts", "schedule": 30},
    "send-due-reminders": {"task": "network.tasks.send_due_reminders", "schedule": 5 * 60},
    "purge-outbox": {"task": "network.tasks.purge_outbox", "schedule": 24 * 3600},
    "written-procedures": {"task": "network.tasks.run_written_procedures", "schedule": 60},
    "erase-logistics-needs": {"task": "network.tasks.erase_logistics_needs", "schedule": 24 * 3600},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when Redis is down: fail fast; the outbox sweeper re-queues.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY = False
# Alerts go ahead of any other queued mail: one queue, Celery message priorities. On Redis kombu keeps a list per
# priority step (0, 3, 6, 9) and the worker polls them in that order, so the *lower* number goes first: every task
# defaults to 6 and an urgent outbox message (an alert) is published with 0.
CELERY_TASK_DEFAULT_PRIORITY = 6
OUTBOX_URGENT_PRIORITY = 0
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The database cache is shared by every web process and survives a Redis outage (login rate limits live here).
# Its table is created by a migration (network/migrations).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://django_cache")}


# --- Mail ------------------------------------------------------------------------------------------------------

EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DG Network <no-reply@dg-network.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SECRETARIAT_EMAIL = env.str("SECRETARIAT_EMAIL", default="secretariat@dg-network.example.org")
# The country whose centre chairs the network: the people holding its seat may send alerts, like the secretariat.
ALERTS_CHAIR_COUNTRY = "BE"
# Outbox: how long a temporary SMTP failure waits before the first retry (doubling each time), how many attempts
# before a message is marked failed, and after how long a message still in flight, or queued and due but not
# delivered, is handed to a worker again (the sweeper, every minute).
MAIL_RETRY_SECONDS = env.int("MAIL_RETRY_SECONDS", default=30)
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=10)
OUTBOX_STALE_SECONDS = env.int("OUTBOX_STALE_SECONDS", default=300)
# Personal data: the bodies of sent emails are deleted after this many days (manage.py purge_outbox, daily).
# Urgent messages (alerts) left queued or in flight this long are handed over again by the sweeper.
OUTBOX_URGENT_STALE_SECONDS = 30
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=365)
# Special-category data: dietary and accessibility needs are deleted this many days after the meeting (daily job).
LOGISTICS_RETENTION_DAYS = env.int("LOGISTICS_RETENTION_DAYS", default=30)
MAIL_MESSAGE_ID_DOMAIN = (urlsplit(SITE_URL).hostname or "dg-network.local").strip("[]")
EMAIL_SUBJECT_PREFIX = "[DG Network] "
MAIL_DIR = Path(env.str("MAIL_DIR", default=str(VAR_DIR / "mail")))
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Embedded default: every message really goes out, as one .eml file per message in MAIL_DIR.
    EMAIL_BACKEND = "outbox.backends.EmlFolderBackend"


# --- Languages and time ----------------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# modeltranslation reads these unprefixed names; both point at vendored files, never a CDN.
JQUERY_URL = "admin/js/vendor/jquery/jquery.min.js"
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

USE_TZ = True
TIME_ZONE = "Europe/Brussels"  # shown in the admin; meetings carry their own zone, storage is UTC


# --- Static and uploaded files ---------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# Uploaded files are private: there is no MEDIA_URL route; documents are served by a view that checks access.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Meeting documents: the largest file accepted, in megabytes (types are fixed in meetings/documents.py).
DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour, opted into now


# --- Authentication --------------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# The login address is the registry's: one address per account, changed by the secretariat only (members.services.
# change_email; /accounts/email/ is closed in network/urls.py). A reset is for the registry's active people only
# (members.adapters), and an unknown address gets no mail at all (the page answers the same).
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Lockout after repeated failed logins: 5 per 15 minutes per account (and 20 per IP), in the shared cache.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE", default="20/15m/ip,5/15m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # the link a new member sets their password with
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "DG Network"
# The session list ("sign out everywhere") shows where and since when, not the last request: tracking activity would
# write to the database on every page view.
USERSESSIONS_TRACK_ACTIVITY = False
# Sessions end after this much inactivity: IdleSessionMiddleware extends a session in use every twelfth of it.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=60) * 60


# --- Security --------------------------------------------------------------------------------------------------

# Content-Security-Policy (django-csp): our own scripts, styles and images only; no inline script or style, no
# framing. data: images are the QR code of the two-factor set-up page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Powerful browser features no page of ours uses are denied to every page and frame (PermissionsPolicyMiddleware).
# The camera is denied too, except on the secretariat's check-in page, which reads badges' QR codes with it and sends
# camera=(self) itself (logistics/admin.py). The CSP needs nothing for that: the video shows the camera's stream
# (srcObject, no URL fetched, so media-src is not involved) and the decoder is our own script.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# The language cookie (set by the language switch and the profile) is sent on top-level navigations only, over HTTPS
# in production, and not readable by scripts.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check is polled over plain HTTP by the orchestrator. The public learns only ok/degraded/down; the
# details (database, Redis, workers) go to requests from this machine that no proxy relayed, and to requests that
# send this token in the X-Health-Token header (empty: no token accepted). See network/health.py.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")


# --- Logging ---------------------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


# --- Import and export (django-import-export) ------------------------------------------------------------------

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# A control character that XLSX cannot hold (a multi-line address or note may carry one) becomes U+FFFD instead of
# failing the whole export. Formulas are neutralised by the resources (members/resources.py), not by the library's
# IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT, which only strips a leading "=".
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

"""Settings for bench/load.py: the product's own, plus one bare page to compare against, served over plain HTTP on
127.0.0.1 (the production security redirect and secure cookies assume HTTPS in front)."""

from network.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

import os

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# Property tests draw their examples from a fixed seed in CI, so a run can be repeated exactly; on a developer's
# machine they explore new examples each run.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    hypothesis_settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    if getattr(settings, "TEST_DATABASE_FALLBACK", False):
        skip = pytest.mark.skip(reason="PostgreSQL unreachable on this machine (never skipped under CI=true)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def staff(db):
    from tests import factories

    return factories.staff_user()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def redis_url():
    """The real Redis on localhost, in a database of its own, emptied before and after the test."""
    import redis

    from tests.helpers import REDIS_URL, redis_available, unavailable

    if not redis_available():
        unavailable(f"Redis is not reachable at {REDIS_URL}")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()

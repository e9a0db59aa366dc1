import pytest
from django.conf import settings


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

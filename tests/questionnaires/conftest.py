import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english():
    """A page read by a French seat holder leaves French active in this thread; each test starts in English."""
    with translation.override("en"):
        yield

import pytest

from duken.shipping.setup import setup_store


@pytest.fixture
def store(db):
    """The delivery set-up the demo store runs with."""
    setup_store()

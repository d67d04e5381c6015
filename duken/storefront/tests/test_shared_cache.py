"""The storefront on the shared Redis cache that several app servers use (``REDIS_URL``)."""

import os
import socket

import pytest
from django.core.cache import caches

from duken.settings import redis_caches

URL = os.environ.get("DUKEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _reachable() -> bool:
    if os.environ.get("DUKEN_TEST_REDIS_URL"):
        return True
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3):
            return True
    except OSError:
        return False


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = redis_caches(URL)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    shared = caches["default"]
    shared.delete_pattern("*")  # this shop's keys only, whatever else the database holds
    yield shared
    shared.delete_pattern("*")


@pytest.mark.skipif(not _reachable(), reason="Redis is not reachable on 127.0.0.1:6379")
@pytest.mark.django_db
def test_pages_share_tiles_and_stay_correct_on_the_redis_cache(client, small_catalog, shared_cache):
    # given: a category page rendered once, its tiles now in Redis
    assert "django_redis" in type(shared_cache).__module__
    html = client.get("/c/mugs/").content.decode()
    assert "Red Spotty Mug" in html and "Blue Polkadot Mug" in html
    assert shared_cache.keys("storefront:card:*"), "the tiles are stored in the shared cache"
    # when: a price changes in the back office
    mug = small_catalog["products"][0]
    mug.price = 1990
    mug.save()
    # then: the next page shows the new price, not a cached tile
    html = client.get("/c/mugs/").content.decode()
    assert "1\u00a0990\u00a0₸" in html
    assert "1\u00a0200\u00a0₸" not in html
    # and a visitor's cart survives on the cached_db sessions
    client.post("/cart/add/", {"product_id": mug.pk, "quantity": 2})
    assert 'class="cart-count"' in client.get("/p/m-001/").content.decode()
    assert ">2</span>" in client.get("/p/m-001/").content.decode()

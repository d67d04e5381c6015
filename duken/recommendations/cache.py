"""Cache keys of the stored recommendation lists. A full retrain bumps the version, so every
cached list is read afresh; an incremental update deletes the keys of what it changed. The
cache holds only candidate ids: availability is checked when a page is served."""

import time

from django.core.cache import cache

from duken.core.memo import forget, per_request

VERSION_KEY = "recommendations:version"
TTL = 600


def version() -> int:
    """The trained lists' version (read from the cache once per request)."""
    return per_request(VERSION_KEY, _read_version)


def _read_version() -> int:
    value = cache.get(VERSION_KEY)
    if value is None:
        value = time.time_ns()
        cache.add(VERSION_KEY, value, None)
        value = cache.get(VERSION_KEY, value)
    return value


def bump_version() -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)
    forget(VERSION_KEY)


def product_key(product_id) -> str:
    return f"recommendations:product:{version()}:{product_id}"


def popular_key(scope: str) -> str:
    return f"recommendations:popular:{version()}:{scope}"


def forget_products(product_ids) -> None:
    current = version()
    cache.delete_many([f"recommendations:product:{current}:{pk}" for pk in product_ids])

"""Cache keys of the stored recommendation lists. A full retrain bumps the version, so every
cached list is read afresh; an incremental update deletes the keys of what it changed. The
cache holds only candidate ids: availability is checked when a page is served."""

from django.core.cache import cache

from duken.core import versions

VERSION_KEY = "recommendations:version"
TTL = 600


def version() -> int:
    """The trained lists' version (read from the cache once per request)."""
    return versions.current(VERSION_KEY, once_per_request=True)


def bump_version() -> None:
    versions.bump(VERSION_KEY)


def product_key(product_id) -> str:
    return f"recommendations:product:{version()}:{product_id}"


def popular_key(scope: str) -> str:
    return f"recommendations:popular:{version()}:{scope}"


def forget_products(product_ids) -> None:
    current = version()
    cache.delete_many([f"recommendations:product:{current}:{pk}" for pk in product_ids])

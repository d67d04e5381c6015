"""The catalog's data version, for caches of what the catalog shows.

Cached fragments and results (menus, product grids, search result pages) are keyed by language and this version, and live at
most ``FRAGMENT_TTL`` seconds, so an edit in the back office shows at once (the version is
bumped on save) and bulk changes that send no signals (imports, stock reservations) show
within the TTL. Fragments never contain anything personal.
"""

import time

from django.core.cache import cache

from duken.core.memo import forget, per_request

VERSION_KEY = "storefront:catalog-version"
FRAGMENT_TTL = 120


def catalog_version() -> int:
    """The current version (read from the cache once per request)."""
    return per_request(VERSION_KEY, _read_version)


def _read_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_catalog_version(*args, **kwargs) -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)
    forget(VERSION_KEY)

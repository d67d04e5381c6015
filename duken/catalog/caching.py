"""The catalog's data version, for caches of what the catalog shows.

Cached fragments and results (menus, product grids, search result pages) are keyed by language and this version, and live at
most ``FRAGMENT_TTL`` seconds, so an edit in the back office shows at once (the version is
bumped on save) and bulk changes that send no signals (imports, stock reservations) show
within the TTL. Fragments never contain anything personal.
"""

from duken.core import versions

VERSION_KEY = "storefront:catalog-version"
FRAGMENT_TTL = 120


def catalog_version() -> int:
    """The current version (read from the cache once per request)."""
    return versions.current(VERSION_KEY, once_per_request=True)


def bump_catalog_version(*args, **kwargs) -> None:
    versions.bump(VERSION_KEY)

"""Fragment caching for storefront templates, keyed by the catalog's data version."""

from duken.catalog.caching import FRAGMENT_TTL, bump_catalog_version, catalog_version

__all__ = ["FRAGMENT_TTL", "bump_catalog_version", "catalog_version"]

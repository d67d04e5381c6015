"""The version of one product's reviews and questions, for the cached product-page block.

The public block (rating, reviews, answered questions) is rendered once per product, language
and sort order and cached under a key that carries this version; every change to a product's
reviews or questions bumps it, so the next view renders afresh. Nothing personal is cached.
"""

from django.core.cache import cache
from django.db import transaction

from duken.core import versions

FRAGMENT_TTL = 600


def _version_key(product_id: int) -> str:
    return f"conversations:v:{product_id}"


def product_version(product_id: int) -> int:
    return versions.current(_version_key(product_id))


def bump_product(product_id: int) -> None:
    versions.bump(_version_key(product_id), TALKED_VERSION_KEY)


# Most products have no reviews and no answered questions yet: their block is the same for all
# of them, so it is rendered once per language, and a first view of such a product costs no
# query and no rendering. Which products are talked about is one cached set, renewed whenever
# any product's reviews or questions change.
TALKED_VERSION_KEY = "conversations:talked:v"


def talked_about() -> frozenset[int]:
    """The ids of products with an approved review or an answered question."""
    from .models import ProductRating, Question

    key = f"conversations:talked:{versions.current(TALKED_VERSION_KEY)}"
    ids = cache.get(key)
    if ids is None:
        rated = ProductRating.objects.filter(count__gt=0).values_list("product_id", flat=True)
        asked = Question.objects.filter(answered_at__isnull=False, is_hidden=False).values_list(
            "product_id", flat=True
        )
        ids = frozenset(rated.order_by().union(asked.order_by()))
        cache.set(key, ids, FRAGMENT_TTL)
    return ids


def fragment_key(product_id: int, version: int, language: str, sort: str) -> str:
    return f"conversations:block:{product_id}:{version}:{language}:{sort}"


def product_changed(product_id: int) -> None:
    """Bump now, and again once the transaction commits: a view that rendered between the two
    (seeing the old rows) is cached under a version that the second bump retires."""
    bump_product(product_id)
    transaction.on_commit(lambda: bump_product(product_id))

"""What recommendations may use about a person: personalization consent (through
``privacy.services.may_personalize``) and what the customer asked the shop to forget
(``privacy.memory``): a forgotten product or category never drives a recommendation again.

That holds whether or not the customer let us remember it again: their orders from before the
forget are kept (the shop must keep them) and only leaving the product out keeps them from
driving a list. The lists are derived data; nothing stored about the customer is hidden by it."""

import re
from dataclasses import dataclass, field

from duken.privacy.services import may_personalize  # noqa: F401  (the one consent check)

RECOMMENDATION_PREFIX = "recommendation"
_KEY = re.compile(r"^(product|category|recommendation):(\d+)$")


@dataclass
class Forgotten:
    products: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)

    def covers(self, product_id, category_id=None) -> bool:
        return product_id in self.products or (
            category_id is not None and category_id in self.categories
        )

    def __bool__(self):
        return bool(self.products or self.categories)


def _add(forgotten: Forgotten, key: str) -> None:
    match = _KEY.match(str(key))
    if match is None:
        return
    kind, pk = match.group(1), int(match.group(2))
    (forgotten.categories if kind == "category" else forgotten.products).add(pk)


def forgotten_for(user) -> Forgotten:
    """One customer's forgotten products and categories."""
    from duken.privacy.memory import forgotten_keys

    forgotten = Forgotten()
    for key in forgotten_keys(user):
        _add(forgotten, key)
    return forgotten


def forgotten_by_customer() -> dict[int, Forgotten]:
    """Every customer's, in one query (for the full retrain)."""
    from duken.privacy.models import ForgottenItem

    result: dict[int, Forgotten] = {}
    for user_id, key in ForgottenItem.objects.values_list("user_id", "key"):
        _add(result.setdefault(user_id, Forgotten()), key)
    return result


def excluded_products(forgotten: Forgotten) -> set[int]:
    """Product ids that must neither drive nor be recommended: the forgotten products and
    every product in a forgotten category."""
    if not forgotten:
        return set()
    excluded = set(forgotten.products)
    if forgotten.categories:
        from duken.catalog.models import Product

        excluded.update(
            Product.categories.through.objects.filter(
                category_id__in=forgotten.categories
            ).values_list("product_id", flat=True)
        )
    return excluded

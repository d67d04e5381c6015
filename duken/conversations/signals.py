"""Keep the product's rating right when reviews disappear outside the services (a customer's
account erased, a product deleted): recount once the deletion has committed."""

from django.db import transaction

from . import caching


def review_deleted(sender, instance, **kwargs):
    product_id = instance.product_id
    transaction.on_commit(lambda: _recount(product_id), robust=True)


def _recount(product_id: int) -> None:
    from duken.catalog.models import Product

    from .reviews import refresh_rating

    if Product.objects.filter(pk=product_id).exists():
        refresh_rating(product_id)
        caching.bump_product(product_id)

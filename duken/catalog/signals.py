"""Keep the search index in step with products and categories, whichever code saved them.

The index lives in the same database, so updating it inside the caller's transaction keeps the
two consistent: a rollback undoes both."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .caching import bump_catalog_version
from .models import Category, Product, ProductImage
from .search import reindex_products

# Any change to what the catalog shows starts a new data version for cached pages and results.
for _model in (Category, Product, ProductImage):
    post_save.connect(
        bump_catalog_version, sender=_model, dispatch_uid=f"version-{_model.__name__}"
    )
    post_delete.connect(
        bump_catalog_version, sender=_model, dispatch_uid=f"version-del-{_model.__name__}"
    )
m2m_changed.connect(
    bump_catalog_version, sender=Product.categories.through, dispatch_uid="version-categories"
)


def _reindex(product_ids):
    reindex_products(list(product_ids))


@receiver(post_save, sender=Product)
def product_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex([instance.pk])


@receiver(post_delete, sender=Product)
def product_deleted(sender, instance, **kwargs):
    _reindex([instance.pk])


@receiver(m2m_changed, sender=Product.categories.through)
def product_categories_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        # After the clear the category no longer knows its products: remember them now.
        instance._products_before_clear = list(instance.products.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        _reindex([instance.pk])
    elif action == "post_clear":
        _reindex(getattr(instance, "_products_before_clear", []))
    elif pk_set:
        _reindex(pk_set)


@receiver(post_save, sender=Category)
def category_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:
        _reindex(instance.products.values_list("pk", flat=True))


@receiver(post_save, sender=ProductImage)
@receiver(post_delete, sender=ProductImage)
def product_images_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    count = (
        ProductImage.objects.filter(product_id=OuterRef("pk"))
        .values("product_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Product.objects.filter(pk=instance.product_id).update(image_count=Coalesce(Subquery(count), 0))

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class StorefrontConfig(AppConfig):
    name = "duken.storefront"
    label = "storefront"

    def ready(self):
        from duken.catalog.models import Category, Product, ProductImage

        from .caching import bump_catalog_version

        for model in (Category, Product, ProductImage):
            uid = f"storefront-version-{model.__name__}"
            post_save.connect(bump_catalog_version, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(bump_catalog_version, sender=model, dispatch_uid=f"{uid}-del")
        m2m_changed.connect(
            bump_catalog_version,
            sender=Product.categories.through,
            dispatch_uid="storefront-version-product-categories",
        )

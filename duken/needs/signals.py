"""Whenever a product's stock may have gone up, answer those waiting for it: a product saved
(the admin, an import, any ``save()``) or units put back by a cancelled order; and when a guest
confirmed the address their requests wait for."""

from django.db.models.signals import post_save

from duken.catalog.models import Product
from duken.catalog.stock import stock_returned

from . import services


def product_saved(sender, instance, raw=False, **kwargs):
    if raw or instance.stock <= 0 or not instance.is_active:
        return
    services.stock_may_have_returned([instance.pk])


def units_returned(sender, product_ids, **kwargs):
    services.stock_may_have_returned(product_ids)


def connect() -> None:
    from duken.conversations.guest_addresses import address_confirmed

    post_save.connect(product_saved, sender=Product, dispatch_uid="needs-back-in-stock")
    address_confirmed.connect(services.address_confirmed, dispatch_uid="needs-address-confirmed")
    stock_returned.connect(units_returned, dispatch_uid="needs-units-returned")

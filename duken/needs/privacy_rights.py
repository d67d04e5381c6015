"""What the needs app adds to a customer's data export and deletes at an erasure
(``privacy.export``, ``privacy.erase``): the wishlist, back-in-stock requests and "tell us"
product requests."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duken.privacy import erase, export

from .models import BackInStockRequest, ProductRequest, WishlistItem


def _wishlist(user, visitor_ids):
    return WishlistItem.objects.filter(customer_id=user.pk).values(
        "product_id", "product__name", "added_at"
    )


def _back_in_stock(user, visitor_ids):
    return BackInStockRequest.objects.filter(customer_id=user.pk).values(
        "product_id", "product__name", "email", "language", "created_at", "notified_at"
    )


def _product_requests(user, visitor_ids):
    return ProductRequest.objects.filter(customer_id=user.pk).values(
        "text", "query", "email", "language", "created_at"
    )


def _erase(user, email):
    WishlistItem.objects.filter(customer_id=user.pk).delete()
    BackInStockRequest.objects.filter(Q(customer_id=user.pk) | Q(email__iexact=email)).delete()
    ProductRequest.objects.filter(Q(customer_id=user.pk) | Q(email__iexact=email)).delete()


def register():
    export.register_source("wishlist", _wishlist, _("The products on your wishlist."))
    export.register_source(
        "back_in_stock",
        _back_in_stock,
        _("The products you asked us to tell you about when they are back in stock."),
    )
    export.register_source(
        "product_requests",
        _product_requests,
        _("The products you asked us to find for you."),
    )
    erase.register_eraser("needs", _erase)

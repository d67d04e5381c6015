"""The database of needs: what customers want that the shop does not (yet) give them. Saved
products (the wishlist), "tell me when it is back" requests, and "can't find what you want?"
product requests. Requests open a promise in the staff inbox (``duken.conversations``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REQUEST_TEXT_MAX = 1000


class WishlistItem(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wishlist_items",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("wishlist item")
        verbose_name_plural = _("wishlist items")
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="wishlist_once")
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.product_id}"


class BackInStockRequest(models.Model):
    """ "Tell me when it is back": one customer (or a guest's address) waiting for one product.
    ``notified_at`` is set once, when the notice leaves."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="back_in_stock_requests",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="back_in_stock_requests",
        verbose_name=_("product"),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now, db_index=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    promise = models.ForeignKey(
        "conversations.Promise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("back-in-stock request")
        verbose_name_plural = _("back-in-stock requests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product"],
                condition=models.Q(notified_at__isnull=True, customer__isnull=False),
                name="back_in_stock_waiting_once",
            ),
            models.UniqueConstraint(
                fields=["email", "product"],
                condition=models.Q(notified_at__isnull=True, customer__isnull=True),
                name="back_in_stock_guest_waiting_once",
            ),
        ]
        indexes = [models.Index(fields=["product", "notified_at"], name="back_in_stock_waiting")]

    def __str__(self):
        return f"{self.product_id}: {self.customer_id or self.email}"

    def get_absolute_url(self):
        return self.product.get_absolute_url()


class ProductRequest(models.Model):
    """ "Can't find what you want? Tell us": a customer's own words about a product we lack."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="product_requests",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    text = models.TextField(_("request"), max_length=REQUEST_TEXT_MAX)
    normalized = models.CharField(max_length=200, db_index=True)
    query = models.CharField(_("search"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now, db_index=True)
    promise = models.ForeignKey(
        "conversations.Promise", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("product request")
        verbose_name_plural = _("product requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text[:60]

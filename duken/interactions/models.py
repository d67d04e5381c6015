"""One row per thing a customer did in the shop: the raw timeline that profiles, recommendations
and reports are later built from."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    PRODUCT_VIEW = "product_view", _("Product view")
    CATEGORY_VIEW = "category_view", _("Category view")
    SEARCH = "search", _("Search")
    CART_ADD = "cart_add", _("Added to cart")
    CART_REMOVE = "cart_remove", _("Removed from cart")
    CHECKOUT_STEP = "checkout_step", _("Checkout step")
    ORDER_PLACED = "order_placed", _("Order placed")
    REVIEW = "review", _("Review")
    QUESTION = "question", _("Question")
    CHAT_MESSAGE = "chat_message", _("Chat message")
    WISHLIST_ADD = "wishlist_add", _("Added to wishlist")
    BACK_IN_STOCK_REQUEST = "back_in_stock_request", _("Back-in-stock request")
    PRODUCT_REQUEST = "product_request", _("Product request")
    EMAIL_OPEN = "email_open", _("E-mail opened")
    EMAIL_CLICK = "email_click", _("E-mail link clicked")
    AD_IMPRESSION = "ad_impression", _("Ad impression")
    AD_CLICK = "ad_click", _("Ad click")
    BID = "bid", _("Bid")


class Device(models.TextChoices):
    DESKTOP = "desktop", _("Desktop")
    MOBILE = "mobile", _("Mobile")
    TABLET = "tablet", _("Tablet")
    BOT = "bot", _("Bot")


class Event(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    visitor_id = models.CharField(_("visitor id"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    obj = GenericForeignKey("content_type", "object_id")
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    session_key = models.CharField(max_length=40, blank=True)
    referrer_domain = models.CharField(_("referrer"), max_length=255, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    device = models.CharField(_("device"), max_length=8, choices=Device.choices, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["user", "-occurred_at"], name="interact_user_time"),
            models.Index(fields=["visitor_id", "-occurred_at"], name="interact_visitor_time"),
            models.Index(fields=["content_type", "object_id"], name="interact_object"),
            models.Index(fields=["kind", "-occurred_at"], name="interact_kind_time"),
        ]

    def __str__(self):
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"

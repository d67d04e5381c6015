"""What training leaves for serving: per product its neighbour lists, per customer a ranked
list with the reason behind each item, and popular lists per country and category.

Lists are stored as JSON rows (one read per page) and are only candidates: whether a product
may be shown (active, in stock or backorderable) is checked when a page is served.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductNeighbours(models.Model):
    """Items related to one product, best first; each list holds ``[product_id, score]`` pairs."""

    product = models.OneToOneField(
        "catalog.Product",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product"),
    )
    # Bought by the same customers (item-to-item co-purchase similarity).
    bought = models.JSONField(_("often bought together"), default=list, blank=True)
    # Viewed by the same visitors (co-view similarity).
    viewed = models.JSONField(_("often viewed together"), default=list, blank=True)
    # Same category and a similar name: works for a product without any history.
    similar = models.JSONField(_("similar products"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product neighbours")
        verbose_name_plural = _("product neighbours")

    def __str__(self):
        return str(self.product_id)


class CustomerRecommendations(models.Model):
    """A customer's "for you" list: ``[product_id, score, reason_code, reason_product_id]``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    items = models.JSONField(_("recommended products"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer recommendations")
        verbose_name_plural = _("customer recommendations")

    def __str__(self):
        return str(self.user_id)


class PopularList(models.Model):
    """Best sellers of one scope: ``all`` or ``country:<name>``."""

    key = models.CharField(_("scope"), max_length=120, primary_key=True)
    items = models.JSONField(_("products"), default=list, blank=True)
    # Whether the list counts only the last week's orders (else a longer window).
    is_weekly = models.BooleanField(default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("popular list")
        verbose_name_plural = _("popular lists")

    def __str__(self):
        return self.key


class TrainingRun(models.Model):
    """One full or incremental training, for the back office and the serving caches' version."""

    class Kind(models.TextChoices):
        FULL = "full", _("full retrain")
        ORDER = "order", _("after an order")
        PRODUCT = "product", _("new product")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField(_("started"))
    seconds = models.FloatField(_("duration, s"), default=0)
    products = models.PositiveIntegerField(_("products"), default=0)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    # Stored values never change once shipped; the allowed moves live in orders.services.
    AWAITING_PAYMENT = "awaiting_payment", _("awaiting payment")
    PAID = "paid", _("paid")
    AWAITING_STOCK = "awaiting_stock", _("awaiting stock")
    PACKED = "packed", _("packed")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")
    RETURNED = "returned", _("returned")
    REFUNDED = "refunded", _("refunded")


class Order(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("storefront")
        IMPORT = "import", _("imported history")
        STAFF = "staff", _("entered by staff")

    number = models.CharField(_("number"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.AWAITING_PAYMENT,
        db_index=True,
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    currency = models.CharField(max_length=3, default="KZT")
    subtotal = models.DecimalField(_("goods"), max_digits=14, decimal_places=2)
    shipping_cost = models.DecimalField(_("delivery"), max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    # Delivery: the method chosen and a snapshot of the address as it was at checkout.
    delivery_method = models.ForeignKey(
        "shipping.DeliveryMethod", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivery_name = models.CharField(_("delivery"), max_length=120, blank=True)
    pickup_point = models.ForeignKey(
        "shipping.PickupPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ship_full_name = models.CharField(_("recipient"), max_length=120, blank=True)
    ship_country = models.CharField(_("country"), max_length=64, blank=True)
    ship_region = models.CharField(_("region"), max_length=64, blank=True)
    ship_city = models.CharField(_("city"), max_length=80, blank=True)
    ship_street = models.CharField(_("street, house, flat"), max_length=200, blank=True)
    ship_postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=32, blank=True)
    # Set once the money is in: on payment, or on delivery for cash on delivery.
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    # The language the customer shopped in; order e-mails are written in it.
    language = models.CharField(_("language"), max_length=8, blank=True)
    customer_note = models.TextField(_("note from the customer"), blank=True)
    # The checkout submission this order came from: a second submit finds this order.
    checkout_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Imported history: the data set's CustomerID + InvoiceDate, for idempotent re-imports.
    external_ref = models.CharField(max_length=64, null=True, blank=True, unique=True)
    placed_at = models.DateTimeField(_("placed"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]

    def __str__(self):
        return self.number

    @property
    def has_backorder(self):
        return any(line.backordered_quantity for line in self.lines.all())


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    product_name = models.CharField(max_length=200)
    sku = models.CharField(max_length=32, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    quantity = models.IntegerField()
    line_total = models.DecimalField(max_digits=14, decimal_places=2)
    # Units that were not in stock when the order was placed and ship later.
    backordered_quantity = models.PositiveIntegerField(default=0)
    expected_date = models.DateField(null=True, blank=True)
    # Set when the backordered units arrived and were taken from stock for this order.
    backorder_filled = models.BooleanField(default=False)
    is_digital = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    @property
    def is_delayed(self):
        """Some units are still waiting for stock."""
        return self.backordered_quantity > 0 and not self.backorder_filled


class OrderEvent(models.Model):
    """The order's timeline: each status change (and note), who made it and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)
    # When the customer was e-mailed about this event; the e-mail task sends at most once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class ReceiptKey(models.Model):
    """A public key that has signed receipts. Every key ever used stays here (and published at
    /receipts/keys/), so receipts signed before a rotation remain verifiable; the private keys
    are never in the database."""

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    # The raw 32-byte Ed25519 public key, base64.
    public_key = models.CharField(_("public key"), max_length=64)
    first_used_at = models.DateTimeField(_("first used"))

    class Meta:
        verbose_name = _("receipt signing key")
        verbose_name_plural = _("receipt signing keys")
        ordering = ["first_used_at", "pk"]

    def __str__(self):
        return self.key_id


class Receipt(models.Model):
    """The signed receipt of a paid order (``orders.receipts``): exactly the bytes that were
    signed, the signature and the key that made it. Written once, never changed."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("order")
    )
    # An unguessable token for the QR code's verification link (order numbers are said aloud).
    code = models.CharField(max_length=32, unique=True)
    # The canonical JSON document (sorted keys, no insignificant whitespace, UTF-8).
    document = models.TextField(_("signed document"))
    # Ed25519 signature of the document's UTF-8 bytes, base64.
    signature = models.CharField(_("signature"), max_length=100, unique=True)
    key = models.ForeignKey(
        ReceiptKey,
        on_delete=models.PROTECT,
        to_field="key_id",
        related_name="receipts",
        verbose_name=_("signing key"),
    )
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "pk"]

    def __str__(self):
        return self.order.number

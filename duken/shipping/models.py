from django.db import models
from django.utils.translation import gettext_lazy as _


class Zone(models.Model):
    """A set of regions/cities with the same delivery terms (e.g. "Almaty", "Other regions",
    "International")."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    # Matching: a destination belongs to the first zone (by position) whose cities, regions or
    # countries name it; a zone with is_fallback catches the rest of its country list.
    cities = models.TextField(_("cities"), blank=True, help_text=_("One per line."))
    regions = models.TextField(_("regions"), blank=True, help_text=_("One per line."))
    countries = models.TextField(_("countries"), blank=True, help_text=_("One per line."))
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("delivery zone")
        verbose_name_plural = _("delivery zones")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class DeliveryMethod(models.Model):
    class Kind(models.TextChoices):
        OWN_COURIER = "own_courier", _("own courier")
        COURIER_SERVICE = "courier_service", _("courier service")
        POST = "post", _("post")
        TRANSPORT_COMPANY = "transport", _("transport company")
        PICKUP = "pickup", _("self-pickup")
        ELECTRONIC = "electronic", _("electronic delivery")

    code = models.SlugField(unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    name_ru = models.CharField(_("name (Russian)"), max_length=80, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("delivery method")
        verbose_name_plural = _("delivery methods")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class DeliveryRate(models.Model):
    """What a method costs in a zone: flat, or a base plus a price per started kilogram;
    free from a threshold."""

    method = models.ForeignKey(DeliveryMethod, on_delete=models.CASCADE, related_name="rates")
    zone = models.ForeignKey(
        Zone,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rates",
        help_text=_("Empty: everywhere the method is offered."),
    )
    base_price = models.DecimalField(_("base price"), max_digits=12, decimal_places=2, default=0)
    price_per_kg = models.DecimalField(
        _("price per started kg"), max_digits=12, decimal_places=2, default=0
    )
    free_from = models.DecimalField(
        _("free from order total"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_weight_grams = models.PositiveIntegerField(_("maximum weight, g"), null=True, blank=True)
    days_min = models.PositiveSmallIntegerField(_("days, from"), default=1)
    days_max = models.PositiveSmallIntegerField(_("days, to"), default=3)

    class Meta:
        verbose_name = _("delivery rate")
        verbose_name_plural = _("delivery rates")
        constraints = [models.UniqueConstraint(fields=["method", "zone"], name="one_rate_per_zone")]


class PickupPoint(models.Model):
    method = models.ForeignKey(
        DeliveryMethod, on_delete=models.CASCADE, related_name="pickup_points"
    )
    name = models.CharField(_("name"), max_length=80)
    city = models.CharField(_("city"), max_length=80)
    address = models.CharField(_("address"), max_length=200)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")
        ordering = ["city", "name"]

    def __str__(self):
        return f"{self.name} — {self.city}, {self.address}"

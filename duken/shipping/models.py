from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Zone(models.Model):
    """A set of regions/cities with the same delivery terms (e.g. "Almaty", "Other regions",
    "International")."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    # Matching (shipping.zones): the destination's city is looked up in every zone's cities
    # first, then its region in the regions, then its country in the zones that list only
    # countries; a zone with is_fallback catches whatever no other zone named. A zone that
    # lists cities or regions and also countries covers those places only in those countries.
    cities = models.TextField(_("cities"), blank=True, help_text=_("One per line."))
    regions = models.TextField(_("regions"), blank=True, help_text=_("One per line."))
    countries = models.TextField(_("countries"), blank=True, help_text=_("One per line."))
    is_fallback = models.BooleanField(
        _("everything else"),
        default=False,
        help_text=_("Catches destinations that no other zone names (e.g. International)."),
    )
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
    description_ru = models.CharField(_("description (Russian)"), max_length=200, blank=True)
    description_kk = models.CharField(_("description (Kazakh)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("delivery method")
        verbose_name_plural = _("delivery methods")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        """The name in the active language, falling back to English."""
        return _translated(self, "name")

    @property
    def display_description(self):
        return _translated(self, "description")

    @property
    def needs_address(self):
        return self.kind not in (self.Kind.PICKUP, self.Kind.ELECTRONIC)


def _translated(obj, field):
    lang = (get_language() or "en")[:2]
    if lang in ("ru", "kk"):
        return getattr(obj, f"{field}_{lang}", "") or getattr(obj, field)
    return getattr(obj, field)


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
    min_weight_grams = models.PositiveIntegerField(
        _("minimum weight, g"),
        null=True,
        blank=True,
        help_text=_("Offered only for orders at least this heavy (freight)."),
    )
    max_weight_grams = models.PositiveIntegerField(_("maximum weight, g"), null=True, blank=True)
    days_min = models.PositiveSmallIntegerField(_("days, from"), default=1)
    days_max = models.PositiveSmallIntegerField(_("days, to"), default=3)

    class Meta:
        verbose_name = _("delivery rate")
        verbose_name_plural = _("delivery rates")
        constraints = [models.UniqueConstraint(fields=["method", "zone"], name="one_rate_per_zone")]

    def __str__(self):
        return f"{self.method} — {self.zone or _('everywhere')}"


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

from functools import cache

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from duken.core.files import private_storage, random_upload_path


@cache
def _url_template(name: str) -> str:
    # Listing pages link dozens of products; reversing the pattern once per process and
    # filling in the slug is equivalent and a tenth of the cost.
    return reverse(name, args=["__slug__"])


def _url(name: str, slug: str) -> str:
    return _url_template(name).replace("__slug__", slug, 1)


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name (English)"), max_length=80)
    name_ru = models.CharField(_("name (Russian)"), max_length=80, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("shown in the store"), default=True)
    # Denormalized for the menu and listing pages; kept up to date by catalog.services.
    product_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        """The name in the active language, falling back to English."""
        lang = (get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name if lang != "en" else self.name

    def get_absolute_url(self):
        return _url("storefront:category", self.slug)


def _digital_file_path(instance, filename):
    return random_upload_path("digital", filename)


# What can be bought now: on sale, and in stock, digital or backorderable. The one rule every
# listing, widget and recommendation applies (``Product.objects.buyable()``, ``buyable_sql``).
BUYABLE = models.Q(is_active=True) & (
    models.Q(stock__gt=0) | models.Q(is_digital=True) | models.Q(allow_backorder=True)
)


def buyable_sql(quote) -> str:
    """``BUYABLE`` as an SQL condition on the product table, for raw queries on hot paths;
    ``quote`` is ``connection.ops.quote_name``."""
    return (
        f"{quote('is_active')} AND ({quote('stock')} > 0 OR {quote('is_digital')}"
        f" OR {quote('allow_backorder')})"
    )


class ProductQuerySet(models.QuerySet):
    def buyable(self):
        return self.filter(BUYABLE)


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=32, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The data set's original description, the product's identity for imports.
    source_name = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    primary_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="primary_products",
        verbose_name=_("main category"),
    )
    categories = models.ManyToManyField(
        Category, related_name="products", verbose_name=_("categories")
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    weight_grams = models.PositiveIntegerField(_("shipping weight, g"), default=500)
    stock = models.IntegerField(_("in stock"), default=0, help_text=_("Units available to sell."))
    restock_days = models.PositiveSmallIntegerField(
        _("days to restock"), default=14, help_text=_("Expected delay for backordered units.")
    )
    allow_backorder = models.BooleanField(_("allow backorders"), default=True)
    is_digital = models.BooleanField(_("digital product"), default=False)
    # Private: reachable only through the download view that checks the buyer's order.
    digital_file = models.FileField(
        _("file for download"),
        upload_to=_digital_file_path,
        storage=private_storage,
        max_length=255,
        blank=True,
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    # How many images the product has, kept by a signal: listings prefetch images only for the
    # products that have some, so a catalog without photos costs no image queries.
    image_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # Units sold, the popularity used for sorting and the home page.
    popularity = models.PositiveIntegerField(_("units sold"), default=0, db_index=True)
    created_at = models.DateTimeField(_("added"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="product_stock_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "price"]),
            models.Index(fields=["is_active", "name"]),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return _url("storefront:product", self.slug)

    @property
    def in_stock(self):
        return self.is_digital or self.stock > 0


# What a product tile shows (name, link, price, stock badge, picture): listings load only these.
CARD_FIELDS = (
    "sku",
    "slug",
    "name",
    "price",
    "currency",
    "stock",
    "is_digital",
    "allow_backorder",
    "image_count",
    "updated_at",
    "primary_category__slug",
    "primary_category__name",
    "primary_category__name_ru",
    "primary_category__name_kk",
)


def _product_image_path(instance, filename):
    return f"products/{instance.product.sku}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=_product_image_path)
    thumbnail = models.ImageField(upload_to="products/thumbs/", blank=True, editable=False)
    alt = models.CharField(_("alternative text"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "pk"]


class SearchQuery(models.Model):
    """Every storefront search, also the ones that found nothing, kept for analysis."""

    query = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    result_count = models.PositiveIntegerField()
    language = models.CharField(max_length=8, blank=True)
    user = models.ForeignKey(
        "customers.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        ordering = ["-created_at"]

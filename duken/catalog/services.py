"""Catalog operations: what the storefront lists and shows, search logging, category counts.

Listing functions return only active products and run a fixed, small number of queries
(a count and a page, with the main category joined), whatever the page size.
"""

import threading
import time
from decimal import Decimal, InvalidOperation

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    OuterRef,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .caching import catalog_version
from .images import save_product_image, validate_image  # noqa: F401  (part of this API)
from .models import CARD_FIELDS, Category, Product, SearchQuery, buyable_sql
from .search import normalize_query, reindex_products

SORTS = {
    "popular": ("-popularity", "pk"),
    "price": ("price", "pk"),
    "-price": ("-price", "pk"),
    "name": ("name", "pk"),
    "new": ("-created_at", "pk"),
}


def active_products():
    return Product.objects.filter(is_active=True).select_related("primary_category")


def card_products():
    """Active products with just what a tile shows: listings build dozens of them."""
    return active_products().only(*CARD_FIELDS)


def home_sections(limit=8) -> dict:
    """The home page: the newest products, the most popular ones (in stock, so the first
    thing a visitor sees can be bought), and the categories that have products."""
    return {
        "new": list(card_products().order_by("-created_at", "pk")[:limit]),
        "popular": list(card_products().filter(stock__gt=0).order_by("-popularity", "pk")[:limit]),
        "categories": list(Category.objects.filter(is_active=True, product_count__gt=0)),
    }


def _amount(value):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def list_products(
    *, category=None, sort="popular", min_price=None, max_price=None, page=1, per_page=24
) -> Page:
    """A page of active products, optionally in one category (a Category or its slug) and a
    price range. Unknown sorts fall back to popularity; page numbers out of range give the
    last page, nonsense gives the first."""
    products = card_products()
    if category is not None:
        if isinstance(category, Category):
            products = products.filter(categories=category)
        else:
            products = products.filter(categories__slug=str(category))
    low, high = _amount(min_price), _amount(max_price)
    if low is not None:
        products = products.filter(price__gte=low)
    if high is not None:
        products = products.filter(price__lte=high)
    products = products.order_by(*SORTS.get(sort, SORTS["popular"]))
    per_page = max(1, min(int(per_page), 100))
    return Paginator(products, per_page).get_page(page)


def with_images(products) -> list[Product]:
    """The products as a list, their images prefetched in one query for those that have any
    (none at all when no product on the list has a photo)."""
    products = list(products)
    pictured = [p for p in products if p.image_count]
    if pictured:
        prefetch_related_objects(pictured, "images")
    return products


def get_product(slug) -> Product:
    """The active product with this slug; raises Product.DoesNotExist otherwise."""
    return active_products().get(slug=str(slug))


# Every category, kept in each process for the catalog version it was read at and at most
# CATEGORIES_TTL seconds (a product page names its categories; there are a few dozen, so they
# are read once, not joined on every page).
CATEGORIES_TTL = 300
_categories = {"version": None, "by_id": {}, "read": 0.0}
_categories_lock = threading.Lock()


def _categories_by_id(needed=()) -> dict:
    version = catalog_version()
    with _categories_lock:
        stale = any(pk not in _categories["by_id"] for pk in needed)
        stale |= time.monotonic() - _categories["read"] > CATEGORIES_TTL
        if stale or _categories["version"] != version:
            _categories["by_id"] = {c.pk: c for c in Category.objects.all()}
            _categories["version"] = version
            _categories["read"] = time.monotonic()
        return _categories["by_id"]


def product_categories(product) -> list[Category]:
    """The product's active categories in menu order: one light query for the links."""
    through = Product.categories.through
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('category_id')} FROM {quote(through._meta.db_table)} "
            f"WHERE {quote('product_id')} = %s",
            [product.pk],
        )
        ids = {row[0] for row in cursor.fetchall()}
    by_id = _categories_by_id(ids)
    found = [by_id[pk] for pk in ids if pk in by_id and by_id[pk].is_active]
    return sorted(found, key=lambda c: (c.position, c.name))


def record_search(
    *, query, result_count, user=None, session_key="", language="", defer=False
) -> SearchQuery:
    """Store one search, including those that found nothing. With ``defer`` the row joins the
    next batch of the interaction buffer (written within seconds, see
    ``duken.interactions.buffer``) instead of costing the page a write of its own. Either way
    the search is stored without the customer when they asked us to forget it
    (``buffer.not_forgotten``)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    row = SearchQuery(
        query=str(query or "").replace("\x00", "")[:200],
        normalized=normalize_query(query)[:200],
        result_count=max(0, int(result_count)),
        user=user,
        session_key=(session_key or "")[:64],
        language=(language or "")[:8],
        created_at=timezone.now(),
    )
    from duken.interactions import buffer

    if defer:
        buffer.add(row)
    else:
        buffer.not_forgotten([row])
        row.save()
    return row


def refresh_category_counts() -> None:
    """Recount the active products of every category, in one statement."""
    through = Product.categories.through
    counts = (
        through.objects.filter(category_id=OuterRef("pk"), product__is_active=True)
        .values("category_id")
        .annotate(n=Count("product_id"))
        .values("n")
    )
    Category.objects.update(product_count=Coalesce(Subquery(counts), 0))


def set_products_active(products, is_active: bool) -> int:
    """Put products on sale or take them off; listings, counts and the search index follow."""
    ids = list(products.values_list("pk", flat=True))
    changed = Product.objects.filter(pk__in=ids).update(is_active=is_active)
    reindex_products(ids)
    refresh_category_counts()
    return changed


def buyable_ids(ids) -> set[int]:
    """Which of ``ids`` can be bought now (``BUYABLE``). Plain SQL: widgets ask this on every
    page, and building the ORM query would cost more than the query."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return set()
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('id')} FROM {quote(Product._meta.db_table)}"
        f" WHERE {quote('id')} IN ({', '.join(['%s'] * len(ids))}) AND {buyable_sql(quote)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return {row[0] for row in cursor.fetchall()}

"""Reading the stored lists: candidate ids from the cache (else one row), then the products
a page shows in one query that keeps only what can be bought now (``catalog`` owns the rule).
``Item`` and ``Widget`` are what every page's widgets are made of."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection

from duken.catalog.caching import catalog_version
from duken.catalog.models import CARD_FIELDS, Product, buyable_sql
from duken.catalog.services import with_images

from .. import cache as keys
from ..models import PopularList, ProductNeighbours

CANDIDATES = 24  # stored ids read per list: room for what turns out unavailable
DEFAULT_COUNTRY = "Kazakhstan"


@dataclass
class Item:
    product: Product
    reason: str
    card: str = ""  # the product's tile, filled in when the widget is rendered


@dataclass
class Widget:
    name: str  # stable identifier, used as the section's id
    title: str
    items: list[Item] = field(default_factory=list)
    reason: str = ""  # one line under the title when all items share their reason

    def __bool__(self):
        return bool(self.items)


# --- reading the stored lists ---------------------------------------------------------------


def _compact(row) -> dict:
    return {
        "bought": [tuple(pair) for pair in (row.get("bought") or [])[:CANDIDATES]],
        "viewed": [tuple(pair) for pair in (row.get("viewed") or [])[:CANDIDATES]],
        "similar": [tuple(pair) for pair in (row.get("similar") or [])[:CANDIDATES]],
    }


def neighbours_many(product_ids) -> dict[int, dict]:
    """Each product's stored lists (``bought``, ``viewed``, ``similar`` as (id, score) pairs);
    a product without any is missing from the result."""
    ids = [int(pk) for pk in dict.fromkeys(product_ids)]
    if not ids:
        return {}
    key_of = {keys.product_key(pk): pk for pk in ids}
    found = cache.get_many(list(key_of))
    result = {key_of[key]: value for key, value in found.items() if value}
    missing = [pk for key, pk in key_of.items() if key not in found]
    if missing:
        rows = {row["product_id"]: _compact(row) for row in _neighbour_rows(missing)}
        cache.set_many({keys.product_key(pk): rows.get(pk, {}) for pk in missing}, keys.TTL)
        result.update(rows)
    return result


def _neighbour_rows(ids) -> list[dict]:
    """The stored rows of ``ids``, read with one plain query (this runs on every first view
    of a product page)."""
    names = ("bought", "viewed", "similar")
    fields = [ProductNeighbours._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT product_id, {', '.join(quote(field.column) for field in fields)} "
        f"FROM {quote(ProductNeighbours._meta.db_table)} "
        f"WHERE product_id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return [
        {
            "product_id": row[0],
            **{
                name: field.from_db_value(value, None, connection)
                for name, field, value in zip(names, fields, row[1:], strict=True)
            },
        }
        for row in rows
    ]


def popular_ids(scope: str = "all") -> tuple[list[int], bool]:
    """A popular list's ids and whether it counts only the last week; before any training,
    the catalog's best sellers."""
    key = keys.popular_key(scope)
    value = cache.get(key)
    if value is None:
        row = PopularList.objects.filter(key=scope).values_list("items", "is_weekly").first()
        if row is None and scope == "all":
            # Before any training: the catalog's own best sellers.
            ids = list(
                Product.objects.buyable()
                .order_by("-popularity", "pk")
                .values_list("pk", flat=True)[:CANDIDATES]
            )
            row = (ids, False)
        value = (list(row[0])[:CANDIDATES], bool(row[1])) if row else ([], False)
        cache.set(key, value, keys.TTL)
    return value


# Products shown in widgets stay loaded in each process between requests: a page re-reads
# only the columns that change a tile or its availability (one light query, written out so no
# ORM query is built per page) and loads in full only the products it has not seen in that
# version. Bounded; emptied whenever the catalog version moves.
CARD_MEMORY = 6000
VERSION_COLUMNS = ("updated_at", "price", "stock", "image_count", "primary_category_id")
_cards: OrderedDict = OrderedDict()
_cards_lock = threading.Lock()
_cards_catalog = [None]


def _available_versions(ids) -> list[tuple]:
    """``(pk, *version)`` of the products among ``ids`` that can be bought now (``BUYABLE``)."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT id, {', '.join(map(quote, VERSION_COLUMNS))} FROM {quote(Product._meta.db_table)} "
        f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND {buyable_sql(quote)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return cursor.fetchall()


def available(ids) -> dict[int, Product]:
    """The products among ``ids`` that can be bought now, loaded with what a tile shows."""
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    if not ids:
        return {}
    current = catalog_version()
    found, missing = {}, {}
    rows = _available_versions(ids)
    with _cards_lock:
        if _cards_catalog[0] != current:
            _cards.clear()
            _cards_catalog[0] = current
        for pk, *version in rows:
            hit = _cards.get(pk)
            if hit is not None and hit[0] == version:
                _cards.move_to_end(pk)
                found[pk] = hit[1]
            else:
                missing[pk] = version
    if missing:
        products = with_images(
            Product.objects.buyable()
            .filter(pk__in=list(missing))
            .select_related("primary_category")
            .only(*CARD_FIELDS)
        )
        with _cards_lock:
            for product in products:
                found[product.pk] = product
                # A product changed between the two reads is stored under the older version
                # and so reloaded on its next showing.
                _cards[product.pk] = (missing[product.pk], product)
            while len(_cards) > CARD_MEMORY:
                _cards.popitem(last=False)
    return {pk: found[pk] for pk in ids if pk in found}


def _pick(ids, products, limit, seen) -> list[Product]:
    picked = []
    for pk in ids:
        pk = getattr(pk, "pk", pk)
        if len(picked) >= limit:
            break
        product = products.get(pk)
        if product is not None and pk not in seen:
            seen.add(pk)
            picked.append(product)
    return picked

"""Serving: turn the stored lists into widgets with a reason per item, cheaply.

A page reads the stored candidate ids (from the cache, else one row), then loads the products
it shows in one query that keeps only what can be bought now (active, and in stock, digital or
backorderable); tiles come from the storefront's cached product cards. Nothing here trains or
scores: personal lists were ranked at training time.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection

from duken.catalog.caching import catalog_version
from duken.catalog.models import CARD_FIELDS, Product, buyable_sql
from duken.catalog.services import with_images

from . import cache as keys
from . import reasons
from .models import CustomerRecommendations, PopularList, ProductNeighbours
from .privacy import forgotten_for, may_personalize

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


# --- product page -----------------------------------------------------------------------------


def product_widgets(product, limit: int = 8) -> list[Widget]:
    """ "Often bought together" and "Similar products" for a product page; non-personal, so
    the same for every visitor. A product without history gets products from its category
    with similar names (or its category's best sellers)."""
    row = neighbours_many([product.pk]).get(product.pk, {})
    bought = [pk for pk, _score in row.get("bought", ())]
    viewed = [pk for pk, _score in row.get("viewed", ())]
    similar = [pk for pk, _score in row.get("similar", ())]
    # Load a few spares beyond what is shown (for what turns out unavailable); the rest of the
    # candidates only when the spares were not enough.
    spare = limit + 4
    first = bought[:spare] + viewed[: limit // 2 + 2] + similar[:spare]
    products = available(first)
    together, alike = _product_lists(product, limit, bought, viewed, similar, products)
    rest = set(bought + viewed + similar) - set(first)
    if rest and (len(together.items) < limit or len(alike.items) < limit):
        products.update(available(rest))
        together, alike = _product_lists(product, limit, bought, viewed, similar, products)
    seen = {product.pk} | {item.product.pk for item in together.items + alike.items}
    if len(alike.items) < limit and product.primary_category_id:
        # Not enough history or similar names yet: the category's best sellers.
        room = limit - len(alike.items)
        best = category_best_sellers(product.primary_category_id, room + len(seen))
        reason = reasons.same_category(_category_name(product))
        alike.items += [Item(p, reason) for p in _pick(best, best_map(best), room, seen)]
    return [widget for widget in (together, alike) if widget]


def _product_lists(product, limit, bought, viewed, similar, products):
    seen = {product.pk}
    together = Widget(
        "bought-together",
        reasons_title("bought-together"),
        reason=reasons.bought_with(product.name),
    )
    together.items = [Item(p, "") for p in _pick(bought, products, limit, seen)]
    alike = Widget("similar", reasons_title("similar"), reason=reasons.similar_to(product.name))
    for pk_list, reason in (
        (viewed[: limit // 2], reasons.viewed_together(product.name)),
        (similar, ""),
        (viewed, reasons.viewed_together(product.name)),
    ):
        room = limit - len(alike.items)
        alike.items += [Item(p, reason) for p in _pick(pk_list, products, room, seen)]
    return together, alike


def category_best_sellers(category_id: int, limit: int) -> list[Product]:
    """The category's best-selling products that can be bought now (one query)."""
    return list(
        Product.objects.buyable()
        .filter(primary_category_id=category_id)
        .select_related("primary_category")
        .only(*CARD_FIELDS)
        .order_by("-popularity", "pk")[:limit]
    )


def best_map(products) -> dict[int, Product]:
    return {product.pk: product for product in with_images(products)}


def _category_name(product) -> str:
    category = product.primary_category if product.primary_category_id else None
    return category.display_name if category is not None else ""


def reasons_title(name: str, **params) -> str:
    from django.utils.translation import gettext as _

    titles = {
        "bought-together": _("Often bought together"),
        "similar": _("Similar products"),
        "complete-order": _("Complete your order"),
        "also-bought": _("Customers who bought these also bought"),
        "for-you": _("For you"),
        "recently-viewed": _("Recently viewed"),
    }
    return titles[name]


# --- baskets: cart and order confirmation -----------------------------------------------------


def basket_widget(lines, *, name="complete-order", limit: int = 8) -> Widget:
    """What goes with a basket (``lines`` as ``(product_id, name)``): co-purchase neighbours of
    every product in it, summed, each with the basket product that suggests it most; similar
    products when the basket has no purchase history. Empty when nothing is known about the
    basket's products: a best-seller list is no answer to "what goes with this"."""
    lines = [(int(pk), label) for pk, label in lines if pk]
    inside = {pk for pk, _label in lines}
    names = dict(lines)
    rows = neighbours_many(inside)
    scores: dict[int, float] = {}
    cause: dict[int, tuple[float, int, str]] = {}
    for source in ("bought", "similar"):
        for pk in inside:
            for other, score in rows.get(pk, {}).get(source, ()):
                if other in inside:
                    continue
                weight = score if source == "bought" else score * 0.1
                scores[other] = scores.get(other, 0.0) + weight
                if other not in cause or weight > cause[other][0]:
                    cause[other] = (weight, pk, source)
    ranked = sorted(scores, key=lambda pk: (-scores[pk], pk))[: limit * 3]
    products = available(ranked)
    widget = Widget(name, reasons_title(name))
    for product in _pick(ranked, products, limit, set(inside)):
        _weight, because, source = cause[product.pk]
        text = (reasons.bought_together if source == "bought" else reasons.similar_to)(
            names[because]
        )
        widget.items.append(Item(product, text))
    return widget


# --- home page and e-mails: personal when allowed -------------------------------------------


def stored_for_you(user) -> list:
    """The customer's precomputed list: ``[product_id, score, code, reason_id, reason_name]``."""
    if user is None or not getattr(user, "pk", None):
        return []
    row = CustomerRecommendations.objects.filter(user_id=user.pk).values_list("items").first()
    return list(row[0]) if row else []


def recently_viewed_ids(*, user=None, visitor_id=None, limit: int = 8) -> list[int]:
    from duken.interactions.models import Event, Kind

    if user is not None and getattr(user, "pk", None):
        events = Event.objects.filter(user_id=user.pk)
    elif visitor_id:
        events = Event.objects.filter(visitor_id=visitor_id, user__isnull=True)
    else:
        return []
    product_type = ContentType.objects.get_for_model(Product)
    ids = (
        events.filter(kind=Kind.PRODUCT_VIEW, content_type=product_type)
        .order_by("-occurred_at")
        .values_list("object_id", flat=True)[: limit * 4]
    )
    return list(dict.fromkeys(int(pk) for pk in ids))[: limit * 2]


def country_of(user) -> str:
    country = getattr(user, "country", "") if user is not None else ""
    return country or DEFAULT_COUNTRY


def popular_widget(country: str, limit: int = 8, exclude=(), *, anywhere=True) -> Widget:
    """Best sellers in the country, else (with ``anywhere``) in the whole shop."""
    ids, weekly = popular_ids(f"country:{country}")
    shown_country = country if ids else ""
    if not ids and anywhere:
        ids, weekly = popular_ids("all")
    products = available(ids)
    title = reasons.popular(shown_country, weekly=weekly)
    widget = Widget("popular-here", title)
    widget.items = [Item(p, title) for p in _pick(ids, products, limit, set(exclude))]
    return widget


def personal_items(entries, products, limit, seen, forgotten=None) -> list[Item]:
    """Stored personal entries as items; anything the customer asked to forget since the list
    was ranked (the item or what it was derived from) is left out."""
    items = []
    for entry in entries:
        pk, _score, code = entry[0], entry[1], entry[2]
        because = entry[3] if len(entry) > 3 else None
        reason_name = entry[4] if len(entry) > 4 else ""
        product = products.get(pk)
        if product is None or pk in seen:
            continue
        if forgotten and (
            forgotten.covers(pk, product.primary_category_id)
            or (because is not None and because in forgotten.products)
        ):
            continue
        seen.add(pk)
        items.append(Item(product, reasons.because(code, reason_name)))
        if len(items) >= limit:
            break
    return items


def home_widgets(request, limit: int = 8, *, personal=None, viewed=None) -> list[Widget]:
    """The home page: "For you" and "Recently viewed" when the visitor allows
    personalization, else (and as a fallback) what is popular in their country. ``personal``
    and ``viewed`` pass what the caller already looked up."""
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if personal is None:
        personal = may_personalize(request)
    widgets = []
    if personal:
        entries = stored_for_you(user)
        if viewed is None:
            viewed = recently_viewed_ids(user=user, visitor_id=_visitor(request), limit=limit)
        products = available([entry[0] for entry in entries] + list(viewed))
        forgotten = forgotten_for(user) if entries else None
        seen: set[int] = set()
        for_you = Widget("for-you", reasons_title("for-you"))
        for_you.items = personal_items(entries, products, limit, seen, forgotten)
        recent = Widget("recently-viewed", reasons_title("recently-viewed"))
        recent.reason = reasons.recently_viewed()
        recent.items = [Item(p, "") for p in _pick(viewed, products, limit, set())]
        widgets = [widget for widget in (for_you, recent) if widget]
    if not any(widget.name == "for-you" for widget in widgets):
        # The page itself lists the shop's overall best sellers and new arrivals; this adds
        # what sells in the visitor's country, when there is such a list.
        popular = popular_widget(country_of(user), limit, anywhere=False)
        if popular:
            popular.items = [Item(i.product, "") for i in popular.items]
            widgets.append(popular)
    return widgets


def _visitor(request):
    from duken.interactions.visitor import visitor_id

    return visitor_id(request)


def home_html(request, limit: int = 8) -> str:
    """The home page's widgets rendered, from the cache when nothing behind them changed."""
    from duken.privacy.memory import memory_version

    from . import fragments

    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if not may_personalize(request):
        return fragments.cached(
            fragments.key("home-popular", country_of(user)),
            lambda: home_widgets(request, limit, personal=False),
        )
    viewed = recently_viewed_ids(user=user, visitor_id=_visitor(request), limit=limit)
    if user is None:
        parts = ("visitor", fragments.digest(viewed))
    else:
        parts = (
            user.pk,
            fragments.user_version(user.pk),
            memory_version(user),
            country_of(user),
            fragments.digest(viewed),
        )
    return fragments.cached(
        fragments.key("home", *parts),
        lambda: home_widgets(request, limit, personal=True, viewed=viewed),
    )


def product_html(product, limit: int = 8) -> str:
    from . import fragments

    return fragments.cached(
        fragments.key("product", product.pk), lambda: product_widgets(product, limit)
    )


def basket_html(lines, *, name: str, limit: int = 8) -> str:
    from . import fragments

    lines = [(int(pk), label) for pk, label in lines if pk]
    ids = sorted({pk for pk, _label in lines})
    return fragments.cached(
        fragments.key(name, fragments.digest(ids)),
        lambda: [basket_widget(lines, name=name, limit=limit)],
    )


def personal_or_popular(user, k: int, *, personalized: bool) -> list[Item]:
    """``k`` items for one customer outside a page (e-mails, the back office)."""
    items: list[Item] = []
    seen: set[int] = set()
    forgotten = forgotten_for(user) if user is not None and getattr(user, "pk", None) else None
    if personalized:
        entries = stored_for_you(user)
        products = available([entry[0] for entry in entries])
        items = personal_items(entries, products, k, seen, forgotten)
    if len(items) < k:
        # Best sellers are nobody's personal data, but a product the customer asked us to
        # forget is not offered back to them either.
        popular = popular_widget(country_of(user), k * 2, exclude=seen)
        backfill = [
            item
            for item in popular.items
            if not (
                forgotten and forgotten.covers(item.product.pk, item.product.primary_category_id)
            )
        ]
        items += backfill[: k - len(items)]
    return items

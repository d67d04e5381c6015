"""Interests and recent activity derived from the customer's history (the interaction log,
the catalog's search log and their orders). Forgetting them is in ``memory_erase``."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from duken.interactions.models import Event, Kind

from . import memory
from .memory import Interest, Item, Section

RECENT_SEARCHES = 10
RECENT_PRODUCTS = 12
# Kinds that are a customer's activity (orders are records the shop must keep, not activity).
ACTIVITY_KINDS = [k for k in Kind.values if k != Kind.ORDER_PLACED]
# What one signal counts towards an interest.
WEIGHTS = {"viewed": 1.0, "opened": 0.5, "carted": 3.0, "bought": 5.0, "searched": 1.0}


# --- history ---------------------------------------------------------------------------------


def _content_type(model):
    return ContentType.objects.get_for_model(model)


def _signals(user):
    """Per product and per category: how often the customer viewed, put in the cart, bought,
    and opened it. Everything stored counts; of the orders, which the shop keeps whatever the
    customer forgets, those a forget covers do not (``forgotten.forgotten_lines``)."""
    from duken.catalog.models import Category, Product
    from duken.orders.models import OrderLine

    from .forgotten import forgotten_lines

    product_ct, category_ct = _content_type(Product), _content_type(Category)
    products = defaultdict(lambda: defaultdict(int))
    categories = defaultdict(lambda: defaultdict(int))
    rows = (
        Event.objects.filter(
            user_id=user.pk,
            kind__in=[Kind.PRODUCT_VIEW, Kind.CART_ADD, Kind.CATEGORY_VIEW],
            content_type__in=[product_ct, category_ct],
        )
        .values("content_type_id", "object_id", "kind")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        if row["content_type_id"] == category_ct.pk:
            categories[row["object_id"]]["opened"] += row["n"]
        else:
            signal = "viewed" if row["kind"] == Kind.PRODUCT_VIEW else "carted"
            products[row["object_id"]][signal] += row["n"]
    lines = OrderLine.objects.filter(order__user_id=user.pk, product__isnull=False)
    covered = forgotten_lines(user)
    if covered is not None:
        lines = lines.exclude(covered)
    bought = lines.values("product_id").annotate(
        times=Count("order_id", distinct=True), units=Sum("quantity")
    )
    for row in bought:
        products[row["product_id"]]["bought"] += row["times"]
    return products, categories


def _searches(user):
    """The customer's searches, read once per ``memory.remembered`` call (interests and recent
    activity both show them); see ``_read_searches``."""
    memo = memory.call_memo()
    if memo is None:
        return _read_searches(user)
    key = ("searches", user.pk)
    if key not in memo:
        memo[key] = _read_searches(user)
    return memo[key]


def _read_searches(user):
    """The customer's searches grouped by their normalized words: {key: {"query", "count",
    "last"}}. Both the event log and the catalog's search log are read; a search recorded in
    both counts once."""
    from duken.catalog.models import SearchQuery

    grouped = {}

    def add(query, count, last, source):
        key = memory.search_key(query)
        entry = grouped.setdefault(key, {"query": query, "counts": defaultdict(int), "last": last})
        entry["counts"][source] += count
        if last and (entry["last"] is None or last > entry["last"]):
            entry["last"], entry["query"] = last, query

    events = (
        Event.objects.filter(user_id=user.pk, kind=Kind.SEARCH)
        .values("properties__query")
        .annotate(n=Count("pk"), last=Max("occurred_at"))
    )
    for row in events:
        query = row["properties__query"]
        if isinstance(query, str) and query.strip():
            add(query.strip(), row["n"], row["last"], "events")
    logged = (
        SearchQuery.objects.filter(user_id=user.pk)
        .values("query")
        .annotate(n=Count("pk"), last=Max("created_at"))
    )
    for row in logged:
        if row["query"].strip():
            add(row["query"].strip(), row["n"], row["last"], "log")
    for entry in grouped.values():
        entry["count"] = max(entry["counts"].values())
    return grouped


def _product_reason(counts) -> str:
    parts = []
    if counts.get("bought"):
        n = counts["bought"]
        parts.append(ngettext("You bought it %(count)d time.", "You bought it %(count)d times.", n))
        parts[-1] %= {"count": n}
    if counts.get("viewed"):
        n = counts["viewed"]
        parts.append(ngettext("You viewed it %(count)d time.", "You viewed it %(count)d times.", n))
        parts[-1] %= {"count": n}
    if counts.get("carted"):
        n = counts["carted"]
        parts.append(
            ngettext(
                "You added it to your cart %(count)d time.",
                "You added it to your cart %(count)d times.",
                n,
            )
        )
        parts[-1] %= {"count": n}
    return " ".join(parts)


def _category_reason(counts, name) -> str:
    parts = []
    n = counts.get("viewed", 0)
    if n:
        parts.append(
            ngettext(
                "You viewed %(count)d product in %(name)s.",
                "You viewed %(count)d products in %(name)s.",
                n,
            )
            % {"count": n, "name": name}
        )
    n = counts.get("bought", 0)
    if n:
        parts.append(
            ngettext(
                "You bought %(count)d product from %(name)s.",
                "You bought %(count)d products from %(name)s.",
                n,
            )
            % {"count": n, "name": name}
        )
    n = counts.get("carted", 0)
    if n:
        parts.append(
            ngettext(
                "You added %(count)d product from %(name)s to your cart.",
                "You added %(count)d products from %(name)s to your cart.",
                n,
            )
            % {"count": n, "name": name}
        )
    n = counts.get("opened", 0)
    if n:
        parts.append(
            ngettext(
                "You opened %(name)s %(count)d time.", "You opened %(name)s %(count)d times.", n
            )
            % {"count": n, "name": name}
        )
    return " ".join(parts)


def derive_interests(user) -> list[Interest]:
    """Categories, products and searches the customer showed interest in, strongest first,
    from what is stored about them (see ``_signals`` for their orders)."""
    from duken.catalog.models import Category, Product

    products, categories = _signals(user)
    found = []
    info = {
        p["pk"]: p
        for p in Product.objects.filter(pk__in=list(products)).values(
            "pk", "name", "slug", "primary_category_id"
        )
    }
    links = defaultdict(set)
    for product_id, category_id in Product.categories.through.objects.filter(
        product_id__in=list(info)
    ).values_list("product_id", "category_id"):
        links[category_id].add(product_id)
    category_counts = defaultdict(lambda: defaultdict(int))
    for category_id, opened in categories.items():
        category_counts[category_id]["opened"] += opened["opened"]
    for category_id, product_ids in links.items():
        for product_id in product_ids:
            for signal, n in products[product_id].items():
                if n:
                    # distinct products per signal: "you viewed 12 products in Kitchen"
                    category_counts[category_id][signal] += 1
    names = {c.pk: c for c in Category.objects.filter(pk__in=list(category_counts))}
    for category_id, counts in category_counts.items():
        key = memory.category_key(category_id)
        if category_id not in names:
            continue
        name = names[category_id].display_name
        found.append(
            Interest(
                key=key,
                kind="category",
                label=name,
                object_id=category_id,
                counts=dict(counts),
                score=sum(WEIGHTS[s] * n for s, n in counts.items()),
                reason=_category_reason(counts, name),
            )
        )
    for product_id, counts in products.items():
        key = memory.product_key(product_id)
        product = info.get(product_id)
        if product is None:
            continue
        found.append(
            Interest(
                key=key,
                kind="product",
                label=product["name"],
                object_id=product_id,
                counts=dict(counts),
                score=sum(WEIGHTS[s] * n for s, n in counts.items()),
                reason=_product_reason(counts),
            )
        )
    for key, entry in _searches(user).items():
        found.append(
            Interest(
                key=key,
                kind="search",
                label=entry["query"],
                query=entry["query"],
                counts={"searched": entry["count"]},
                score=WEIGHTS["searched"] * entry["count"],
                reason=_search_reason(entry["query"], entry["count"]),
            )
        )
    found.sort(key=lambda interest: (-interest.score, interest.label))
    return found


def _search_reason(query, n) -> str:
    return ngettext(
        "You searched for “%(query)s” %(count)d time.",
        "You searched for “%(query)s” %(count)d times.",
        n,
    ) % {"query": query, "count": n}


# --- items for the page ----------------------------------------------------------------------


def _urls(kind, ids):
    from duken.catalog.models import Category, Product

    model = Product if kind == "product" else Category
    return {o.pk: o.get_absolute_url() for o in model.objects.filter(pk__in=ids).only("slug")}


def interest_items(user, forgotten):
    """Every category, every product bought, put in the cart or viewed more than once, and
    every search made more than once. Single views and searches are in recent activity and in
    the activity history."""
    found = derive_interests(user)
    shown = [
        i
        for i in found
        if i.kind == "category"
        or (
            i.kind == "product"
            and (i.counts.get("bought") or i.counts.get("carted") or i.counts.get("viewed", 0) > 1)
        )
        or (i.kind == "search" and i.counts.get("searched", 0) > 1)
    ]
    urls = {
        kind: _urls(kind, [i.object_id for i in shown if i.kind == kind])
        for kind in ("product", "category")
    }
    for interest in shown:
        yield Item(
            key=interest.key,
            section=Section.INTERESTS,
            title=interest.label,
            reason=interest.reason,
            url=urls.get(interest.kind, {}).get(interest.object_id, ""),
            forgettable=True,
        )


def activity_items(user, forgotten):
    from duken.catalog.models import Product, SearchQuery

    searches = sorted(
        ((key, entry) for key, entry in _searches(user).items() if entry["last"] is not None),
        key=lambda pair: pair[1]["last"],
        reverse=True,
    )[:RECENT_SEARCHES]
    for key, entry in searches:
        yield Item(
            key=key,
            section=Section.ACTIVITY,
            title=_("Search: “%(query)s”") % {"query": entry["query"]},
            reason=_("You searched for it. It helps us show what you were looking for."),
            occurred_at=entry["last"],
            forgettable=True,
        )
    product_ct = _content_type(Product)
    viewed = (
        Event.objects.filter(user_id=user.pk, kind=Kind.PRODUCT_VIEW, content_type=product_ct)
        .values("object_id")
        .annotate(last=Max("occurred_at"))
        .order_by("-last")
    )
    recent = list(viewed[:RECENT_PRODUCTS])
    products = Product.objects.only("name", "slug").in_bulk([row["object_id"] for row in recent])
    for row in recent:
        product = products.get(row["object_id"])
        if product is None:
            continue
        yield Item(
            key=memory.product_key(product.pk),
            section=Section.ACTIVITY,
            title=product.name,
            reason=_("You looked at this product."),
            url=product.get_absolute_url(),
            occurred_at=row["last"],
            forgettable=True,
        )
    kept = (
        Event.objects.filter(user_id=user.pk, kind__in=ACTIVITY_KINDS).count()
        + SearchQuery.objects.filter(user_id=user.pk).count()
    )
    if kept:
        yield Item(
            key="activity:all",
            section=Section.ACTIVITY,
            title=_("Your whole activity history"),
            value=ngettext("%(count)d record", "%(count)d records", kept) % {"count": kept},
            reason=_(
                "The pages and products you viewed, your searches and your cart, as recorded "
                "with your consent. Your orders are kept apart: the law requires us to keep them."
            ),
            forgettable=True,
            forget_label=_("Forget all my activity"),
        )

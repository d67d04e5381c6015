"""The product page ("Often bought together", "Similar products") and the baskets: the cart's
"Complete your order" and the order confirmation's "Customers who bought these also bought"."""

from duken.catalog.models import CARD_FIELDS, Product
from duken.catalog.services import with_images

from .. import reasons
from .stored import Item, Widget, _pick, available, neighbours_many


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


def product_html(product, limit: int = 8) -> str:
    from .. import fragments

    return fragments.cached(
        fragments.key("product", product.pk), lambda: product_widgets(product, limit)
    )


def basket_html(lines, *, name: str, limit: int = 8) -> str:
    from .. import fragments

    lines = [(int(pk), label) for pk, label in lines if pk]
    ids = sorted({pk for pk, _label in lines})
    return fragments.cached(
        fragments.key(name, fragments.digest(ids)),
        lambda: [basket_widget(lines, name=name, limit=limit)],
    )

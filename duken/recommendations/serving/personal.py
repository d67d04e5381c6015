"""The home page and e-mails: "For you" and "Recently viewed" when the visitor allows
personalization, otherwise best sellers in their country; never anything they asked us to
forget."""

from django.contrib.contenttypes.models import ContentType

from duken.catalog.models import Product

from .. import reasons
from ..models import CustomerRecommendations
from ..privacy import forgotten_for, may_personalize
from .product_pages import reasons_title
from .stored import DEFAULT_COUNTRY, Item, Widget, _pick, available, popular_ids


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

    from .. import fragments

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

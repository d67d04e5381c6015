"""Home, category, product and search pages: thin views over catalog.services and
catalog.search. Expensive, non-personal fragments are cached in the templates; the data is
handed over lazily so a cache hit skips the queries behind it."""

from decimal import Decimal, InvalidOperation

from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from duken.catalog import search as catalog_search
from duken.catalog import services as catalog
from duken.catalog.models import Category, Product
from duken.interactions.models import Kind
from duken.interactions.services import record
from duken.privacy.models import Purpose
from duken.privacy.services import has_consent

SORTS = ("popular", "price", "-price", "name", "new")
MAX_PRICE = Decimal("1000000000")
MAX_QUERY = 200


def sort_choices():
    # Evaluated per request so the labels follow the active language.
    return [
        ("popular", _("Popular first")),
        ("price", _("Cheapest first")),
        ("-price", _("Most expensive first")),
        ("name", _("By name")),
        ("new", _("New arrivals")),
    ]


_with_images = catalog.with_images


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _price(raw, label, errors):
    raw = (raw or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(_("%(label)s must be a number; the filter was ignored.") % {"label": label})
        return None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        errors.append(
            _("%(label)s must be between 0 and 1 000 000 000; the filter was ignored.")
            % {"label": label}
        )
        return None
    return value


def home(request):
    def sections():
        data = catalog.home_sections(limit=8)
        catalog.with_images(list(data["new"]) + list(data["popular"]))
        return data

    record(request, Kind.PAGE_VIEW, properties={"path": request.path})
    return render(
        request,
        "storefront/home.html",
        {"sections": SimpleLazyObject(sections), "language": get_language()},
    )


def category(request, slug):
    try:
        category = Category.objects.get(slug=slug, is_active=True)
    except Category.DoesNotExist:
        raise Http404(_("No such category.")) from None
    errors = []
    sort = request.GET.get("sort") or "popular"
    if sort not in SORTS:
        errors.append(_("Unknown sort order; showing popular products first."))
        sort = "popular"
    min_price = _price(request.GET.get("min_price"), _("Minimum price"), errors)
    max_price = _price(request.GET.get("max_price"), _("Maximum price"), errors)
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price
        errors.append(_("The minimum price was above the maximum; the two were swapped."))
    page = catalog.list_products(
        category=category,
        sort=sort,
        min_price=min_price,
        max_price=max_price,
        page=_page_number(request.GET.get("page")),
    )
    products = SimpleLazyObject(lambda: _with_images(page.object_list))
    record(request, Kind.CATEGORY_VIEW, obj=category, properties={"sort": sort})
    return render(
        request,
        "storefront/category.html",
        {
            "category": category,
            "page": page,
            "products": products,
            "sort": sort,
            "sort_choices": sort_choices(),
            "min_price": min_price,
            "max_price": max_price,
            "filter_errors": errors,
            "language": get_language(),
        },
    )


def product(request, slug):
    try:
        product = catalog.get_product(slug)
    except Product.DoesNotExist:
        raise Http404(_("No such product.")) from None

    def images():
        return list(product.images.all()) if product.image_count else []

    record(request, Kind.PRODUCT_VIEW, obj=product)
    return render(
        request,
        "storefront/product.html",
        {
            "product": product,
            "images": SimpleLazyObject(images),
            "categories": SimpleLazyObject(lambda: catalog.product_categories(product)),
            "language": get_language(),
        },
    )


def search(request):
    query = " ".join((request.GET.get("q") or "").split())[:MAX_QUERY]
    context = {"query": query, "result": None, "language": get_language()}
    if query:
        result = catalog_search.search(query, page=_page_number(request.GET.get("page")))
        # Every search is kept for the shop's search analysis; who searched only with the
        # visitor's analytics consent.
        personal = has_consent(request, Purpose.ANALYTICS)
        catalog.record_search(
            query=query,
            result_count=result.total,
            user=request.user if personal else None,
            session_key=(request.session.session_key or "") if personal else "",
            language=get_language() or "",
            defer=True,
        )
        record(request, Kind.SEARCH, properties={"query": query, "results": result.total})
        context["result"] = result
        products = result.page.object_list
        context["products"] = SimpleLazyObject(lambda: _with_images(products))
        context["fallback_products"] = (
            _with_images(result.fallback_products) if not result.total else []
        )
    return render(request, "storefront/search.html", context)

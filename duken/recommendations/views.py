"""Recommendation endpoints: JSON lists for a product and (for staff) a customer, and the staff
page of a customer's recommendations. Unknown products or customers get the non-personal
fallback, never an error page."""

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from duken.catalog.models import Product
from duken.core import audit
from duken.core.permissions import staff_permission

from . import services

MAX_ITEMS = 24


def _limit(request, default=8) -> int:
    try:
        return max(1, min(int(request.GET.get("limit", default)), MAX_ITEMS))
    except (TypeError, ValueError):
        return default


def _items(items, reason="") -> list[dict]:
    return [
        {
            "id": item.product.pk,
            "sku": item.product.sku,
            "name": item.product.name,
            "url": item.product.get_absolute_url(),
            "price": str(item.product.price),
            "currency": item.product.currency,
            "reason": item.reason or reason,
        }
        for item in items
    ]


def _product(ref):
    ref = str(ref)[:140]
    products = Product.objects.filter(is_active=True).select_related("primary_category")
    product = products.filter(slug=ref).first()
    if product is None and ref.isascii() and ref.isdigit():  # "²" is a digit int() refuses
        product = products.filter(pk=int(ref)).first()
    return product


@require_GET
def product_json(request, ref):
    """``GET /recommendations/product/<slug or id>/``: the product page's lists as JSON; for an
    unknown product, best sellers."""
    limit = _limit(request)
    product = _product(ref)
    if product is None:
        widget = services.popular_widget(services.country_of(None), limit)
        return JsonResponse(
            {
                "product": None,
                "widgets": [
                    {"name": widget.name, "title": widget.title, "items": _items(widget.items)}
                ],
            }
        )
    widgets = services.product_widgets(product, limit=limit)
    return JsonResponse(
        {
            "product": product.pk,
            "widgets": [
                {"name": w.name, "title": w.title, "items": _items(w.items, w.reason)}
                for w in widgets
            ],
        }
    )


def _customer(customer_id):
    try:
        return get_user_model().objects.filter(pk=int(customer_id)).first()
    except (TypeError, ValueError, OverflowError):
        return None


# A customer's list names them and what they bought: staff who may see customers only.
CUSTOMER_PERMISSION = "customers.view_user"


@staff_permission(CUSTOMER_PERMISSION)
@require_GET
def customer_json(request, customer_id):
    """Staff: what a customer would be recommended and why; unknown customers get best sellers."""
    customer = _customer(customer_id)
    if customer is not None:
        audit.record(audit.RECOMMENDATIONS_VIEW, obj=customer, request=request)
    view = services.recommendations_for_customer(customer, k=_limit(request))
    return JsonResponse(
        {
            "customer": customer.pk if customer else None,
            "personalized": view.personalized,
            "items": _items(view.items),
            "interests": [{"name": name, "recommendations": n} for name, n in view.interests],
        }
    )


@staff_permission(CUSTOMER_PERMISSION)
def customer_page(request, customer_id):
    customer = _customer(customer_id)
    if customer is None:
        from django.http import Http404
        from django.utils.translation import gettext as _

        raise Http404(_("No such customer."))
    # What a customer bought and looked at, seen by staff: in the audit log.
    audit.record(audit.RECOMMENDATIONS_VIEW, obj=customer, request=request)
    return render(request, "recommendations/staff_customer.html", {"customer": customer})

"""The cart page and its forms. Every change goes through ``checkout.services``; prices are never
read from the request."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from duken.catalog.models import Product
from duken.checkout import services
from duken.checkout.services import CartError
from duken.core.redirects import safe_next
from duken.interactions.models import Kind
from duken.interactions.services import record


def _summary_for(request, cart):
    summary = services.cart_summary(cart, with_images=True)
    for notice in summary.notices:
        messages.warning(request, notice)
    return summary


@require_GET
def cart(request):
    summary = _summary_for(request, services.get_cart(request))
    return TemplateResponse(request, "storefront/cart/cart.html", {"summary": summary})


@require_POST
def cart_add(request):
    """Add a product (fields ``product_id`` and ``quantity``). With htmx the answer is a small
    fragment holding the header count and the message, plus an ``HX-Trigger: cart-updated``."""
    cart = services.get_cart(request, create=True)
    try:
        line = services.add_to_cart(
            cart, request.POST.get("product_id"), request.POST.get("quantity", "1")
        )
    except CartError as error:
        message, level = error.message, messages.ERROR
    else:
        message, level = (
            _("%(name)s added to your cart.") % {"name": line.product.name},
            messages.SUCCESS,
        )
        record(
            request, Kind.CART_ADD, obj=line.product, properties={"line_quantity": line.quantity}
        )
    if request.htmx:
        # The header count comes from the context processor, like on every page.
        response = TemplateResponse(
            request,
            "storefront/cart/_added.html",
            {"message": message, "is_error": level == messages.ERROR},
        )
        response["HX-Trigger"] = "cart-updated"
        return response
    messages.add_message(request, level, message)
    return redirect(safe_next(request, reverse("storefront:cart"), or_referer=True))


@require_POST
def cart_update(request):
    """Change a line's quantity or remove it (``action=remove``). With htmx the lines and the
    sum are re-rendered in place."""
    cart = services.get_cart(request)
    if cart is None:
        messages.error(request, _("Your cart is empty or has expired."))
    else:
        product_id = request.POST.get("product_id")
        try:
            if request.POST.get("action") == "remove":
                services.remove_from_cart(cart, product_id)
                if str(product_id or "").isdecimal():
                    record(request, Kind.CART_REMOVE, obj=Product(pk=int(product_id)))
            else:
                services.set_line_quantity(cart, product_id, request.POST.get("quantity"))
        except CartError as error:
            messages.error(request, error.message)
    if request.htmx:
        summary = _summary_for(request, cart)
        if summary.is_empty:
            # The whole body turns into "your cart is empty".
            response = TemplateResponse(
                request, "storefront/cart/_cart_body.html", {"summary": summary, "oob": True}
            )
            response["HX-Retarget"] = "#cart-body"
            response["HX-Reswap"] = "outerHTML"
        else:
            # The lines and the sum only: the checkout link the shopper may be pressing stays.
            response = TemplateResponse(
                request, "storefront/cart/_cart_update.html", {"summary": summary}
            )
        response["HX-Trigger"] = "cart-updated"
        return response
    return redirect("storefront:cart")

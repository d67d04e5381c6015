"""Checkout on one page: contact, address, delivery, payment, review, place order.

A hidden ``checkout_token`` issued with the page (and remembered in the session) makes a second
submit of the same form return the order the first one created."""

import hashlib
import logging
import secrets

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from duken.checkout import complete, services
from duken.core.money import quantize
from duken.customers import services as customers
from duken.interactions.models import Kind
from duken.interactions.services import record
from duken.orders.models import Order, Receipt
from duken.payments.services import (
    latest_payment,
    payment_instructions,
    payment_methods,
    payment_status_url,
)
from duken.shipping import regions
from duken.shipping.services import Destination, delivery_options

from ..forms import CheckoutForm

logger = logging.getLogger(__name__)

SESSION_TOKENS = "checkout_tokens"
SESSION_ORDERS = "placed_orders"


def _issue_token(request) -> str:
    token = secrets.token_urlsafe(24)
    tokens = [*request.session.get(SESSION_TOKENS, [])[-4:], token]
    request.session[SESSION_TOKENS] = tokens
    return token


def _remember_order(request, order) -> None:
    numbers = request.session.get(SESSION_ORDERS, [])
    if order.number not in numbers:
        request.session[SESSION_ORDERS] = [*numbers[-19:], order.number]


def may_see_order(request, order) -> bool:
    """The order's owner, or the browser that placed it (a guest's session)."""
    if request.user.is_authenticated and order.user_id == request.user.pk:
        return True
    return order.number in request.session.get(SESSION_ORDERS, [])


def _destination(data) -> Destination:
    return Destination(
        country=regions.country_value(data.get("country") or ""),
        region=(data.get("region") or "").strip(),
        city=(data.get("city") or "").strip(),
    )


def _options_context(summary, data, *, form=None):
    """Delivery options for the address in ``data`` and the totals with the chosen one."""
    if form is not None and form.is_bound:
        saved = form.saved()
        if saved is not None:
            data = {**data, **customers.address_as_dict(saved)}
    options = delivery_options(
        destination=_destination(data),
        weight_grams=summary.weight_grams,
        subtotal=summary.subtotal,
        has_physical=summary.has_physical,
        has_digital=summary.has_digital,
    )
    chosen_code = data.get("delivery_method") or ""
    chosen = next((o for o in options if o.code == chosen_code), options[0] if options else None)
    shipping = quantize(chosen.cost) if chosen else quantize(0)
    chosen_point = str(data.get("pickup_point") or "")
    return {
        "options": options,
        "options_key": _options_key(options, chosen, chosen_point),
        "chosen": chosen,
        "chosen_point": chosen_point,
        "shipping_cost": shipping,
        "total": quantize(summary.subtotal + shipping),
        "summary": summary,
        "accept_backorder": str(data.get("accept_backorder") or "") in ("on", "true", "1"),
    }


def _options_key(options, chosen, chosen_point) -> str:
    """A fingerprint of everything the delivery section shows, so that a refresh which would
    show the same thing can leave it in place (and the choice the shopper is clicking)."""
    shown = [
        (
            o.code,
            o.name,
            str(o.cost),
            o.days_min,
            o.days_max,
            o.description,
            [(p.pk, p.name, p.city, p.address, p.opening_hours) for p in o.pickup_points],
        )
        for o in options
    ]
    fingerprint = repr((shown, chosen.code if chosen else "", chosen_point))
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:20]


def _initial(request):
    user = request.user
    initial = {"country": regions.HOME_COUNTRY}
    if user.is_authenticated:
        initial.update(email=user.email, phone=user.phone, full_name=user.get_full_name())
        address = customers.default_address(user)
        if address is not None:
            initial.update(customers.address_as_dict(address))
            initial["saved_address"] = str(address.pk)
    return initial


def _render(request, form, summary, data, *, status=200):
    user = request.user
    context = {
        "form": form,
        "token": form.data.get("checkout_token") if form.is_bound else form.initial["token"],
        "addresses": customers.list_addresses(user) if user.is_authenticated else [],
        "region_choices": regions.REGION_CHOICES,
        "countries": [label for _value, label in regions.COUNTRIES],
        "country_shown": regions.country_label(data.get("country") or regions.HOME_COUNTRY),
        "payment_methods": payment_methods(
            digital_only=summary.has_digital and not summary.has_physical
        ),
        "values": data,
        **_options_context(summary, data, form=form),
    }
    return TemplateResponse(request, "storefront/checkout/checkout.html", context, status=status)


@require_http_methods(["GET", "POST"])
def checkout(request):
    if request.method == "POST":
        return _submit(request)
    summary = services.cart_summary(services.get_cart(request))
    for notice in summary.notices:
        messages.warning(request, notice)
    if summary.is_empty:
        messages.info(request, _("Your cart is empty. Add something before checking out."))
        return redirect("storefront:cart")
    record(request, Kind.CHECKOUT_STEP, properties={"step": "checkout"})
    initial = _initial(request)
    initial["token"] = _issue_token(request)
    initial["checkout_token"] = initial["token"]
    form = CheckoutForm(initial=initial, user=request.user)
    data = {**initial, "payment_method": ""}
    return _render(request, form, summary, data)


def _submit(request):
    # NUL characters are never meant and PostgreSQL cannot look them up.
    token = (request.POST.get("checkout_token") or "").replace("\x00", "").strip()
    # A second submit of a form that already went through: show the order it created.
    if token:
        existing = Order.objects.filter(checkout_token=token).first()
        # The form was issued to this visitor: also when the answer to the first submit never
        # arrived (a server process died after the order committed), they see their order.
        if existing is not None and (
            may_see_order(request, existing) or token in request.session.get(SESSION_TOKENS, [])
        ):
            _remember_order(request, existing)
            return redirect("storefront:order_confirmation", number=existing.number)

    cart = services.get_cart(request)
    summary = services.cart_summary(cart)
    if summary.is_empty:
        messages.error(
            request,
            _("Your cart is empty or has expired. Add the products again to place an order."),
        )
        return redirect("storefront:cart")

    form = CheckoutForm(request.POST, user=request.user)
    data = request.POST.dict()
    if not form.is_valid():
        _add_address_errors(form, summary, data)
        return _render(request, form, summary, data, status=400)
    if token not in request.session.get(SESSION_TOKENS, []):
        form.add_error(
            None, _("This checkout form has expired. Please check your order and submit again.")
        )
        return _reissue(request, form, summary, data)
    # Ask to accept a later delivery only when it would help: a product that cannot be
    # backordered is refused below as out of stock.
    if summary.has_shortage and summary.can_order_all and not form.cleaned_data["accept_backorder"]:
        form.add_error(
            "accept_backorder",
            _("Some items are not fully in stock. Tick the box to accept their later delivery."),
        )
        return _render(request, form, summary, data, status=400)

    try:
        completed = complete.complete_checkout(
            cart=cart,
            user=request.user,
            email=form.cleaned_data["email"],
            phone=form.cleaned_data["phone"],
            address=form.address(),
            delivery_method_code=form.cleaned_data["delivery_method"],
            pickup_point_id=form.cleaned_data["pickup_point"] or None,
            payment_method_code=form.cleaned_data["payment_method"],
            accept_backorder=form.cleaned_data["accept_backorder"],
            checkout_token=token,
            note=form.cleaned_data["note"],
            language=getattr(request, "LANGUAGE_CODE", ""),
            request=request,
        )
    except complete.InsufficientStock as error:
        form.add_error(None, error.message)
        return _render(request, form, services.cart_summary(cart), data, status=409)
    except complete.CheckoutError as error:
        for field, message in error.errors.items() or [(None, error.message)]:
            form.add_error(field if field in form.fields else None, message)
        return _render(request, form, summary, data, status=400)

    _remember_order(request, completed.order)
    request.session.pop(services.SESSION_CART_TOKEN, None)
    if completed.redirect_url:
        return redirect(completed.redirect_url)
    return redirect("storefront:order_confirmation", number=completed.order.number)


def _add_address_errors(form, summary, data) -> None:
    """Mark the missing address fields along with the form's own errors, so that one submit
    shows everything that is missing (the order service checks them again)."""
    chosen = _options_context(summary, data, form=form)["chosen"]
    if chosen is None or not chosen.needs_address:
        return
    for field, message in complete.missing_address(form.address()).items():
        if field not in form.errors:
            form.add_error(field, message)


def _reissue(request, form, summary, data):
    token = _issue_token(request)
    data = {**data, "checkout_token": token}
    mutable = form.data.copy()
    mutable["checkout_token"] = token
    form.data = mutable
    return _render(request, form, summary, data, status=400)


@require_POST
def checkout_options(request):
    """htmx: the delivery options, their costs and the order total for the address typed so
    far (nothing is saved). The options come back only when they differ from the ones shown."""
    summary = services.cart_summary(services.get_cart(request))
    data = request.POST.dict()
    form = CheckoutForm(request.POST, user=request.user)
    context = {
        **_options_context(summary, data, form=form),
        "form": CheckoutForm(user=request.user),
    }
    # When the options shown would not change (a new city in the same zone, say), only the
    # totals are sent: replacing the section could swallow a click on one of its choices.
    context["same_options"] = data.get("options_key") == context["options_key"]
    response = TemplateResponse(request, "storefront/checkout/_dynamic.html", context)
    if context["same_options"]:
        response["HX-Reswap"] = "none"
    return response


@require_GET
def order_confirmation(request, number):
    order = Order.objects.filter(number=number).select_related("pickup_point").first()
    if order is None or not may_see_order(request, order):
        raise Http404
    instructions = payment_instructions(order) if order.paid_at is None else None
    payment = latest_payment(order)
    lines = list(order.lines.all())
    context = {
        "order": order,
        "lines": lines,
        "instructions": instructions,
        "payment": payment,
        "payment_url": payment_status_url(payment) if payment else "",
        "delayed": [line for line in lines if line.is_delayed],
        "receipt": Receipt.objects.filter(order=order).first(),
    }
    return TemplateResponse(request, "storefront/checkout/confirmation.html", context)

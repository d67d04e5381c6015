"""Completing a checkout: the cart becomes an order waiting for its payment.

One service owns the whole of it, in named steps, all in one transaction:

1. ``validate``  the checkout token and the buyer's contact (a token already used returns the
   order it placed: a repeated submit is never a second order);
2. ``lock``      the cart and read its lines;
3. ``reserve``   the stock, under row locks (``catalog.stock``);
4. ``price``     every line from the database (nothing the browser sent is trusted);
5. ``quote``     the delivery for the address (``shipping``) and check the payment method;
6. ``write``     the order with its lines and first event (``orders.create_order``), the payment
   it waits for (``payments.open_payment``), the cart marked ordered and the "order placed"
   interaction.

A process that dies at any moment leaves either all of it or none. Only after the commit is the
payment provider asked to collect (``start_payment``: a gateway call never runs inside the
transaction); if that fails the order stands and the buyer pays from its page.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from duken.catalog import stock
from duken.core.money import quantize
from duken.interactions.models import Kind
from duken.interactions.services import record
from duken.orders.models import Order
from duken.orders.placing import OrderLineData, create_order
from duken.payments.services import PaymentError, open_payment, payment_methods, start_payment
from duken.shipping.services import DeliveryUnavailable, Destination, quote

from .models import Cart

logger = logging.getLogger(__name__)

InsufficientStock = stock.InsufficientStock
ADDRESS_KEYS = ("full_name", "country", "region", "city", "street", "postcode")


class CheckoutError(Exception):
    """The checkout cannot go through as submitted; the message tells the buyer why.
    ``errors`` maps each field at fault to its message (the first is ``field``)."""

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        self.message = message
        self.field = field
        self.errors = errors or ({field: message} if field else {})
        super().__init__(message)


class _CartGone(Exception):
    pass


@dataclass
class Completed:
    order: Order
    # Where to send the buyer to pay (a hosted payment page), or None: the order's page.
    redirect_url: str | None = None


def clean_address(address: dict | None) -> dict:
    address = address or {}
    return {key: str(address.get(key) or "").strip() for key in ADDRESS_KEYS}


def missing_address(address: dict) -> dict[str, str]:
    """The fields a delivery to ``address`` still needs, each with the message to show: all
    of them at once, so that the buyer fills them in one go."""
    address = clean_address(address)
    labels = (
        ("full_name", _("recipient")),
        ("city", _("city")),
        ("street", _("street, house, flat")),
    )
    return {
        key: _("Fill in the %(field)s for delivery.") % {"field": label}
        for key, label in labels
        if not address[key]
    }


def complete_checkout(*, request=None, **checkout) -> Completed:
    """Place the order (``place_order``) and start its payment with the provider; see the
    module's docstring. ``request`` is the buyer's (the interaction log and the payment
    provider's return addresses need it)."""
    order = place_order(request=request, **checkout)
    if request is None:
        return Completed(order)
    try:
        started = start_payment(order, request=request)
    except Exception:
        # The order stands; the buyer can pay from the order page.
        logger.exception("payment could not start", extra={"order": order.number})
        return Completed(order)
    return Completed(order, getattr(started, "redirect_url", None))


def place_order(
    *,
    cart: Cart,
    user,
    email: str,
    phone: str,
    address: dict,
    delivery_method_code: str,
    pickup_point_id=None,
    payment_method_code: str,
    accept_backorder: bool = False,
    checkout_token: str,
    note: str = "",
    language: str = "",
    request=None,
) -> Order:
    """Steps 1 to 6: turn ``cart`` into an order waiting for its payment. A second call with
    the same ``checkout_token`` returns the order the first one placed. Raises
    ``InsufficientStock`` when units are missing (and the buyer has not accepted a backorder)
    and ``CheckoutError`` for anything else."""
    existing = _validate_token(checkout_token)
    if existing is not None:
        return existing
    email, phone = _validate_contact(email, phone)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    address = clean_address(address)
    language = (language or translation.get_language() or "")[:8]
    try:
        with transaction.atomic():
            locked_cart, wanted = _lock(cart)
            allocations = stock.reserve(wanted, accept_backorder=accept_backorder)
            lines = _price(wanted, allocations)
            option, pickup_point = _quote(
                lines, address, delivery_method_code, pickup_point_id, payment_method_code
            )
            return _write(
                locked_cart,
                lines,
                option=option,
                pickup_point=pickup_point,
                user=user,
                email=email,
                phone=phone,
                address=address,
                payment_method_code=payment_method_code,
                checkout_token=checkout_token,
                note=note,
                language=language,
                request=request,
            )
    except _CartGone:
        # A parallel submit of this same checkout may have just turned the cart into an order.
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is not None:
            return existing
        raise CheckoutError(
            _("Your cart is empty or has expired. Add the products again to place an order.")
        ) from None
    except IntegrityError:
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is not None:
            return existing
        raise


# The steps -------------------------------------------------------------------------------


def _validate_token(checkout_token: str) -> Order | None:
    if not checkout_token:
        raise CheckoutError(_("This checkout form has expired. Please review it and submit again."))
    return Order.objects.filter(checkout_token=checkout_token).first()


def _validate_contact(email: str, phone: str) -> tuple[str, str]:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CheckoutError(_("Enter a valid e-mail address."), field="email") from None
    return email, (phone or "").strip()


def _lock(cart: Cart) -> tuple[Cart, list[tuple[int, int]]]:
    locked_cart = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked_cart is None or locked_cart.status != Cart.Status.OPEN:
        raise _CartGone()
    wanted = list(
        locked_cart.lines.filter(product__isnull=False).values_list("product_id", "quantity")
    )
    if not wanted:
        raise _CartGone()
    return locked_cart, wanted


def _price(wanted, allocations) -> list[OrderLineData]:
    return [
        OrderLineData(
            product=allocations[product_id].product,
            quantity=quantity,
            backordered=allocations[product_id].backordered,
            expected_date=allocations[product_id].expected_date,
        )
        for product_id, quantity in wanted
    ]


def _quote(lines, address, delivery_method_code, pickup_point_id, payment_method_code):
    subtotal = sum((line.total for line in lines), quantize(0))
    has_digital = any(line.product.is_digital for line in lines)
    has_physical = not all(line.product.is_digital for line in lines)
    weight = sum(
        line.product.weight_grams * line.quantity for line in lines if not line.product.is_digital
    )
    digital_only = has_digital and not has_physical
    if payment_method_code not in {m.code for m in payment_methods(digital_only=digital_only)}:
        raise CheckoutError(_("Choose a payment method."), field="payment_method")
    destination = Destination(
        country=address["country"], region=address["region"], city=address["city"]
    )
    try:
        option = quote(
            delivery_method_code,
            destination=destination,
            weight_grams=weight,
            subtotal=subtotal,
            has_physical=has_physical,
            has_digital=has_digital,
        )
    except DeliveryUnavailable as exc:
        message = str(exc) or _("This delivery method is not available here.")
        raise CheckoutError(message, field="delivery_method") from None
    pickup_point = None
    if option.pickup_points:
        points = {str(p.pk): p for p in option.pickup_points}
        pickup_point = points.get(str(pickup_point_id or ""))
        if pickup_point is None:
            raise CheckoutError(_("Choose a pickup point."), field="pickup_point")
    missing = missing_address(address) if option.needs_address else {}
    if missing:
        field, message = next(iter(missing.items()))
        raise CheckoutError(message, field=field, errors=missing)
    return option, pickup_point


def _write(locked_cart, lines, *, option, pickup_point, request, **order_fields) -> Order:
    order = create_order(
        lines=lines,
        delivery_method=option.method,
        delivery_name=str(option.name),
        shipping_cost=quantize(option.cost),
        needs_address=option.needs_address,
        pickup_point=pickup_point,
        **order_fields,
    )
    try:
        open_payment(order)
    except PaymentError as exc:
        raise CheckoutError(exc.message, field="payment_method") from None
    locked_cart.status = Cart.Status.ORDERED
    locked_cart.save(update_fields=["status", "updated_at"])
    if request is not None:
        record(
            request,
            Kind.ORDER_PLACED,
            obj=order,
            properties={"total": str(order.total), "currency": order.currency},
        )
    return order

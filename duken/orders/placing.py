"""Placing an order from a cart: one transaction that locks the cart, reserves the stock,
prices everything from the database and writes the order, its lines, its first event, the
payment it waits for and the "order placed" interaction. A process that dies at any moment
leaves either all of them or none."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duken.catalog import stock
from duken.checkout.models import Cart
from duken.core.money import quantize

from .events import record_event
from .models import Order, OrderLine, OrderStatus

# No 0/O, 1/I/L: order numbers are read out over the phone.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_PREFIX = "DK-"


class CheckoutError(Exception):
    """The checkout cannot go through as submitted; the message tells the buyer why.
    ``errors`` maps each field at fault to its message (the first is ``field``)."""

    def __init__(self, message: str, *, field: str | None = None, errors: dict | None = None):
        self.message = message
        self.field = field
        self.errors = errors or ({field: message} if field else {})
        super().__init__(message)


def missing_address(address: dict) -> dict[str, str]:
    """The fields a delivery to ``address`` still needs, each with the message to show: all
    of them at once, so that the buyer fills them in one go."""
    address = _clean_address(address)
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


def new_order_number() -> str:
    while True:
        number = NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        if not Order.objects.filter(number=number).exists():
            return number


def _clean_address(address: dict | None) -> dict:
    address = address or {}
    keys = ("full_name", "country", "region", "city", "street", "postcode")
    return {key: str(address.get(key) or "").strip() for key in keys}


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
    """Turn ``cart`` into an order. A second call with the same ``checkout_token`` returns the
    order the first one created. Raises ``InsufficientStock`` when units are missing (and the
    buyer has not accepted a backorder) and ``CheckoutError`` for anything else. With the
    buyer's ``request``, the order is also recorded in the interaction log."""
    from duken.interactions.models import Kind
    from duken.interactions.services import record
    from duken.payments.services import PaymentError, open_payment, payment_methods
    from duken.shipping.services import DeliveryUnavailable, Destination, quote

    if not checkout_token:
        raise CheckoutError(_("This checkout form has expired. Please review it and submit again."))
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CheckoutError(_("Enter a valid e-mail address."), field="email") from None
    phone = (phone or "").strip()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    address = _clean_address(address)
    language = (language or translation.get_language() or "")[:8]

    try:
        with transaction.atomic():
            locked_cart = Cart.objects.select_for_update().filter(pk=cart.pk).first()
            if locked_cart is None or locked_cart.status != Cart.Status.OPEN:
                raise _CartGone()
            wanted = list(
                locked_cart.lines.filter(product__isnull=False).values_list(
                    "product_id", "quantity"
                )
            )
            if not wanted:
                raise _CartGone()
            allocations = stock.reserve(wanted, accept_backorder=accept_backorder)

            subtotal = quantize(0)
            weight = 0
            has_physical = has_digital = False
            for product_id, quantity in wanted:
                product = allocations[product_id].product
                subtotal += quantize(product.price * quantity)
                if product.is_digital:
                    has_digital = True
                else:
                    has_physical = True
                    weight += product.weight_grams * quantity

            digital_only = has_digital and not has_physical
            if payment_method_code not in {
                m.code for m in payment_methods(digital_only=digital_only)
            }:
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
            shipping_cost = quantize(option.cost)
            order = Order.objects.create(
                number=new_order_number(),
                user=user,
                email=email,
                phone=phone,
                status=OrderStatus.AWAITING_PAYMENT,
                source=Order.Source.WEB,
                subtotal=subtotal,
                shipping_cost=shipping_cost,
                total=quantize(subtotal + shipping_cost),
                delivery_method=option.method,
                delivery_name=str(option.name),
                pickup_point=pickup_point,
                ship_full_name=address["full_name"],
                ship_country=address["country"],
                ship_region=address["region"],
                ship_city=address["city"],
                ship_street=address["street"] if option.needs_address else "",
                ship_postcode=address["postcode"] if option.needs_address else "",
                payment_method=payment_method_code,
                customer_note=(note or "").strip()[:2000],
                checkout_token=checkout_token,
                language=language,
                placed_at=timezone.now(),
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        product=allocations[product_id].product,
                        product_name=allocations[product_id].product.name,
                        sku=allocations[product_id].product.sku,
                        unit_price=allocations[product_id].product.price,
                        quantity=quantity,
                        line_total=quantize(allocations[product_id].product.price * quantity),
                        backordered_quantity=allocations[product_id].backordered,
                        expected_date=allocations[product_id].expected_date,
                        is_digital=allocations[product_id].product.is_digital,
                    )
                    for product_id, quantity in wanted
                ]
            )
            locked_cart.status = Cart.Status.ORDERED
            locked_cart.save(update_fields=["status", "updated_at"])
            record_event(order, from_status="", to_status=order.status, note=_("Order placed."))
            try:
                open_payment(order)
            except PaymentError as exc:
                raise CheckoutError(exc.message, field="payment_method") from None
            if request is not None:
                record(
                    request,
                    Kind.ORDER_PLACED,
                    obj=order,
                    properties={"total": str(order.total), "currency": order.currency},
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
    return order


class _CartGone(Exception):
    pass

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from duken.catalog.models import Product
from duken.checkout import complete
from duken.checkout import services as cart_services
from duken.checkout.models import Cart
from duken.orders import services
from duken.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from duken.testing.factories import ADDRESS, make_product, make_shipping

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipping():
    return make_shipping()


def _cart_with(*items):
    cart = Cart.objects.create()
    for product, quantity in items:
        cart_services.add_to_cart(cart, product.pk, quantity)
    return cart


def _place(cart, **overrides):
    kwargs = {
        "cart": cart,
        "user": None,
        "email": "Buyer@Example.com",
        "phone": "+7 701 123 45 67",
        "address": ADDRESS,
        "delivery_method_code": "courier",
        "payment_method_code": "cash_on_delivery",
        "checkout_token": f"token-{cart.pk}",
        "language": "en",
    }
    kwargs.update(overrides)
    return complete.place_order(**kwargs)


def test_placing_an_order_reserves_stock_and_writes_everything(
    shipping, django_capture_on_commit_callbacks
):
    # given
    lamp = make_product(price="12500.50", stock=3)
    mug = make_product(price="990", stock=10)
    cart = _cart_with((lamp, 2), (mug, 3))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = _place(cart)
    # then
    assert re.fullmatch(r"DK-[2-9A-HJ-NP-Z]{8}", order.number)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.email == "buyer@example.com"
    assert order.subtotal == Decimal("25001.00") + Decimal("2970.00")
    assert order.shipping_cost == Decimal("1500.00")
    assert order.total == order.subtotal + Decimal("1500.00")
    assert order.ship_city == "Almaty" and order.delivery_method == shipping["courier"]
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [
        (lamp.sku, 2),
        (mug.sku, 3),
    ]
    lamp.refresh_from_db()
    mug.refresh_from_db()
    assert (lamp.stock, mug.stock) == (1, 7)
    cart.refresh_from_db()
    assert cart.status == Cart.Status.ORDERED
    event = order.events.get()
    assert (event.from_status, event.to_status) == ("", OrderStatus.AWAITING_PAYMENT)
    # the "order received" e-mail left after commit, once
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert order.number in message.subject and message.to == ["buyer@example.com"]
    assert "Thank you" in message.body and lamp.name in message.body
    event.refresh_from_db()
    assert event.notified_at is not None


def test_forged_prices_never_reach_the_order(shipping):
    # given a cart; the catalog price is what counts, whatever a client claims
    product = make_product(price="5000", stock=5)
    cart = _cart_with((product, 2))
    # when the price changes in the database before checkout
    Product.objects.filter(pk=product.pk).update(price=Decimal("5100"))
    order = _place(cart)
    # then
    line = order.lines.get()
    assert line.unit_price == Decimal("5100.00")
    assert order.subtotal == Decimal("10200.00")


def test_a_second_submit_of_the_same_checkout_returns_the_same_order(shipping):
    # given
    product = make_product(stock=5)
    cart = _cart_with((product, 1))
    first = _place(cart, checkout_token="same-token")
    # when
    second = _place(cart, checkout_token="same-token")
    # then
    assert second.pk == first.pk
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 4


def test_checkout_with_an_empty_or_used_cart_is_refused(shipping):
    # given
    empty = Cart.objects.create()
    used = _cart_with((make_product(), 1))
    _place(used, checkout_token="first")
    # when / then
    with pytest.raises(complete.CheckoutError, match="empty or has expired"):
        _place(empty)
    with pytest.raises(complete.CheckoutError, match="empty or has expired"):
        _place(used, checkout_token="another")
    assert Order.objects.count() == 1


def test_not_enough_stock_is_refused_with_the_available_quantities(shipping):
    # given
    product = make_product(name="Enamel Mug", stock=5, allow_backorder=True)
    cart = _cart_with((product, 7))
    # when
    with pytest.raises(complete.InsufficientStock) as error:
        _place(cart)
    # then nothing was written and the message says what is left
    assert "Enamel Mug" in error.value.message and "5" in error.value.message
    assert error.value.shortages[0].available == 5
    product.refresh_from_db()
    assert product.stock == 5
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert not OrderEvent.objects.exists()
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN


def test_accepting_a_backorder_reserves_what_is_there_and_delays_the_rest(shipping):
    # given
    product = make_product(stock=2, restock_days=10, allow_backorder=True)
    cart = _cart_with((product, 5))
    # when
    order = _place(cart, accept_backorder=True, payment_method_code="bank_transfer")
    # then
    line = order.lines.get()
    assert (line.quantity, line.backordered_quantity) == (5, 3)
    assert line.expected_date is not None and line.is_delayed
    product.refresh_from_db()
    assert product.stock == 0
    # and once paid, the order waits for stock
    services.mark_paid(order)
    assert order.status == OrderStatus.AWAITING_STOCK


def test_products_without_backorders_cannot_be_backordered(shipping):
    # given
    product = make_product(stock=1, allow_backorder=True)
    cart = _cart_with((product, 3))
    Product.objects.filter(pk=product.pk).update(allow_backorder=False)
    # when / then
    with pytest.raises(complete.InsufficientStock):
        _place(cart, accept_backorder=True)


def test_cancelling_returns_the_reserved_units(shipping):
    # given
    product = make_product(stock=4)
    order = _place(_cart_with((product, 3)))
    # when
    services.transition(order, OrderStatus.CANCELLED)
    # then
    product.refresh_from_db()
    assert product.stock == 4


def test_unknown_delivery_or_payment_methods_are_refused(shipping):
    # given
    cart = _cart_with((make_product(stock=3), 1))
    # when / then
    with pytest.raises(complete.CheckoutError) as delivery_error:
        _place(cart, delivery_method_code="teleport")
    assert delivery_error.value.field == "delivery_method"
    with pytest.raises(complete.CheckoutError) as payment_error:
        _place(cart, payment_method_code="barter")
    assert payment_error.value.field == "payment_method"
    with pytest.raises(complete.CheckoutError):
        _place(cart, email="not-an-address")
    assert not Order.objects.exists()


def test_a_delivery_names_every_missing_address_field(shipping):
    # given
    cart = _cart_with((make_product(stock=3), 1))
    address = {**ADDRESS, "full_name": " ", "street": ""}
    # when
    with pytest.raises(complete.CheckoutError) as refused:
        _place(cart, address=address)
    # then
    assert refused.value.field == "full_name"
    assert set(refused.value.errors) == {"full_name", "street"}
    assert not Order.objects.exists()
    assert complete.missing_address(ADDRESS) == {}


def test_pickup_needs_a_pickup_point_and_no_street(shipping):
    # given
    cart = _cart_with((make_product(stock=3), 1))
    # when / then
    with pytest.raises(complete.CheckoutError, match="pickup point"):
        _place(cart, delivery_method_code="pickup")
    order = _place(
        cart,
        delivery_method_code="pickup",
        pickup_point_id=str(shipping["point"].pk),
        address={"country": "Kazakhstan", "region": "Almaty", "city": "Almaty"},
    )
    assert order.pickup_point == shipping["point"] and order.shipping_cost == 0


def test_digital_only_orders_are_delivered_electronically(shipping):
    # given
    ebook = make_product(price="3000", stock=0, is_digital=True)
    cart = _cart_with((ebook, 1))
    # when
    order = _place(
        cart, delivery_method_code="electronic", payment_method_code="bank_transfer", address={}
    )
    # then
    assert order.total == Decimal("3000.00") and order.lines.get().is_digital
    ebook.refresh_from_db()
    assert ebook.stock == 0


def test_logged_in_customers_own_their_orders(shipping):
    # given
    user = get_user_model().objects.create_user("aru@example.com", "pw-123456789", language="kk")
    cart = _cart_with((make_product(), 1))
    # when
    order = _place(cart, user=user, language="kk")
    # then
    assert order.user == user and order.language == "kk"

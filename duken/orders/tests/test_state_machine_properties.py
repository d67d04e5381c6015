"""Property-based tests: whatever staff click, in whatever order, an order never reaches an
illegal state and stock is conserved."""

import pytest
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duken.catalog.models import Product
from duken.catalog.stock import units_taken
from duken.checkout import complete
from duken.checkout import services as cart_services
from duken.checkout.models import Cart
from duken.orders import services
from duken.orders.models import OrderStatus
from duken.shipping.models import DeliveryMethod
from duken.testing.factories import ADDRESS, make_product, make_shipping

S = OrderStatus
pytestmark = pytest.mark.django_db
PAY = "pay"
RESTOCK = "restock"  # a delivery of 3 units booked into stock
SHIPPED_OR_LATER = {S.SHIPPED, S.DELIVERED, S.COMPLETED, S.RETURNED}

actions = st.lists(st.sampled_from([*S.values, PAY, RESTOCK]), min_size=1, max_size=14)


def _place(stock, quantity, accept_backorder, payment):
    if not DeliveryMethod.objects.filter(code="courier").exists():
        make_shipping()
    product = make_product(stock=stock, allow_backorder=True)
    cart = Cart.objects.create()
    cart_services.add_to_cart(cart, product.pk, quantity)
    try:
        order = complete.place_order(
            cart=cart,
            user=None,
            email="prop@example.com",
            phone="+7 701 000 00 00",
            address=ADDRESS,
            delivery_method_code="courier",
            payment_method_code=payment,
            accept_backorder=accept_backorder,
            checkout_token=f"prop-{cart.pk}",
        )
    except complete.InsufficientStock:
        product.refresh_from_db()
        assert product.stock == stock  # a refused order takes nothing
        return product, None
    return product, order


def _reserved(order):
    return sum(units_taken(line) for line in order.lines.all())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stock=st.integers(min_value=0, max_value=5),
    quantity=st.integers(min_value=1, max_value=6),
    accept_backorder=st.booleans(),
    payment=st.sampled_from(["cash_on_delivery", "bank_transfer"]),
    steps=actions,
)
def test_random_moves_never_reach_an_illegal_state_and_conserve_stock(
    stock, quantity, accept_backorder, payment, steps
):
    # given an order placed from a cart (or refused for lack of stock)
    product, order = _place(stock, quantity, accept_backorder, payment)
    if order is None:
        assert quantity > stock and not accept_backorder
        return
    assert _reserved(order) == min(quantity, stock)

    arrived = 0
    for step in steps:
        if step == RESTOCK:
            Product.objects.filter(pk=product.pk).update(stock=F("stock") + 3)
            arrived += 3
            continue
        before = order.status
        events_before = order.events.count()
        # when staff try a move
        try:
            if step == PAY:
                services.mark_paid(order)
            else:
                services.transition(order, step)
        except services.IllegalTransition as error:
            # then a refused move changes nothing and says why
            assert error.message
            order.refresh_from_db()
            assert order.status == before
            assert order.events.count() == events_before
        else:
            order.refresh_from_db()
            if step != PAY:
                assert order.status == step
                assert step in services.TRANSITIONS[before]

        # and the invariants hold after every step
        assert order.status in S.values
        product.refresh_from_db()
        assert product.stock >= 0
        cancelled = order.events.filter(to_status=S.CANCELLED).exists()
        assert product.stock == stock + arrived - (0 if cancelled else _reserved(order))
        if order.status == S.REFUNDED:
            assert order.paid_at is not None
        if order.status in SHIPPED_OR_LATER:
            assert order.paid_at is not None or order.payment_method == "cash_on_delivery"
            assert order.events.filter(to_status=S.SHIPPED).exists()
        if order.status == S.PAID:
            assert order.paid_at is not None
        # the timeline is a chain: every move starts where the previous one ended
        previous = None
        for event in order.events.order_by("created_at", "pk"):
            if previous is not None:
                assert event.from_status == previous
            previous = event.to_status
        assert previous == order.status

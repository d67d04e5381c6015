"""Property-based test of the cart: any sequence of adds, updates and removals, with any
input, leaves a consistent cart whose totals match the database prices."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from duken.checkout import services
from duken.checkout.models import Cart, CartLine
from duken.checkout.services import MAX_QUANTITY, CartError
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db

quantities = st.one_of(
    st.integers(min_value=-5, max_value=1200),
    st.sampled_from(["", "abc", "1.5", "-0", "007", " 3 ", "1e2", "99999999999"]),
)
operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "set", "remove"]), st.integers(min_value=0, max_value=2), quantities
    ),
    min_size=1,
    max_size=15,
)


def _state(cart):
    return dict(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity"))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_any_sequence_of_cart_changes_keeps_the_cart_consistent(ops):
    # given three products: plenty, limited without backorders, and backorderable
    products = [
        make_product(price="1250.50", stock=2000),
        make_product(price="99.99", stock=3, allow_backorder=False),
        make_product(price="10", stock=0, allow_backorder=True),
    ]
    cart = Cart.objects.create()
    for op, index, quantity in ops:
        product = products[index]
        before = _state(cart)
        # when
        try:
            if op == "add":
                services.add_to_cart(cart, product.pk, quantity)
            elif op == "set":
                services.set_line_quantity(cart, product.pk, quantity)
            else:
                services.remove_from_cart(cart, product.pk)
        except CartError as error:
            # then a refused change leaves the cart as it was
            assert error.message
            assert _state(cart) == before
        # and the cart always holds sensible quantities
        state = _state(cart)
        assert all(1 <= q <= MAX_QUANTITY for q in state.values())
        assert state.get(products[1].pk, 0) <= 3
    summary = services.cart_summary(cart)
    state = _state(cart)
    prices = {p.pk: p.price for p in products}
    assert summary.subtotal == sum((prices[pk] * q for pk, q in state.items()), Decimal("0"))
    assert summary.item_count == sum(state.values())

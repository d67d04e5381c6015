from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore

from duken.checkout import services
from duken.checkout.models import Cart, CartLine
from duken.checkout.services import CartError
from duken.testing.factories import make_product, session_request

pytestmark = pytest.mark.django_db


def _cart():
    return Cart.objects.create()


@pytest.mark.parametrize(
    "quantity",
    [
        "-1",
        "-5",
        -3,
        "0",
        0,
        "1000",
        1000,
        "99999999999999999999",
        "abc",
        "",
        None,
        "1.5",
        "1e3",
        "٣",
        True,
        " ",
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(quantity):
    # given a cart that already holds 2 units
    product = make_product(stock=50)
    cart = _cart()
    services.add_to_cart(cart, product.pk, 2)

    # when a bad quantity is added or set
    with pytest.raises(CartError) as add_error:
        services.add_to_cart(cart, product.pk, quantity)
    with pytest.raises(CartError) as set_error:
        services.set_line_quantity(cart, product.pk, quantity)

    # then the message is clear and the line is unchanged
    assert add_error.value.message
    assert set_error.value.message
    assert CartLine.objects.get(cart=cart, product=product).quantity == 2


def test_negative_and_zero_quantities_say_at_least_one():
    # given
    product = make_product()
    cart = _cart()
    # when / then
    with pytest.raises(CartError, match="at least 1"):
        services.add_to_cart(cart, product.pk, "-2")
    with pytest.raises(CartError, match="at least 1"):
        services.add_to_cart(cart, product.pk, 0)
    with pytest.raises(CartError, match="at most 999"):
        services.add_to_cart(cart, product.pk, "5000")
    with pytest.raises(CartError, match="whole number"):
        services.add_to_cart(cart, product.pk, "two")
    assert not CartLine.objects.exists()


def test_adding_twice_adds_quantities_and_caps_at_the_limit():
    # given
    product = make_product(stock=5, allow_backorder=False)
    cart = _cart()
    # when
    services.add_to_cart(cart, product.pk, "2")
    services.add_to_cart(cart, product.pk, 3)
    # then
    assert CartLine.objects.get(cart=cart).quantity == 5
    with pytest.raises(CartError, match="Only 5 units"):
        services.add_to_cart(cart, product.pk, 1)
    assert CartLine.objects.get(cart=cart).quantity == 5


def test_backorderable_products_may_exceed_stock_up_to_999():
    # given
    product = make_product(stock=1, allow_backorder=True)
    cart = _cart()
    # when
    services.add_to_cart(cart, product.pk, 999)
    # then
    assert CartLine.objects.get(cart=cart).quantity == 999
    with pytest.raises(CartError):
        services.add_to_cart(cart, product.pk, 1)


@pytest.mark.parametrize("product_id", ["999999", "abc", "", None, "-1", "1; DROP TABLE"])
def test_unknown_products_cannot_be_added(product_id):
    # given
    cart = _cart()
    # when / then
    with pytest.raises(CartError, match="not available"):
        services.add_to_cart(cart, product_id, 1)
    assert not CartLine.objects.exists()


def test_inactive_products_cannot_be_added():
    # given
    product = make_product(is_active=False)
    # when / then
    with pytest.raises(CartError):
        services.add_to_cart(_cart(), product.pk, 1)


def test_set_and_remove():
    # given
    product = make_product(stock=20)
    cart = _cart()
    services.add_to_cart(cart, product.pk, 1)
    # when
    services.set_line_quantity(cart, str(product.pk), "7")
    # then
    assert CartLine.objects.get(cart=cart).quantity == 7
    # when
    services.remove_from_cart(cart, product.pk)
    # then
    assert not CartLine.objects.filter(cart=cart).exists()


def test_summary_totals_come_from_the_database_prices():
    # given
    a = make_product(price="1999.99", stock=10, weight_grams=300)
    b = make_product(price="250.50", stock=1, weight_grams=1000, restock_days=7)
    d = make_product(price="5000", stock=0, is_digital=True, weight_grams=0)
    cart = _cart()
    services.add_to_cart(cart, a.pk, 3)
    services.add_to_cart(cart, b.pk, 2)
    services.add_to_cart(cart, d.pk, 1)
    # when the catalog price changes after adding
    a.price = Decimal("2000.00")
    a.save()
    summary = services.cart_summary(cart)
    # then
    assert summary.subtotal == Decimal("6000.00") + Decimal("501.00") + Decimal("5000.00")
    assert summary.item_count == 6
    assert summary.weight_grams == 3 * 300 + 2 * 1000
    assert summary.has_digital and summary.has_physical
    line_b = next(line for line in summary.lines if line.product == b)
    assert (line_b.available, line_b.backordered) == (1, 1)
    assert line_b.expected_date is not None
    assert summary.has_shortage
    assert all(line.is_available for line in summary.lines if line.product != b)


def test_summary_uses_few_queries(django_assert_max_num_queries):
    # given
    cart = _cart()
    for _ in range(10):
        services.add_to_cart(cart, make_product().pk, 1)
    # when / then
    with django_assert_max_num_queries(1):
        summary = services.cart_summary(cart)
    assert len(summary.lines) == 10


def test_a_product_deactivated_meanwhile_leaves_the_cart_with_a_notice():
    # given
    kept = make_product()
    dropped = make_product(name="Vintage Lamp")
    cart = _cart()
    services.add_to_cart(cart, kept.pk, 1)
    services.add_to_cart(cart, dropped.pk, 2)
    # when
    dropped.is_active = False
    dropped.save()
    summary = services.cart_summary(cart)
    # then
    assert [line.product for line in summary.lines] == [kept]
    assert any("Vintage Lamp" in notice for notice in summary.notices)
    assert not CartLine.objects.filter(product=dropped).exists()


def test_a_product_deleted_meanwhile_disappears_from_the_cart():
    # given
    kept = make_product()
    deleted = make_product(name="Discontinued Doormat")
    cart = _cart()
    services.add_to_cart(cart, kept.pk, 1)
    services.add_to_cart(cart, deleted.pk, 1)
    deleted_id = deleted.pk
    # when
    deleted.delete()
    # then
    summary = services.cart_summary(cart)
    assert [line.product for line in summary.lines] == [kept]
    assert any("Discontinued Doormat" in notice for notice in summary.notices)
    assert CartLine.objects.filter(cart=cart).count() == 1
    with pytest.raises(CartError, match="no longer in your cart"):
        services.set_line_quantity(cart, deleted_id, 2)


def test_anonymous_cart_lives_in_the_session():
    # given
    request = session_request()
    assert services.get_cart(request) is None
    # when
    cart = services.get_cart(request, create=True)
    # then the same session finds it again in a later visit
    request.session.save()
    later = session_request(session=SessionStore(request.session.session_key))
    assert services.get_cart(later) == cart
    # and a garbled token in an old session finds nothing instead of failing
    later.session[services.SESSION_CART_TOKEN] = "not-a-uuid"
    assert services.get_cart(later) is None


def test_merge_on_login_adds_quantities_with_caps():
    # given a customer with an open cart, and an anonymous cart in the session
    user = get_user_model().objects.create_user("aru@example.com", "pw-123456789")
    limited = make_product(stock=4, allow_backorder=False)
    other = make_product()
    own = Cart.objects.create(user=user)
    services.add_to_cart(own, limited.pk, 3)
    request = session_request()
    anonymous = services.get_cart(request, create=True)
    services.add_to_cart(anonymous, limited.pk, 3)
    services.add_to_cart(anonymous, other.pk, 2)
    # when
    merged = services.merge_anonymous_cart(request, user)
    # then
    assert merged == own
    quantities = dict(own.lines.values_list("product_id", "quantity"))
    assert quantities == {limited.pk: 4, other.pk: 2}
    anonymous.refresh_from_db()
    assert anonymous.status == Cart.Status.MERGED
    assert services.SESSION_CART_TOKEN not in request.session


def test_login_through_the_site_merges_the_cart(client):
    # given an anonymous visitor with a cart
    user = get_user_model().objects.create_user("dana@example.com", "pw-123456789")
    product = make_product()
    session = client.session
    cart = Cart.objects.create()
    services.add_to_cart(cart, product.pk, 2)
    session[services.SESSION_CART_TOKEN] = str(cart.token)
    session.save()
    # when the visitor logs in (django.contrib.auth.login sends user_logged_in)
    client.post("/account/login/", {"username": "dana@example.com", "password": "pw-123456789"})
    # then the cart became the account's
    cart.refresh_from_db()
    assert cart.user == user and cart.status == Cart.Status.OPEN


def test_the_anonymous_cart_becomes_the_account_cart_when_there_is_none():
    # given
    user = get_user_model().objects.create_user("ali@example.com", "pw-123456789")
    request = session_request()
    cart = services.get_cart(request, create=True)
    services.add_to_cart(cart, make_product().pk, 1)
    # when
    result = services.merge_anonymous_cart(request, user)
    # then
    assert result == cart
    cart.refresh_from_db()
    assert cart.user == user
    request.user = user
    assert services.get_cart(request) == cart


def test_stale_carts_are_purged_and_customers_open_carts_kept(settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    # given carts of every kind, some long untouched
    now = timezone.now()
    customer = get_user_model().objects.create_user("aliya@example.kz", "Steppe-Winds-2026")
    product = make_product()
    old = now - timedelta(seconds=settings.SESSION_COOKIE_AGE + 3600)
    carts = {
        "abandoned": Cart.objects.create(),
        "recent_anonymous": Cart.objects.create(),
        "customer_open": Cart.objects.create(user=customer),
        "old_merged": Cart.objects.create(status=Cart.Status.MERGED),
        "new_ordered": Cart.objects.create(status=Cart.Status.ORDERED),
    }
    CartLine.objects.create(cart=carts["abandoned"], product=product, quantity=2)
    for name in ("abandoned", "customer_open", "old_merged"):
        Cart.objects.filter(pk=carts[name].pk).update(updated_at=old)
    Cart.objects.filter(pk=carts["new_ordered"].pk).update(updated_at=now - timedelta(days=2))
    # when
    deleted = services.purge_stale_carts()
    # then
    assert deleted == {"abandoned": 1, "spent": 1}
    left = set(Cart.objects.values_list("pk", flat=True))
    assert left == {
        carts["recent_anonymous"].pk,
        carts["customer_open"].pk,
        carts["new_ordered"].pk,
    }
    assert not CartLine.objects.exists()
    # and the command says what it did, and changes nothing more on a second run
    from io import StringIO

    out = StringIO()
    call_command("purge_carts", stdout=out)
    assert out.getvalue().strip() == "Deleted 0 abandoned anonymous carts and 0 spent carts."

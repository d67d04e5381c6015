import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from duken.catalog.models import Product
from duken.checkout.models import Cart, CartLine
from duken.orders.models import Order
from duken.testing.factories import make_product, make_shipping

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipping():
    return make_shipping()


def _add(client, product, quantity="1", **extra):
    return client.post(
        reverse("storefront:cart_add"),
        {"product_id": str(product.pk), "quantity": quantity, **extra},
    )


def _token(response):
    return re.search(r'name="checkout_token" value="([^"]+)"', response.content.decode()).group(1)


def _checkout_post(client, token, **overrides):
    data = {
        "checkout_token": token,
        "email": "guest@example.com",
        "phone": "+7 701 555 12 34",
        "full_name": "Guest Buyer",
        "country": "Kazakhstan",
        "region": "Almaty",
        "city": "Almaty",
        "street": "Dostyk 5",
        "delivery_method": "courier",
        "payment_method": "cash_on_delivery",
    }
    data.update(overrides)
    return client.post(reverse("storefront:checkout"), data)


def test_adding_to_cart_redirects_back_and_counts_in_the_header(client):
    # given
    product = make_product(stock=5)
    # when
    response = _add(client, product, "2", next=product.get_absolute_url())
    # then
    assert response.status_code == 302
    page = client.get(reverse("storefront:cart"))
    assert page.status_code == 200
    assert product.name in page.content.decode()
    assert page.context["cart_count"] == 2


def test_htmx_add_returns_the_header_fragment_and_a_trigger(client):
    # given
    product = make_product(stock=5)
    # when
    response = client.post(
        reverse("storefront:cart_add"),
        {"product_id": product.pk, "quantity": "3"},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.status_code == 200
    assert response["HX-Trigger"] == "cart-updated"
    body = response.content.decode()
    assert 'id="cart-count"' in body and ">3<" in body and 'id="messages"' in body


@pytest.mark.parametrize("quantity", ["-1", "0", "100000", "many", ""])
def test_bad_quantities_in_posts_show_a_message_and_change_nothing(client, quantity):
    # given
    product = make_product(stock=5)
    # when
    response = client.post(
        reverse("storefront:cart_add"),
        {"product_id": product.pk, "quantity": quantity},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.status_code == 200
    assert "alert-error" in response.content.decode()
    assert not CartLine.objects.exists()


def test_unknown_products_are_refused_without_a_500(client):
    # when
    response = client.post(reverse("storefront:cart_add"), {"product_id": "987654"})
    # then
    assert response.status_code == 302
    assert not CartLine.objects.exists()


def test_cart_update_and_remove(client):
    # given
    product = make_product(stock=50)
    _add(client, product, "1")
    # when
    response = client.post(
        reverse("storefront:cart_update"),
        {"product_id": product.pk, "quantity": "4"},
        HTTP_HX_REQUEST="true",
    )
    # then the lines and the sum come back, not the checkout link the shopper may be pressing
    body = response.content.decode()
    assert response.status_code == 200 and 'id="cart-lines"' in body
    assert '<div id="cart-sum" class="stack" hx-swap-oob="true">' in body
    assert "4 items" in body and reverse("storefront:checkout") not in body
    assert CartLine.objects.get().quantity == 4
    # when a bad quantity is posted, nothing changes
    client.post(reverse("storefront:cart_update"), {"product_id": product.pk, "quantity": "-4"})
    assert CartLine.objects.get().quantity == 4
    # when the last line is removed
    response = client.post(
        reverse("storefront:cart_update"),
        {"product_id": product.pk, "action": "remove"},
        HTTP_HX_REQUEST="true",
    )
    # then the whole body says the cart is empty
    assert not CartLine.objects.exists()
    assert response["HX-Retarget"] == "#cart-body"
    assert "Your cart is empty." in response.content.decode()


def test_a_cart_whose_product_was_deleted_still_renders(client):
    # given
    kept = make_product()
    gone = make_product(name="Deleted Doorstop")
    hidden = make_product(name="Retired Teapot")
    for product in (kept, gone, hidden):
        _add(client, product)
    # when
    gone.delete()
    Product.objects.filter(pk=hidden.pk).update(is_active=False)
    response = client.get(reverse("storefront:cart"))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert kept.name in body
    assert "Retired Teapot" in body and "Deleted Doorstop" in body  # in the notices only
    assert [line.product for line in response.context["summary"].lines] == [kept]


def test_checkout_with_an_empty_cart_sends_the_shopper_back(client, shipping):
    # when
    response = client.get(reverse("storefront:checkout"))
    # then
    assert response.status_code == 302 and response.url == reverse("storefront:cart")


def test_guest_checkout_places_the_order_and_shows_the_confirmation(client, shipping):
    # given
    product = make_product(price="7000", stock=3)
    _add(client, product, "2")
    page = client.get(reverse("storefront:checkout"))
    assert page.status_code == 200
    assert "Courier" in page.content.decode()
    login = reverse("storefront:login")
    assert f'href="{login}?next=/checkout/"' in page.content.decode()
    # when
    response = _checkout_post(client, _token(page))
    # then
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("storefront:order_confirmation", args=[order.number])
    confirmation = client.get(response.url)
    assert confirmation.status_code == 200
    assert order.number in confirmation.content.decode()
    assert order.total == Decimal("14000.00") + Decimal("1500.00")
    # the header count is back to zero
    assert client.get(reverse("storefront:cart")).context["cart_count"] == 0
    # another visitor cannot see the guest's confirmation
    client.logout()
    client.cookies.clear()
    assert client.get(response.url).status_code == 404


def test_one_submit_marks_every_missing_field(client, shipping):
    # given
    _add(client, make_product(stock=3), "1")
    page = client.get(reverse("storefront:checkout"))
    # when everything but the delivery and payment choice is left empty
    response = _checkout_post(
        client, _token(page), email="", phone="", full_name="", region="", city="", street=""
    )
    # then the contact and the address fields are all marked at once, and nothing is placed
    body = response.content.decode()
    assert response.status_code == 400
    for field in ("email", "phone", "full_name", "city", "street"):
        assert f'id="id_{field}"' in body
        assert re.search(rf'id="id_{field}"[^>]*aria-invalid="true"', body), field
    assert "Fill in the street, house, flat for delivery." in body
    assert not Order.objects.exists()


def test_address_errors_from_the_order_service_are_all_shown(client, shipping):
    # given a form that is valid on its own
    _add(client, make_product(stock=3), "1")
    page = client.get(reverse("storefront:checkout"))
    # when the recipient and the street are missing
    response = _checkout_post(client, _token(page), full_name="", street="")
    # then both are marked
    body = response.content.decode()
    assert response.status_code == 400
    assert "Fill in the recipient for delivery." in body
    assert "Fill in the street, house, flat for delivery." in body
    assert not Order.objects.exists()


def test_forged_prices_and_totals_in_the_checkout_post_are_ignored(client, shipping):
    # given
    product = make_product(price="9000", stock=3)
    _add(client, product, "1", price="1")
    page = client.get(reverse("storefront:checkout"))
    # when
    _checkout_post(
        client, _token(page), total="1.00", subtotal="1", shipping_cost="0", unit_price="1"
    )
    # then
    order = Order.objects.get()
    assert order.subtotal == Decimal("9000.00")
    assert order.total == Decimal("10500.00")


def test_a_second_submit_shows_the_same_order(client, shipping):
    # given
    product = make_product(stock=3)
    _add(client, product, "1")
    token = _token(client.get(reverse("storefront:checkout")))
    first = _checkout_post(client, token)
    # when
    second = _checkout_post(client, token)
    # then
    assert Order.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url
    product.refresh_from_db()
    assert product.stock == 2


def test_submitting_after_the_cart_expired_says_so(client, shipping):
    # given
    product = make_product(stock=3)
    _add(client, product, "1")
    token = _token(client.get(reverse("storefront:checkout")))
    Cart.objects.all().delete()
    # when
    response = _checkout_post(client, token)
    # then
    assert response.status_code == 302 and response.url == reverse("storefront:cart")
    follow = client.get(response.url)
    assert "expired" in follow.content.decode()
    assert not Order.objects.exists()


def test_a_forged_checkout_token_is_not_accepted(client, shipping):
    # given
    _add(client, make_product(stock=3), "1")
    client.get(reverse("storefront:checkout"))
    # when
    response = _checkout_post(client, "made-up-token")
    # then
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Order.objects.exists()


def test_a_nul_character_in_the_checkout_token_is_refused_by_the_form(client, shipping):
    # given the checkout form
    _add(client, make_product(stock=3), "1")
    page = client.get(reverse("storefront:checkout"))
    # when it comes back with a NUL character in its token (PostgreSQL cannot look one up)
    response = _checkout_post(client, _token(page) + "\x00")
    # then the form is shown again and no order is placed
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_shortages_are_flagged_before_paying_and_need_consent(client, shipping):
    # given
    product = make_product(stock=1, allow_backorder=True, restock_days=5)
    _add(client, product, "3")
    page = client.get(reverse("storefront:checkout"))
    assert "delayed" in page.content.decode()
    # when the buyer does not accept the backorder
    refused = _checkout_post(client, _token(page))
    # then
    assert refused.status_code == 400 and not Order.objects.exists()
    # when they do
    accepted = _checkout_post(client, _token(page), accept_backorder="on")
    # then
    assert accepted.status_code == 302
    line = Order.objects.get().lines.get()
    assert line.backordered_quantity == 2


@pytest.mark.parametrize(("left", "says"), [(1, "only 1 unit left"), (0, "is out of stock")])
def test_stock_sold_out_meanwhile_gives_a_clear_message(client, shipping, left, says):
    # given: a product that cannot be backordered, two in the cart
    product = make_product(name="Tin Lantern", stock=2, allow_backorder=False)
    _add(client, product, "2")
    page = client.get(reverse("storefront:checkout"))
    Product.objects.filter(pk=product.pk).update(stock=left)
    # when: other shoppers bought it before this one pressed "Place order"
    response = _checkout_post(client, _token(page))
    # then: told what is left, not asked to accept a later delivery that is not possible
    html = response.content.decode()
    assert response.status_code == 409
    assert f"Tin Lantern {says}" in html or f"Tin Lantern: {says}" in html
    assert "Tick the box to accept their later delivery" not in html
    assert not Order.objects.exists()


def test_bank_transfer_confirmation_shows_bank_details_and_reference(client, shipping):
    # given
    _add(client, make_product(stock=3), "1")
    page = client.get(reverse("storefront:checkout"))
    # when
    response = _checkout_post(client, _token(page), payment_method="bank_transfer")
    confirmation = client.get(response.url)
    # then
    order = Order.objects.get()
    payment = order.payments.get()
    body = confirmation.content.decode()
    assert payment.reference in body
    assert "IBAN" in body


def test_delivery_options_refresh_for_the_address(client, shipping):
    # given
    _add(client, make_product(stock=3), "1")
    # when
    response = client.post(
        reverse("storefront:checkout_options"),
        {
            "country": "Kazakhstan",
            "region": "Almaty",
            "city": "Almaty",
            "delivery_method": "pickup",
        },
        HTTP_HX_REQUEST="true",
    )
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="checkout-delivery"' in body and 'hx-swap-oob="true"' in body
    assert "Duken Almaty" in body  # the pickup point of the chosen pickup method


def test_a_refresh_that_would_show_the_same_options_leaves_them_in_place(client, shipping):
    # given the options shown for an address in Almaty
    _add(client, make_product(stock=3), "1")
    address = {"country": "Kazakhstan", "region": "Almaty", "city": "Almaty"}
    url = reverse("storefront:checkout_options")
    first = client.post(url, address, HTTP_HX_REQUEST="true").content.decode()
    key = re.search(r'name="options_key" value="([0-9a-f]+)"', first).group(1)
    # when the city changes within the same zone
    response = client.post(
        url, {**address, "city": "Qaskelen", "options_key": key}, HTTP_HX_REQUEST="true"
    )
    # then only the totals come back, and htmx is told to leave the section alone
    body = response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert 'id="checkout-delivery"' not in body and 'id="checkout-summary"' in body
    # when the shopper chooses another method, the section is shown again (its pickup points)
    response = client.post(
        url, {**address, "delivery_method": "pickup", "options_key": key}, HTTP_HX_REQUEST="true"
    )
    assert "HX-Reswap" not in response
    assert "Duken Almaty" in response.content.decode()
    # and abroad, where the courier does not go, the section changes
    response = client.post(url, {"country": "Narnia", "options_key": key}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "HX-Reswap" not in response and 'id="checkout-delivery"' in body
    assert "Self-pickup" in body and "Courier" not in body


def test_logged_in_customer_sees_the_order_in_the_account(client, shipping):
    # given
    client.force_login(get_user_model().objects.create_user("aru@example.com", "pw-123456789"))
    _add(client, make_product(stock=3), "1")
    page = client.get(reverse("storefront:checkout"))
    assert 'value="aru@example.com"' in page.content.decode()
    # when
    response = _checkout_post(client, _token(page), email="aru@example.com")
    # then
    order = Order.objects.get()
    assert order.user.email == "aru@example.com"
    confirmation = client.get(response.url)
    assert reverse("storefront:order_detail", args=[order.number]) in confirmation.content.decode()
    assert len(mail.outbox) <= 1


def test_the_cart_page_needs_few_queries(client, django_assert_max_num_queries):
    # given a cart of eight products
    for _ in range(8):
        _add(client, make_product(), "1")
    # when / then: session, cart, lines with products, images, recommendations
    with django_assert_max_num_queries(7):
        response = client.get(reverse("storefront:cart"))
    assert len(response.context["summary"].lines) == 8


def test_a_saved_address_is_preselected_and_used(client, shipping):
    # given a customer with a saved default address in Astana
    from duken.customers.models import Address

    user = get_user_model().objects.create_user("erlan@example.com", "pw-123456789")
    address = Address.objects.create(
        user=user,
        full_name="Erlan B",
        phone="+7 702 000 00 00",
        country="Kazakhstan",
        region="Astana",
        city="Astana",
        street="Mangilik El 8",
        is_default=True,
    )
    client.force_login(user)
    _add(client, make_product(stock=3), "1")
    # when
    page = client.get(reverse("storefront:checkout"))
    # then
    body = page.content.decode()
    assert f'name="saved_address" value="{address.pk}" checked' in body
    # when the form is sent with the saved address chosen and no typed address
    _checkout_post(
        client,
        _token(page),
        email="erlan@example.com",
        saved_address=str(address.pk),
        full_name="",
        region="",
        city="",
        street="",
    )
    # then
    order = Order.objects.get()
    assert (order.ship_city, order.ship_street, order.ship_full_name) == (
        "Astana",
        "Mangilik El 8",
        "Erlan B",
    )


def test_someone_elses_address_id_is_ignored(client, shipping):
    # given another customer's address
    from duken.customers.models import Address

    other = get_user_model().objects.create_user("other@example.com", "pw-123456789")
    foreign = Address.objects.create(
        user=other,
        full_name="X",
        phone="+7 702 000 00 00",
        region="Almaty",
        city="Almaty",
        street="Secret 1",
    )
    me = get_user_model().objects.create_user("me@example.com", "pw-123456789")
    client.force_login(me)
    _add(client, make_product(stock=3), "1")
    page = client.get(reverse("storefront:checkout"))
    # when
    _checkout_post(client, _token(page), email="me@example.com", saved_address=str(foreign.pk))
    # then the typed address is used, never the foreign one
    assert Order.objects.get().ship_street == "Dostyk 5"


def test_the_header_count_costs_no_query_for_new_visitors_and_one_for_a_cart(
    client, django_assert_num_queries
):
    # given
    from django.test import RequestFactory

    from duken.checkout.context_processors import cart as cart_context

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request.user = AnonymousUser()
    request.session = SessionStore()
    # when / then: a visitor without a cart costs nothing
    with django_assert_num_queries(0):
        assert cart_context(request) == {"cart_count": 0}
    # and a visitor with a cart pays one small query (the session is already loaded)
    product = make_product()
    _add(client, product, "2")
    session = SessionStore(client.session.session_key)
    request.session = session
    assert session.get("cart_token")  # loads the session, as the middleware would have
    with django_assert_num_queries(1):
        assert cart_context(request) == {"cart_count": 2}


def test_a_digital_only_cart_gets_electronic_delivery_and_no_cash_on_delivery(client, shipping):
    # given
    _add(client, make_product(is_digital=True, stock=0, name="Pattern PDF"), "1")
    # when
    page = client.get(reverse("storefront:checkout"))
    # then
    body = page.content.decode()
    assert [o.code for o in page.context["options"]] == ["electronic"]
    assert 'value="cash_on_delivery"' not in body
    # and the order goes through without an address
    response = _checkout_post(
        client,
        _token(page),
        delivery_method="electronic",
        payment_method="bank_transfer",
        full_name="",
        region="",
        city="",
        street="",
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.shipping_cost == 0 and order.ship_street == ""


def test_the_country_is_shown_in_the_shoppers_language_and_stored_in_english(client, shipping):
    # given a Russian-speaking shopper
    _add(client, make_product(price="7000", stock=3))
    page = client.get(reverse("storefront:checkout"), HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert 'id="id_country" name="country" value="Казахстан"' in html
    assert '<option value="Россия">' in html
    # when they keep the country as shown
    response = _checkout_post(client, _token(page), country="Казахстан")
    # then the order is delivered in Kazakhstan and stored under its English name
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.ship_country, order.ship_region) == ("Kazakhstan", "Almaty")
    assert order.shipping_cost == Decimal("1500.00")


def test_the_stored_address_is_shown_and_mailed_in_the_shoppers_language(
    client, shipping, django_capture_on_commit_callbacks
):
    # given a Russian-speaking shopper ordering to a region stored under its English name
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    _add(client, make_product(price="7000", stock=3))
    page = client.get(reverse("storefront:checkout"))
    with django_capture_on_commit_callbacks(execute=True):
        _checkout_post(client, _token(page), region="Almaty Region", city="Каскелен")
    order = Order.objects.get()
    assert (order.ship_country, order.ship_region) == ("Kazakhstan", "Almaty Region")
    # when they see the confirmation
    url = reverse("storefront:order_confirmation", args=[order.number])
    html = client.get(url).content.decode()
    # then the region and the country are in Russian, on the page and in the e-mail
    assert "Каскелен, Алматинская область, Казахстан" in html
    assert "Almaty Region" not in html
    received = [m for m in mail.outbox if order.number in m.subject]
    assert received and "Каскелен, Алматинская область, Казахстан" in received[0].body


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("", "Kazakhstan"),
        ("Қазақстан", "Kazakhstan"),
        ("KZ", "Kazakhstan"),
        ("germany", "Germany"),
        ("Германия", "Germany"),
        ("Atlantis", "Atlantis"),
    ],
)
def test_typed_country_names_map_to_the_stored_name(typed, stored):
    from duken.shipping.regions import country_value

    assert country_value(typed) == stored


def test_an_order_commits_with_its_payment_and_its_event(client, shipping):
    # given
    from duken.interactions.models import Event, Kind
    from duken.payments.models import Payment

    product = make_product(stock=3)
    _add(client, product, "1")
    token = _token(client.get(reverse("storefront:checkout")))
    # when
    _checkout_post(client, token, payment_method="bank_transfer")
    # then the order, the payment it waits for and its event are there together
    order = Order.objects.get()
    assert Payment.objects.filter(order=order, status="pending").count() == 1
    assert Event.objects.filter(kind=Kind.ORDER_PLACED, object_id=order.pk).count() == 1


def test_a_process_dying_before_the_event_is_written_leaves_no_order(client, shipping, monkeypatch):
    # given a server process that dies while the order is being placed, once the order and
    # its payment are written but before its "order placed" event is
    from duken.interactions.models import Event
    from duken.payments.models import Payment

    product = make_product(stock=3)
    _add(client, product, "1")
    token = _token(client.get(reverse("storefront:checkout")))

    def die(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(Event, "save", die)
    # when
    with pytest.raises(SystemExit):
        _checkout_post(client, token)
    # then nothing of it was committed: no order, no payment, the stock and the cart as before
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    product.refresh_from_db()
    assert product.stock == 3
    assert Cart.objects.get().status == Cart.Status.OPEN
    # and the shopper's retry places the order
    monkeypatch.undo()
    response = _checkout_post(client, token)
    assert response.status_code == 302
    assert Order.objects.count() == 1


def test_a_guest_whose_answer_was_lost_sees_their_order_on_retry(client, shipping):
    # given a guest's order that committed, but whose answer (and session update) never
    # reached them because the server process died right after the commit
    product = make_product(stock=3)
    _add(client, product, "1")
    token = _token(client.get(reverse("storefront:checkout")))
    before = dict(client.session.items())
    _checkout_post(client, token)
    session = client.session
    session.clear()
    session.update(before)
    session.save()
    # when the guest presses "Place order" again
    response = _checkout_post(client, token)
    # then they are shown the order that was placed, not an empty cart
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("storefront:order_confirmation", args=[order.number])
    assert order.number in client.get(response.url).content.decode()
    product.refresh_from_db()
    assert product.stock == 2


@pytest.mark.parametrize("next_value", ["-1", "x", "storefront:account", "//evil.example/"])
def test_adding_with_a_next_that_is_not_a_path_goes_to_the_cart(client, next_value):
    # given
    product = make_product(stock=5)
    # when the form is posted with a next value that is not a page of the shop
    response = _add(client, product, "1", next=next_value)
    # then the product is added and the visitor sees the cart
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:cart")
    assert CartLine.objects.filter(product=product).exists()

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from duken.catalog.models import Product
from duken.customers.models import Address, PendingRegistration, User
from duken.orders.models import Order, OrderEvent, OrderLine
from duken.outbox.models import Message
from duken.payments.models import Payment

from .conftest import PASSWORD


def make_order(user, number, *, status="awaiting_payment", days_ago=0, delayed=False):
    placed = timezone.now() - timedelta(days=days_ago)
    order = Order.objects.create(
        number=number,
        user=user,
        email=user.email,
        status=status,
        subtotal=Decimal("3000"),
        shipping_cost=Decimal("1500"),
        total=Decimal("4500"),
        delivery_name="Courier in Almaty",
        ship_full_name="Dana Serikova",
        ship_city="Almaty",
        ship_street="Abay 1",
        payment_method="cash_on_delivery",
        placed_at=placed,
    )
    OrderLine.objects.create(
        order=order,
        product_name="Red Spotty Mug",
        sku="M-001",
        unit_price=Decimal("1500"),
        quantity=2,
        line_total=Decimal("3000"),
        backordered_quantity=1 if delayed else 0,
        expected_date=(placed + timedelta(days=10)).date() if delayed else None,
    )
    OrderEvent.objects.create(order=order, to_status="awaiting_payment", created_at=placed)
    if status != "awaiting_payment":
        OrderEvent.objects.create(
            order=order,
            from_status="awaiting_payment",
            to_status=status,
            note="internal: called the courier",
            created_at=placed + timedelta(hours=1),
        )
    return order


def _register(client, captured, **data):
    """Sign up through the page; returns the response and the link e-mailed to the address."""
    with captured(execute=True):
        response = client.post("/account/register/", data)
    link = re.search(
        r"http://127\.0\.0\.1:8000(/account/register/finish/\S+/)", mail.outbox[-1].body
    )
    return response, link[1] if link else None


@pytest.mark.django_db
def test_register_then_the_emailed_link_logs_the_new_customer_in(
    client, django_capture_on_commit_callbacks
):
    # when
    response, link = _register(
        client,
        django_capture_on_commit_callbacks,
        email="New@Example.kz",
        first_name="Arman",
        password=PASSWORD,
    )
    # then the page says where the link went, and no account exists before it is followed
    assert response.status_code == 200
    assert "We sent a link to new@example.kz" in response.content.decode()
    assert not User.objects.filter(email="new@example.kz").exists()
    assert client.get(link).status_code == 200
    finished = client.post(link)
    assert finished.status_code == 302
    assert finished["Location"] == "/account/"
    user = User.objects.get(email="new@example.kz")
    assert user.first_name == "Arman" and user.is_active and user.check_password(PASSWORD)
    page = client.get("/account/")
    assert page.status_code == 200
    assert "Arman" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("next_value", ["abc", "-1", "http://evil.example/"])
def test_register_with_a_next_that_is_not_a_path_goes_to_the_account(client, next_value):
    # when
    response = client.post(
        "/account/register/",
        {
            "email": "new@example.kz",
            "first_name": "Arman",
            "password": PASSWORD,
            "next": next_value,
        },
    )
    # then the sign-up goes ahead (its link is e-mailed) instead of a server error
    assert response.status_code == 200
    assert PendingRegistration.objects.filter(email="new@example.kz").exists()


@pytest.mark.django_db
def test_a_new_address_with_a_next_that_is_not_a_path_goes_to_the_addresses(client, customer):
    # given
    client.force_login(customer)
    data = {
        "full_name": "Dana Serikova",
        "phone": "+7 701 000 00 00",
        "country": "Kazakhstan",
        "region": "Almaty",
        "city": "Almaty",
        "street": "Abay 1",
        "next": "true",
    }
    # when
    response = client.post("/account/addresses/new/", data)
    # then
    assert response.status_code == 302 and response["Location"] == "/account/addresses/"
    assert Address.objects.filter(user=customer, street="Abay 1").exists()


@pytest.mark.django_db
def test_register_shows_errors_for_a_weak_password_and_never_says_an_address_is_taken(
    client, customer
):
    response = client.post(
        "/account/register/", {"email": customer.email, "first_name": "X", "password": "123"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "already exists" not in html
    assert 'class="errorlist"' in html and "too short" in html
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_login_and_logout(client, customer):
    # when
    response = client.post("/account/login/", {"username": "DANA@example.kz", "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    # logging out is a POST and ends the session
    assert client.post("/account/logout/").status_code == 302
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_login_with_a_wrong_password_says_so(client, customer):
    response = client.post("/account/login/", {"username": customer.email, "password": "nope"})
    assert response.status_code == 200
    assert "wrong" in response.content.decode()


LONG_EMAIL = "a" * 60_000 + "@example.kz"


@pytest.mark.django_db
@pytest.mark.parametrize("login_name", ["a" * 60_000, LONG_EMAIL, "a" * 244 + "@example.kz"])
@pytest.mark.parametrize(
    "url, wrong_login",
    [
        ("/account/login/", "The e-mail or password is wrong."),
        ("/admin/login/", "Please enter the correct e-mail address and password"),
    ],
)
def test_a_login_name_longer_than_an_address_is_a_wrong_login(
    client, customer, url, wrong_login, login_name
):
    # when (an account exists, so SQLite evaluates the case-insensitive lookup)
    response = client.post(url, {"username": login_name, "password": PASSWORD})
    # then the usual answer to a wrong login
    assert response.status_code == 200
    assert wrong_login in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_very_long_address_asking_for_a_password_reset_is_an_invalid_address(client, customer):
    # when
    response = client.post("/account/password-reset/", {"email": LONG_EMAIL})
    # then
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not mail.outbox


@pytest.mark.django_db
@pytest.mark.parametrize("email", [LONG_EMAIL, "a" * 244 + "@example.kz"])
def test_registering_with_an_address_longer_than_254_characters_is_refused(client, customer, email):
    # when
    response = client.post(
        "/account/register/", {"email": email, "first_name": "Arman", "password": PASSWORD}
    )
    # then
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/account/", "/account/addresses/", "/account/orders/", "/account/orders/X1/"]
)
def test_account_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


@pytest.mark.django_db
def test_password_reset_sends_an_email_with_a_working_link(
    client, customer, django_capture_on_commit_callbacks
):
    # when (the outbox delivers once the request's work has committed)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password-reset/", {"email": "dana@example.kz"})
    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.kz"]
    # the e-mail is on the customer's timeline
    sent = Message.objects.get(status=Message.Status.SENT)
    assert (sent.user, sent.kind, sent.subject) == (customer, "password_reset", message.subject)
    link = re.search(r"http://testserver(/account/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert 'name="new_password1"' in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Nova-Parol-2027", "new_password2": "Nova-Parol-2027"},
    )
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("Nova-Parol-2027")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "word"), [("ru", "пароль"), ("kk", "құпиясөз")])
def test_password_reset_email_is_in_the_visitors_language(
    client, customer, settings, language, word, django_capture_on_commit_callbacks
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/password-reset/", {"email": customer.email})
    assert word in (mail.outbox[0].subject + mail.outbox[0].body).lower()


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(client):
    response = client.post("/account/password-reset/", {"email": "nobody@example.kz"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_addresses_add_edit_default_delete(client, customer):
    client.force_login(customer)
    data = {
        "full_name": "Dana Serikova",
        "phone": "+7 701 000 00 00",
        "country": "Kazakhstan",
        "region": "Almaty",
        "city": "Almaty",
        "street": "Abay 1",
        "postcode": "050000",
    }
    # add
    assert client.post("/account/addresses/new/", data).status_code == 302
    first = Address.objects.get(user=customer)
    assert first.is_default
    client.post("/account/addresses/new/", {**data, "street": "Dostyk 2"})
    second = Address.objects.get(street="Dostyk 2")
    # edit
    client.post(f"/account/addresses/{second.pk}/edit/", {**data, "street": "Dostyk 3"})
    second.refresh_from_db()
    assert second.street == "Dostyk 3"
    # default
    client.post(f"/account/addresses/{second.pk}/default/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    # list
    assert "Dostyk 3" in client.get("/account/addresses/").content.decode()
    # delete
    client.post(f"/account/addresses/{second.pk}/delete/")
    first.refresh_from_db()
    assert first.is_default
    assert Address.objects.filter(user=customer).count() == 1


@pytest.mark.django_db
def test_bad_address_shows_errors_and_saves_nothing(client, customer):
    client.force_login(customer)
    response = client.post(
        "/account/addresses/new/",
        {"full_name": "D", "phone": "abc", "region": "", "city": "A", "street": "S"},
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_an_address_typed_in_kazakh_is_stored_in_english_and_shown_in_kazakh(client, customer):
    client.force_login(customer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "kk"
    # the new-address page offers the country and the regions in Kazakh
    page = client.get("/account/addresses/new/").content.decode()
    assert 'value="Қазақстан"' in page and '<option value="Алматы облысы">' in page
    # when the customer picks them as shown
    data = {
        "full_name": "Дана Серікова",
        "phone": "+7 701 000 00 00",
        "country": "Қазақстан",
        "region": "Алматы облысы",
        "city": "Қаскелең",
        "street": "Абылай хан 5",
    }
    assert client.post("/account/addresses/new/", data).status_code == 302
    # then they are stored under the English names delivery zones and orders use
    address = Address.objects.get(user=customer)
    assert (address.country, address.region) == ("Kazakhstan", "Almaty Region")
    # and shown in Kazakh again on the list and when editing
    assert "Қаскелең, Алматы облысы" in client.get("/account/addresses/").content.decode()
    edit = client.get(f"/account/addresses/{address.pk}/edit/").content.decode()
    assert 'value="Алматы облысы"' in edit and 'value="Қазақстан"' in edit


@pytest.mark.django_db
def test_a_region_of_kazakhstan_must_be_one_of_the_list_and_abroad_is_free(client, customer):
    client.force_login(customer)
    data = {
        "full_name": "Dana Serikova",
        "phone": "+7 701 000 00 00",
        "country": "Kazakhstan",
        "region": "Almaty oblast-ish",
        "city": "Almaty",
        "street": "Abay 1",
    }
    response = client.post("/account/addresses/new/", data)
    assert response.status_code == 200
    assert "Choose a region from the list." in response.content.decode()
    assert not Address.objects.exists()
    # a region abroad is kept as typed
    client.post("/account/addresses/new/", {**data, "country": "Germany", "region": "Bavaria"})
    assert Address.objects.get().region == "Bavaria"


@pytest.mark.django_db
def test_another_users_address_is_404(client, customer):
    other = User.objects.create_user("other@example.kz", PASSWORD)
    address = Address.objects.create(
        user=other, full_name="O", phone="+77010000000", region="R", city="C", street="S"
    )
    client.force_login(customer)
    assert client.get(f"/account/addresses/{address.pk}/edit/").status_code == 404
    assert client.post(f"/account/addresses/{address.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=address.pk).exists()


@pytest.mark.django_db
def test_order_history_lists_own_orders_newest_first(client, customer):
    other = User.objects.create_user("other@example.kz", PASSWORD)
    make_order(customer, "D-100", days_ago=5)
    make_order(customer, "D-101", days_ago=1)
    make_order(other, "D-900")
    client.force_login(customer)
    html = client.get("/account/orders/").content.decode()
    assert html.index("D-101") < html.index("D-100")
    assert "D-900" not in html


@pytest.mark.django_db
def test_order_history_paginates(client, customer, django_assert_max_num_queries):
    for i in range(25):
        make_order(customer, f"P-{i:03d}", days_ago=i)
    client.force_login(customer)
    client.get("/account/orders/")
    with django_assert_max_num_queries(8):
        page = client.get("/account/orders/?page=3")
    html = page.content.decode()
    assert "P-020" in html and "P-000" not in html
    assert client.get("/account/orders/?page=zzz").status_code == 200


@pytest.mark.django_db
def test_order_detail_shows_lines_totals_delay_and_timeline(client, customer):
    make_order(customer, "D-200", status="paid", delayed=True)
    client.force_login(customer)
    response = client.get("/account/orders/D-200/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Red Spotty Mug" in html
    assert "4\u00a0500\u00a0₸" in html
    assert "Courier in Almaty" in html
    assert "Delayed" in html
    assert 'class="timeline"' in html and "Paid" in html
    assert "internal: called the courier" not in html  # staff notes stay internal


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "placed", "short"),
    [
        ("kk", "8 наурыз 2026 ж., 14:05", "08.03.2026"),
        ("ru", "8 марта 2026 г. 14:05", "08.03.2026"),
        ("en", "March 8, 2026, 2:05 p.m.", "03/08/2026"),
    ],
)
def test_order_dates_follow_the_language(client, customer, language, placed, short):
    # Django ships no Kazakh formats: without the shop's own, a Kazakh page read
    # "Нау. 8, 2026, 2:05 Т.Қ." and "03/08/2026", which reads as the 3rd of August.
    order = make_order(customer, "D-300")
    when = timezone.make_aware(datetime(2026, 3, 8, 14, 5))  # Almaty time
    Order.objects.filter(pk=order.pk).update(placed_at=when)
    client.force_login(customer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    assert placed in client.get("/account/orders/D-300/").content.decode()
    assert short in client.get("/account/orders/").content.decode()


@pytest.mark.django_db
def test_order_detail_of_another_user_is_404(client, customer):
    other = User.objects.create_user("other@example.kz", PASSWORD)
    make_order(other, "D-300")
    client.force_login(customer)
    assert client.get("/account/orders/D-300/").status_code == 404
    assert client.get("/account/orders/NOPE/").status_code == 404


@pytest.mark.django_db
def test_unpaid_bank_transfer_order_shows_bank_details_and_reference(client, customer, settings):
    # given an order waiting for a bank transfer
    order = make_order(customer, "D-400")
    order.payment_method = "bank_transfer"
    order.save(update_fields=["payment_method"])
    Payment.objects.create(
        order=order, provider="bank_transfer", amount=order.total, reference="PAY-TESTREF1"
    )
    client.force_login(customer)
    # when
    html = client.get("/account/orders/D-400/").content.decode()
    # then
    assert "Bank transfer" in html
    assert settings.DUKEN_BANK_DETAILS["iban"] in html
    assert "PAY-TESTREF1" in html


@pytest.mark.django_db
def test_unpaid_card_order_links_to_the_payment_page(client, customer):
    order = make_order(customer, "D-401")
    order.payment_method = "card"
    order.save(update_fields=["payment_method"])
    Payment.objects.create(
        order=order, provider="card", amount=order.total, reference="PAY-CARD0001"
    )
    client.force_login(customer)
    html = client.get("/account/orders/D-401/").content.decode()
    assert "Pay by card" in html
    assert 'href="/pay' in html or 'href="/payments/' in html


@pytest.mark.django_db
def test_password_change_keeps_the_customer_logged_in(client, customer):
    client.force_login(customer)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Jana-Parol-2027",
            "new_password2": "Jana-Parol-2027",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("Jana-Parol-2027")
    assert client.get("/account/").status_code == 200


@pytest.mark.django_db
def test_register_keeps_the_anonymous_cart(
    client, small_catalog, django_capture_on_commit_callbacks
):
    # given a visitor with something in the cart
    product = small_catalog["products"][0]
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 2})
    # when they create an account and follow the e-mailed link
    _response, link = _register(
        client,
        django_capture_on_commit_callbacks,
        email="cart@example.kz",
        first_name="Cart",
        password=PASSWORD,
    )
    client.post(link)
    # then the header still counts their items
    html = client.get("/account/").content.decode()
    assert '<span id="cart-count" class="cart-count"' in html
    assert ">2</span>" in html.split('id="cart-count"')[1][:300]


@pytest.mark.django_db
def test_paid_order_with_a_digital_product_offers_its_download(client, customer, small_catalog):
    # given a paid order for a digital product with its file
    ebook = small_catalog["products"][0]
    Product.objects.filter(pk=ebook.pk).update(is_digital=True, digital_file="digital/guide.pdf")
    order = make_order(customer, "D-500", status="paid")
    order.paid_at = timezone.now()
    order.save(update_fields=["paid_at"])
    order.lines.update(product=ebook)
    client.force_login(customer)
    # when
    html = client.get("/account/orders/D-500/").content.decode()
    # then
    assert "Your downloads" in html
    assert 'href="/download/' in html


@pytest.mark.django_db
def test_unpaid_order_offers_no_download(client, customer, small_catalog):
    ebook = small_catalog["products"][0]
    Product.objects.filter(pk=ebook.pk).update(is_digital=True, digital_file="digital/guide.pdf")
    order = make_order(customer, "D-501")
    order.lines.update(product=ebook)
    client.force_login(customer)
    assert "Your downloads" not in client.get("/account/orders/D-501/").content.decode()

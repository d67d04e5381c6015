"""The staff inbox: open promises oldest first with the overdue flagged, filters, answering a
question (which e-mails the customer quoting them), replying to or closing other promises, and
the review moderation queue. Staff only."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from duken.conversations import promises, questions, reviews
from duken.conversations.models import ProductRating, Promise, Review
from duken.orders.models import OrderStatus
from duken.testing.accounts import login_verified
from duken.testing.factories import make_order, make_product

pytestmark = pytest.mark.django_db
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.fixture
def product(db):
    return make_product(name="Felt Slippers", price="5400", stock=5)


@pytest.fixture
def customer(db):
    return get_user_model().objects.create_user(
        "aliya@example.kz", "Steppe-Winds-2026", first_name="Aliya"
    )


@pytest.fixture
def buyer(db, product):
    user = get_user_model().objects.create_user("daulet@example.kz", "Steppe-Winds-2026")
    make_order(lines=[(product, 1, 0)], status=OrderStatus.DELIVERED, user=user)
    return user


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")


@pytest.fixture
def staff_client(client, staff):
    login_verified(client, staff)
    return client


def test_customers_and_guests_are_kept_out(client, customer, product):
    question = questions.ask(customer, product, "Private?")
    urls = [
        reverse("backoffice:inbox"),
        reverse("backoffice:inbox_question", args=[question.pk]),
        reverse("backoffice:inbox_reviews"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(customer)
    for url in urls:
        assert client.get(url).status_code == 302
    response = client.post(
        reverse("backoffice:inbox_question", args=[question.pk]), {"text": "Sneaky"}
    )
    assert response.status_code == 302
    assert not question.answers.exists()


def test_staff_without_the_permission_are_refused(client, customer, product):
    clerk = get_user_model().objects.create_user(
        "clerk@duken.example", "pw-123456789", is_staff=True
    )
    login_verified(client, clerk)
    assert client.get(reverse("backoffice:inbox")).status_code == 403
    # with the view permission they see the inbox, but cannot answer
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_promise"),
        Permission.objects.get(codename="view_question"),
    )
    question = questions.ask(customer, product, "Wool?")
    assert client.get(reverse("backoffice:inbox")).status_code == 200
    url = reverse("backoffice:inbox_question", args=[question.pk])
    assert client.post(url, {"text": "Yes"}).status_code == 403
    assert not question.answers.exists()


def test_the_inbox_lists_open_promises_oldest_first_and_flags_the_overdue(
    staff_client, customer, product
):
    # given
    now = timezone.now()
    late = promises.open_promise(
        "chat", words="Where is my parcel?", customer=customer, said_at=now - dt.timedelta(days=2)
    )
    questions.ask(customer, product, "Is it wool?")
    # when
    html = staff_client.get(reverse("backoffice:inbox")).content.decode()
    # then
    assert html.index("Where is my parcel?") < html.index("Is it wool?")
    assert html.count("Overdue</span>") == 1
    assert 'class="row1 overdue"' in html
    assert "1 overdue" in html
    assert reverse("backoffice:inbox_promise", args=[late.pk]) in html


def test_filters_by_kind_owner_and_overdue(staff_client, staff, customer, product):
    now = timezone.now()
    promises.open_promise("chat", words="Chat words", customer=customer, owner=staff)
    promises.open_promise(
        "back_in_stock", words="Stock words", customer=customer, said_at=now - dt.timedelta(days=30)
    )
    url = reverse("backoffice:inbox")
    html = staff_client.get(url, {"kind": "chat"}).content.decode()
    assert "Chat words" in html and "Stock words" not in html
    html = staff_client.get(url, {"owner": "me"}).content.decode()
    assert "Chat words" in html and "Stock words" not in html
    html = staff_client.get(url, {"owner": "none"}).content.decode()
    assert "Chat words" not in html and "Stock words" in html
    html = staff_client.get(url, {"overdue": "1"}).content.decode()
    assert "Chat words" not in html and "Stock words" in html
    # nonsense filters are dropped with a message, never an error
    response = staff_client.get(url, {"kind": "<b>x</b>", "owner": "abc"})
    assert response.status_code == 200
    assert "There is no such kind" in response.content.decode()


@pytest.mark.parametrize("owner", ["9" * 40, "²", "١٢٣"])
def test_an_owner_filter_that_is_no_staff_members_key_shows_nobodys(
    staff_client, staff, customer, owner
):
    # given a promise owned by a member of staff
    promises.open_promise("chat", words="Chat words", customer=customer, owner=staff)
    # when the inbox is asked for an owner no key can be
    response = staff_client.get(reverse("backoffice:inbox"), {"owner": owner})
    # then the page answers with no promise of theirs, or drops the filter
    assert response.status_code == 200


def test_answering_a_question_keeps_the_promise_and_mails_the_customer(
    staff_client, customer, product, django_capture_on_commit_callbacks
):
    # given
    question = questions.ask(customer, product, "Do these come in size 44?")
    url = reverse("backoffice:inbox_question", args=[question.pk])
    assert "Do these come in size 44?" in staff_client.get(url).content.decode()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"text": "Yes, size 44 is in stock."})
    # then
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert promise.status == Promise.Status.KEPT
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "“Do these come in size 44?”" in body and "Yes, size 44 is in stock." in body
    assert (
        "Do these come in size 44?"
        not in staff_client.get(reverse("backoffice:inbox")).content.decode()
    )


def test_an_empty_or_over_long_answer_is_refused(staff_client, customer, product):
    question = questions.ask(customer, product, "Colour?")
    url = reverse("backoffice:inbox_question", args=[question.pk])
    assert staff_client.post(url, {"text": ""}).status_code == 400
    response = staff_client.post(url, {"text": "x" * 2001})
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert not question.answers.exists()
    assert Promise.objects.get().status == "open"


def test_replying_to_another_promise_quotes_the_words(
    staff_client, customer, django_capture_on_commit_callbacks
):
    promise = promises.open_promise(
        "product_request", words="Felt boots for kids", customer=customer
    )
    url = reverse("backoffice:inbox_promise", args=[promise.pk])
    assert "Felt boots for kids" in staff_client.get(url).content.decode()
    # an empty reply is refused
    assert staff_client.post(url, {"text": "", "action": "reply"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"text": "They arrive in May.", "action": "reply"})
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert "“Felt boots for kids”" in mail.outbox[0].body
    # a second click changes nothing and sends nothing
    staff_client.post(url, {"text": "Again", "action": "reply"})
    promise.refresh_from_db()
    assert promise.reply == "They arrive in May." and len(mail.outbox) == 1


def test_closing_without_a_reply(staff_client, customer):
    promise = promises.open_promise("chat", words="spam spam", customer=customer)
    staff_client.post(
        reverse("backoffice:inbox_promise", args=[promise.pk]), {"text": "", "action": "dismiss"}
    )
    promise.refresh_from_db()
    assert promise.status == "closed" and mail.outbox == []


@pytest.mark.parametrize("payload", XSS)
def test_customer_html_is_shown_as_text_in_the_inbox(
    staff_client, customer, buyer, product, payload
):
    question = questions.ask(customer, product, f"Hi {payload}")
    promise = promises.open_promise("chat", words=f"Chat {payload}", customer=customer)
    reviews.submit_review(buyer, product, rating=3, text=f"Review {payload}", title=payload)
    escaped = payload.replace("<", "&lt;").replace(">", "&gt;")
    for url in (
        reverse("backoffice:inbox"),
        reverse("backoffice:inbox_question", args=[question.pk]),
        reverse("backoffice:inbox_promise", args=[promise.pk]),
        reverse("backoffice:inbox_reviews"),
    ):
        html = staff_client.get(url).content.decode()
        assert payload not in html, url
        assert escaped in html, url


def test_the_moderation_queue_publishes_rejects_with_a_reason_and_replies(
    staff_client, buyer, product
):
    # given
    review = reviews.submit_review(buyer, product, rating=4, text="Good slippers")
    queue = staff_client.get(reverse("backoffice:inbox_reviews")).content.decode()
    assert "Good slippers" in queue
    url = reverse("backoffice:inbox_review_moderate", args=[review.pk])
    # a rejection without a reason is refused
    staff_client.post(url, {"action": "reject", "reason": ""})
    review.refresh_from_db()
    assert review.status == "pending"
    # publish
    staff_client.post(url, {"action": "approve"})
    review.refresh_from_db()
    assert review.status == "approved"
    assert ProductRating.objects.get(product=product).count == 1
    # reply publicly
    staff_client.post(url, {"action": "reply", "text": "Thank you, Daulet!"})
    review.refresh_from_db()
    assert review.reply == "Thank you, Daulet!"
    assert "Thank you, Daulet!" in staff_client.get(product.get_absolute_url()).content.decode()
    # reject with a reason
    staff_client.post(url, {"action": "reject", "reason": "Contains a phone number"})
    review.refresh_from_db()
    assert (review.status, review.rejection_reason) == ("rejected", "Contains a phone number")
    assert ProductRating.objects.get(product=product).count == 0
    assert "Good slippers" not in staff_client.get(product.get_absolute_url()).content.decode()


def test_moderation_needs_the_permission(client, buyer, product):
    review = reviews.submit_review(buyer, product, rating=4, text="Good")
    clerk = get_user_model().objects.create_user(
        "clerk@duken.example", "pw-123456789", is_staff=True
    )
    clerk.user_permissions.add(Permission.objects.get(codename="view_review"))
    login_verified(client, clerk)
    assert client.get(reverse("backoffice:inbox_reviews")).status_code == 200
    url = reverse("backoffice:inbox_review_moderate", args=[review.pk])
    assert client.post(url, {"action": "approve"}).status_code == 403
    assert Review.objects.get().status == "pending"


def test_staff_take_a_promise(staff_client, staff, customer, product):
    question = questions.ask(customer, product, "Who answers?")
    page = staff_client.get(reverse("backoffice:inbox_question", args=[question.pk]))
    assert "Take it" in page.content.decode()
    promise = Promise.objects.get()
    response = staff_client.post(reverse("backoffice:inbox_take", args=[promise.pk]))
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.owner == staff
    assert (
        staff_client.get(reverse("backoffice:inbox"), {"owner": "me"})
        .content.decode()
        .count("Who answers?")
        == 1
    )


def test_taking_needs_the_permission(client, customer, product):
    questions.ask(customer, product, "Who answers?")
    clerk = get_user_model().objects.create_user(
        "clerk@duken.example", "pw-123456789", is_staff=True
    )
    clerk.user_permissions.add(Permission.objects.get(codename="view_promise"))
    login_verified(client, clerk)
    promise = Promise.objects.get()
    assert client.post(reverse("backoffice:inbox_take", args=[promise.pk])).status_code == 403
    promise.refresh_from_db()
    assert promise.owner is None

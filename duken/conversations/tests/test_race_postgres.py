"""Real concurrent clients against PostgreSQL: staff answering the same question at once send
the customer one e-mail, customers voting at once are all counted, and of the browsers opening
a guest's chat link at once exactly one gets the conversation."""

import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from duken.conversations import questions, reviews
from duken.conversations.models import Promise, Review
from duken.orders.models import OrderStatus
from duken.testing.accounts import login_verified
from duken.testing.factories import make_order, make_product

ALL_APPS = list(settings.INSTALLED_APPS)
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, available_apps=ALL_APPS),
]


def _race(clients, post):
    connections.close_all()
    barrier = threading.Barrier(len(clients))
    results = [None] * len(clients)

    def run(i):
        try:
            barrier.wait(timeout=60)
            results[i] = post(i, clients[i]).status_code
        except Exception as exc:  # recorded, so the assertion shows it
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_staff_answering_at_once_send_one_email():
    # given
    User = get_user_model()
    product = make_product(name="Felt Slippers")
    asker = User.objects.create_user("aliya@example.kz", "pw-123456789")
    question = questions.ask(asker, product, "Size 44?")
    clients = []
    for i in range(6):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        login_verified(
            client, User.objects.create_superuser(f"staff{i}@duken.example", "pw-123456789")
        )
        clients.append(client)
    url = reverse("backoffice:inbox_question", args=[question.pk])
    # when
    results = _race(clients, lambda i, c: c.post(url, {"text": f"Yes ({i})"}))
    # then every answer is stored, the promise is kept once, the customer told once
    assert results == [302] * 6
    assert question.answers.count() == 6
    promise = Promise.objects.get()
    assert promise.status == Promise.Status.KEPT
    assert len(mail.outbox) == 1


def test_votes_at_once_are_all_counted_once():
    # given
    User = get_user_model()
    product = make_product(name="Felt Slippers")
    author = User.objects.create_user("author@example.kz", "pw-123456789")
    make_order(lines=[(product, 1, 0)], status=OrderStatus.DELIVERED, user=author)
    staff = User.objects.create_superuser("staff@duken.example", "pw-123456789")
    review = reviews.approve(reviews.submit_review(author, product, rating=5, text="Warm"), staff)
    clients = []
    for i in range(8):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(User.objects.create_user(f"voter{i}@example.kz", "pw-123456789"))
        clients.append(client)
    twice = Client(HTTP_ACCEPT_LANGUAGE="en")  # one of them votes from a second tab
    twice.force_login(User.objects.get(email="voter0@example.kz"))
    clients.append(twice)
    url = reverse("conversations:review_helpful", args=[review.pk])
    # when
    results = _race(clients, lambda i, c: c.post(url))
    # then
    assert results == [302] * 9
    assert Review.objects.get().helpful_count == 8


def test_browsers_opening_a_chat_link_at_once_one_gets_the_conversation():
    # given a guest's conversation whose e-mailed link six browsers hold
    from duken.conversations import chat

    conversation = chat.start(text="My address is Abay 1", email="guest@example.kz")
    link = chat.continue_url(conversation)
    clients = [Client(HTTP_ACCEPT_LANGUAGE="en") for _ in range(6)]
    # when they all open it at the same moment
    codes = _race(clients, lambda i, client: client.post(link))
    # then exactly one gets it; the others are refused
    assert sorted(codes) == [302] + [403] * 5
    holders = [c for c in clients if c.get("/chat/").json()["conversation"] is not None]
    assert len(holders) == 1

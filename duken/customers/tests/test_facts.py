"""What customers told us: kept from a message in one click, quoted back with the date, added
and removed by the customer, never shown to anyone else."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from duken.conversations.models import Question, Review
from duken.customers import facts
from duken.customers.models import CustomerFact
from duken.testing.accounts import login_verified
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


@pytest.fixture
def aliya(db):
    return get_user_model().objects.create_user(
        "aliya@example.kz", "Steppe-Winds-2026", first_name="Aliya"
    )


@pytest.fixture
def daulet(db):
    return get_user_model().objects.create_user("daulet@example.kz", "Steppe-Winds-2026")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")


def _may_3():
    return timezone.make_aware(dt.datetime(2026, 5, 3, 10, 0))


def test_quote_gives_the_fact_back_with_the_date_in_the_customers_language(aliya):
    fact = facts.add_fact(aliya, "  size   42 ", said_at=_may_3())
    assert fact.text == "size 42"
    assert facts.quote(fact) == "You told us on 3 May: “size 42”"
    with translation.override("ru"):
        assert "3 мая" in facts.quote(fact)
    rendered = Template("{% load customer_facts %}{{ fact|quote_fact }}").render(
        Context({"fact": facts.add_fact(aliya, XSS)})
    )
    assert XSS not in rendered and "&lt;script&gt;" in rendered


def test_over_long_or_empty_facts_are_refused(aliya):
    with pytest.raises(ValidationError):
        facts.add_fact(aliya, "x" * (CustomerFact.MAX_LENGTH + 1))
    with pytest.raises(ValidationError):
        facts.add_fact(aliya, "   ")
    assert not CustomerFact.objects.exists()


def test_staff_keep_a_question_as_a_fact_in_one_click(client, aliya, staff):
    product = make_product(name="Felt Slippers")
    question = Question.objects.create(
        product=product, user=aliya, text="Do you have them in size 42?", created_at=_may_3()
    )
    login_verified(client, staff)
    url = reverse("backoffice:fact_from_message")
    response = client.post(url, {"source": "question", "id": question.pk})
    assert response.status_code == 302
    fact = CustomerFact.objects.get()
    assert fact.customer == aliya and fact.source_kind == "question"
    assert fact.said_at == _may_3() and fact.created_by == staff
    assert fact.text == "Do you have them in size 42?"
    # a second click keeps one fact
    client.post(url, {"source": "question", "id": question.pk})
    assert CustomerFact.objects.count() == 1
    # a review, with only the part that matters
    review = Review.objects.create(
        product=product, user=aliya, rating=5, text="A gift for my mother"
    )
    client.post(url, {"source": "review", "id": review.pk, "text": "Buys gifts for her mother"})
    assert facts.facts_for(aliya).first().text == "Buys gifts for her mother"
    # no such message, a bad kind, a huge id: 404 and nothing kept
    for data in (
        {"source": "question", "id": 999999},
        {"source": "nonsense", "id": question.pk},
        {"source": "review", "id": 2**70},
        {"source": "review", "id": "abc"},
    ):
        assert client.post(url, data).status_code == 404
    assert CustomerFact.objects.count() == 2
    # shown beside the customer's timeline
    page = client.get(reverse("backoffice:customer_timeline", args=[aliya.pk])).content.decode()
    assert "What the customer told us" in page and "Buys gifts for her mother" in page


def test_only_staff_may_keep_facts(client, aliya, daulet):
    question = Question.objects.create(product=make_product(), user=aliya, text="size 42?")
    client.force_login(daulet)
    response = client.post(
        reverse("backoffice:fact_from_message"), {"source": "question", "id": question.pk}
    )
    assert response.status_code == 302 and "login" in response["Location"]
    assert not CustomerFact.objects.exists()


def test_the_customer_adds_edits_and_removes_their_own_facts(client, aliya, daulet):
    theirs = facts.add_fact(daulet, "Allergic to nuts")
    client.force_login(aliya)
    url = reverse("needs:facts")
    assert client.post(url, {"text": "Deliver after 6 pm"}).status_code == 302
    mine = CustomerFact.objects.get(customer=aliya)
    assert mine.source_kind == "account"
    page = client.get(url).content.decode()
    assert "Deliver after 6 pm" in page and "Allergic to nuts" not in page
    assert client.post(url, {"text": "x" * 501}).status_code == 400
    client.post(reverse("needs:fact_edit", args=[mine.pk]), {"text": "Deliver after 7 pm"})
    mine.refresh_from_db()
    assert mine.text == "Deliver after 7 pm"
    # another customer's fact is never found
    assert (
        client.post(reverse("needs:fact_edit", args=[theirs.pk]), {"text": "x"}).status_code == 404
    )
    assert client.post(reverse("needs:fact_delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.text == "Allergic to nuts"
    client.post(reverse("needs:fact_delete", args=[mine.pk]))
    assert not CustomerFact.objects.filter(customer=aliya).exists()


def test_facts_are_in_what_we_remember_and_can_be_forgotten(client, aliya, daulet):
    from duken.privacy import memory

    fact = facts.add_fact(aliya, "Size 42", said_at=_may_3())
    facts.add_fact(daulet, "Allergic to nuts")
    client.force_login(aliya)
    page = client.get(reverse("privacy:memory")).content.decode()
    assert "Size 42" in page and "Allergic to nuts" not in page
    assert memory.forget(aliya, f"toldus:{fact.pk}") is not None
    assert not CustomerFact.objects.filter(customer=aliya).exists()
    # another customer's key is not found among hers
    other = CustomerFact.objects.get(customer=daulet)
    assert memory.forget(aliya, f"toldus:{other.pk}") is None
    assert CustomerFact.objects.filter(customer=daulet).exists()


def test_facts_for_is_for_segments_and_messages(aliya, daulet):
    facts.add_fact(aliya, "Size 42")
    old = facts.add_fact(aliya, "Size 40")
    facts.set_active(old, False)
    facts.add_fact(daulet, "Size 38")
    assert [f.text for f in facts.facts_for(aliya)] == ["Size 42"]
    assert len(facts.facts_for(aliya, include_inactive=True)) == 2
    assert list(facts.facts_for(None)) == []
    assert list(facts.customers_who_told("size 42")) == [aliya]
    assert list(facts.customers_who_told("SIZE 40")) == []  # no longer true
    assert list(facts.customers_who_told("  ")) == []


def test_words_longer_than_any_fact_find_nobody_on_sqlite_too(aliya):
    # given a fact in force, so SQLite evaluates the case-insensitive match
    facts.add_fact(aliya, "Size 42")
    # when / then: no error ("LIKE or GLOB pattern too complex"), nobody
    assert list(facts.customers_who_told("a" * 60_000)) == []
    assert list(facts.customers_who_told("Size 42 " + "a" * 493)) == []


def test_staff_who_may_not_write_notes_may_not_keep_facts(client, aliya):
    from django.contrib.auth.models import Permission

    looker = get_user_model().objects.create_user(
        "looker@duken.example", "staff-pass-12345", is_staff=True
    )
    looker.user_permissions.add(Permission.objects.get(codename="view_user"))
    question = Question.objects.create(product=make_product(), user=aliya, text="size 42?")
    login_verified(client, looker)
    page = client.get(reverse("backoffice:customer_timeline", args=[aliya.pk])).content.decode()
    assert "What the customer told us" in page and "Add what they told us" not in page
    for url, data in (
        (reverse("backoffice:fact_from_message"), {"source": "question", "id": question.pk}),
        (reverse("backoffice:fact_add", args=[aliya.pk]), {"text": "Size 42"}),
    ):
        assert client.post(url, data).status_code == 403
    assert not CustomerFact.objects.exists()


def test_staff_add_a_fact_told_to_them(client, aliya, staff):
    login_verified(client, staff)
    url = reverse("backoffice:fact_add", args=[aliya.pk])
    assert client.post(url, {"text": "Prefers calls after 6 pm"}).status_code == 302
    fact = CustomerFact.objects.get()
    assert fact.source_kind == "staff" and fact.created_by == staff
    assert client.post(url, {"text": "x" * 501}).status_code == 302
    assert CustomerFact.objects.count() == 1
    assert (
        client.post(reverse("backoffice:fact_add", args=[2**63]), {"text": "x"}).status_code == 404
    )


def test_the_inbox_offers_the_click_and_shows_the_facts_beside(client, aliya, staff):
    product = make_product(name="Felt Slippers")
    question = Question.objects.create(product=product, user=aliya, text="Size 42, for my mother?")
    Review.objects.create(product=product, user=aliya, rating=4, text=f"Warm {XSS}")
    facts.add_fact(aliya, f"Allergic to nuts {XSS}")
    login_verified(client, staff)
    page = client.get(reverse("backoffice:inbox_question", args=[question.pk])).content.decode()
    assert "Keep as what the customer told us" in page
    assert 'name="source" value="question"' in page
    assert "What the customer told us" in page and "Allergic to nuts &lt;script&gt;" in page
    assert XSS not in page
    reviews = client.get(reverse("backoffice:inbox_reviews")).content.decode()
    assert 'name="source" value="review"' in reviews
    # the click from the question page comes back to it
    back = client.post(
        reverse("backoffice:fact_from_message"),
        {
            "source": "question",
            "id": question.pk,
            "next": f"/backoffice/inbox/questions/{question.pk}/",
        },
    )
    assert back["Location"] == f"/backoffice/inbox/questions/{question.pk}/"
    kept = CustomerFact.objects.get(source_kind="question")
    assert kept.text == "Size 42, for my mother?" and kept.customer == aliya


def test_keeping_a_fact_with_a_next_that_is_not_a_path_goes_to_the_timeline(client, aliya, staff):
    # given
    product = make_product(name="Felt Slippers")
    question = Question.objects.create(product=product, user=aliya, text="Size 42, please")
    login_verified(client, staff)
    # when
    response = client.post(
        reverse("backoffice:fact_from_message"),
        {"source": "question", "id": question.pk, "next": "-1"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:customer_timeline", args=[aliya.pk])
    assert CustomerFact.objects.filter(customer=aliya, source_kind="question").exists()


def test_a_chat_message_becomes_a_fact_but_never_a_staff_reply(client, aliya, staff):
    from duken.conversations import chat
    from duken.conversations.models import ChatMessage

    conversation = chat.start(text="Please deliver after 6 pm", customer=aliya)
    said = conversation.messages.get()
    reply = chat.post(conversation, "Noted!", author=staff, by_staff=True)
    login_verified(client, staff)
    # the staff chat page offers the click on the customer's message only, facts beside
    page = client.get(reverse("backoffice:inbox_chat", args=[conversation.pk])).content.decode()
    assert page.count('name="source" value="chat"') == 1
    assert f'name="id" value="{said.pk}"' in page
    url = reverse("backoffice:fact_from_message")
    assert client.post(url, {"source": "chat", "id": said.pk}).status_code == 302
    page = client.get(reverse("backoffice:inbox_chat", args=[conversation.pk])).content.decode()
    assert "What the customer told us" in page and "Please deliver after 6 pm" in page
    fact = CustomerFact.objects.get()
    assert (fact.customer, fact.source_kind, fact.text) == (aliya, "chat", said.text)
    assert isinstance(said, ChatMessage)
    assert client.post(url, {"source": "chat", "id": reply.pk}).status_code == 404
    assert CustomerFact.objects.count() == 1


def test_staff_keep_a_checkout_note_as_a_fact_from_the_order_page(client, aliya, staff):
    from duken.orders.models import Order
    from duken.testing.factories import make_order

    # given an order whose buyer wrote a note at checkout
    order = make_order(
        lines=[(make_product(name="Felt Slippers"), 1, 0)],
        user=aliya,
        customer_note=f"Please deliver after 6 pm {XSS}",
    )
    Order.objects.filter(pk=order.pk).update(placed_at=_may_3())
    login_verified(client, staff)
    # the order's admin page shows the note, as text, with the one-click button
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "Please deliver after 6 pm &lt;script&gt;" in page and XSS not in page
    assert 'name="source" value="checkout_note"' in page
    # when staff click it
    response = client.post(
        reverse("backoffice:fact_from_message"), {"source": "checkout_note", "id": order.pk}
    )
    # then it is kept, said at checkout when the order was placed
    assert response.status_code == 302
    fact = CustomerFact.objects.get()
    assert (fact.customer, fact.source_kind, fact.said_at) == (aliya, "checkout_note", _may_3())
    assert fact.text.startswith("Please deliver after 6 pm")
    with translation.override("en"):
        assert "in a checkout note" in facts.where_said(fact)
    # an order without a customer account has no one to remember it for
    guest_order = make_order(lines=[(make_product(), 1, 0)], customer_note="Ring twice")
    assert (
        client.post(
            reverse("backoffice:fact_from_message"),
            {"source": "checkout_note", "id": guest_order.pk},
        ).status_code
        == 404
    )

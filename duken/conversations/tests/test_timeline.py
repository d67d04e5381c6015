"""Reviews and questions on the customer's timeline; open promises as a key figure; both
recorded through the interaction log."""

import datetime as dt

import pytest
from django.urls import reverse

from duken.conversations import promises, questions, reviews
from duken.customers.timeline import entries_for, figures_for
from duken.interactions import buffer
from duken.interactions.models import Event, Kind
from duken.privacy.models import ConsentRecord, Purpose, Source
from duken.privacy.services import WORDING_VERSION

pytestmark = pytest.mark.django_db


def test_reviews_and_questions_appear_on_the_timeline(buyer, product, staff):
    # given
    review = reviews.submit_review(buyer, product, rating=4, text="Warm")
    question = questions.ask(buyer, product, "Washable?")
    # when
    entries = entries_for(buyer, kinds={"review", "question"})
    # then
    by_kind = {entry.kind: entry for entry in entries}
    assert by_kind["review"].body == "Warm" and "4 of 5" in by_kind["review"].title
    assert by_kind["review"].subkind == "pending"
    assert by_kind["question"].body == "Washable?" and by_kind["question"].subkind == "open"
    assert by_kind["question"].url == reverse("backoffice:inbox_question", args=[question.pk])
    assert review.pk


def test_timeline_sources_page_with_before_and_limit(buyer, product):
    from duken.conversations import timeline

    first = questions.ask(buyer, product, "One")
    second = questions.ask(buyer, product, "Two")
    second.created_at = first.created_at + dt.timedelta(minutes=5)
    second.save()
    assert [e.body for e in timeline.question_entries(buyer, limit=1)] == ["Two"]
    before = second.created_at
    assert [e.body for e in timeline.question_entries(buyer, before=before, extra=1)] == ["One"]


def test_open_conversations_figure(buyer, product, staff, django_capture_on_commit_callbacks):
    questions.ask(buyer, product, "One?")
    promises.open_promise("chat", words="Hello", customer=buyer)
    assert figures_for(buyer)["open_conversations"].value == 2
    with django_capture_on_commit_callbacks(execute=True):
        questions.answer(buyer.questions.get(), staff, "Yes")
    assert figures_for(buyer)["open_conversations"].value == 1


def test_posting_records_review_and_question_events_with_consent(client, buyer, product):
    # given a customer who allowed analytics
    ConsentRecord.objects.create(
        user=buyer,
        purpose=Purpose.ANALYTICS,
        granted=True,
        wording_version=WORDING_VERSION,
        source=Source.ACCOUNT_PAGE,
    )
    client.force_login(buyer)
    # when
    client.post(
        reverse("conversations:review_write", args=[product.pk]), {"rating": "5", "text": "Great"}
    )
    client.post(reverse("conversations:ask", args=[product.pk]), {"text": "Sizes?"})
    buffer.flush()
    # then
    kinds = set(Event.objects.filter(user=buyer).values_list("kind", flat=True))
    assert {Kind.REVIEW, Kind.QUESTION} <= kinds
    event = Event.objects.get(user=buyer, kind=Kind.REVIEW)
    assert event.obj == product and event.properties["rating"] == 5

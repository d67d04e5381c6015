import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from duken.catalog.models import Product
from duken.interactions import buffer, services
from duken.interactions.models import Event, Kind
from duken.privacy import services as privacy
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db


def test_an_analytics_event_is_kept_with_consent_and_written_at_the_flush(make_request):
    # given
    product = make_product()
    request = make_request(analytics=True, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    # when
    kept = services.record(request, Kind.PRODUCT_VIEW, obj=product, properties={"position": 3})
    # then
    assert kept is True
    assert not Event.objects.exists()  # buffered, not yet written
    assert services.flush() == 1
    event = Event.objects.get()
    assert event.kind == Kind.PRODUCT_VIEW
    assert event.obj == product
    assert event.properties == {"position": 3}
    assert event.device == "mobile"
    assert event.user is None
    assert len(event.visitor_id) == 32


@pytest.mark.parametrize("analytics", [None, False])
def test_without_analytics_consent_nothing_is_kept(make_request, analytics):
    # given
    request = make_request(analytics=analytics)
    # when
    kept = services.record(request, Kind.SEARCH, properties={"query": "mug", "results": 2})
    # then
    assert kept is False
    assert services.flush() == 0
    assert not Event.objects.exists()


def test_withdrawing_consent_stops_recording_at_once(make_request, make_user):
    # given
    user = make_user()
    request = make_request(user=user)
    privacy.grant(request, ["analytics"], source="account_page")
    assert services.record(request, Kind.PAGE_VIEW) is True
    # when
    later = make_request(user=user)
    privacy.withdraw(later, ["analytics"], source="account_page")
    kept = services.record(make_request(user=user), Kind.PAGE_VIEW)
    # then
    assert kept is False
    assert services.flush() == 1


def test_an_order_placed_is_kept_without_consent_and_written_at_once(make_request, make_user):
    # given
    from duken.testing.factories import make_order

    user = make_user()
    order = make_order(lines=[(make_product(), 1, 0)], user=user)
    request = make_request(user=user, analytics=False)
    # when
    kept = services.record(
        request, Kind.ORDER_PLACED, obj=order, properties={"total": str(order.total)}
    )
    # then
    assert kept is True
    assert buffer.pending() == 0
    event = Event.objects.get()
    assert (event.kind, event.user, event.obj) == (Kind.ORDER_PLACED, user, order)


@pytest.mark.parametrize(
    "properties",
    [
        {"blob": "x" * 3000},
        {"nested": {"a": 1}},
        {"list": [1, 2]},
        {"none": None},
        {"nan": float("nan")},
        {1: "numeric key"},
        {"k" * 65: "long key"},
        ["not", "a", "mapping"],
    ],
)
def test_oversized_or_malformed_properties_are_refused_and_logged(make_request, caplog, properties):
    # given
    request = make_request(analytics=True)
    # when
    with caplog.at_level(logging.WARNING, logger="duken.interactions"):
        kept = services.record(request, Kind.PAGE_VIEW, properties=properties)
    # then
    assert kept is False
    assert buffer.pending() == 0
    assert "invalid properties" in caplog.text


def test_properties_up_to_the_limit_are_kept(make_request):
    # given
    request = make_request(analytics=True)
    properties = {"query": "ы" * 500, "results": 0, "exact": True, "score": 0.5}
    # when
    kept = services.record(request, Kind.SEARCH, properties=properties)
    services.flush()
    # then
    assert kept is True
    assert Event.objects.get().properties == properties


def test_an_unknown_kind_is_refused(make_request):
    assert services.record(make_request(analytics=True), "teleport") is False


def test_events_naming_objects_that_do_not_exist_are_dropped_and_logged(make_request, caplog):
    # given
    product = make_product()
    request = make_request(analytics=True)
    services.record(request, Kind.PRODUCT_VIEW, obj=product)
    services.record(request, Kind.CART_REMOVE, obj=Product(pk=987654))
    # when
    with caplog.at_level(logging.WARNING, logger="duken.interactions"):
        written = services.flush()
    # then
    assert written == 1
    assert Event.objects.get().object_id == product.pk
    assert "object does not exist" in caplog.text


def test_an_unsaved_object_is_dropped(make_request):
    request = make_request(analytics=True)
    assert services.record(request, Kind.PRODUCT_VIEW, obj=Product(name="draft")) is False


def test_a_failure_to_record_never_raises_into_the_page(make_request, caplog):
    # given a request without the attributes a recorded event needs
    request = make_request(analytics=True)
    del request.session
    request.META = None
    # when
    with caplog.at_level(logging.ERROR, logger="duken.interactions"):
        kept = services.record(request, Kind.PAGE_VIEW)
    # then
    assert kept is False
    assert "could not be recorded" in caplog.text


def test_the_batch_is_written_when_full_outside_a_transaction(make_request, settings):
    # given
    settings.INTERACTIONS_BUFFER_SIZE = 3
    request = make_request(analytics=True)
    services.record(request, Kind.PAGE_VIEW)
    services.record(request, Kind.PAGE_VIEW)
    assert buffer.pending() == 2
    assert buffer.is_due() is False
    # when
    services.record(request, Kind.PAGE_VIEW)
    # then: inside the test's transaction the batch waits for the request end (or a flush)
    assert buffer.is_due() is True
    assert buffer.flush_if_due() == 3
    assert Event.objects.count() == 3
    assert buffer.pending() == 0


def test_the_batch_is_due_once_its_oldest_event_is_old_enough(make_request, settings):
    # given
    settings.INTERACTIONS_FLUSH_SECONDS = 0
    # when
    services.record(make_request(analytics=True), Kind.PAGE_VIEW)
    # then
    assert buffer.is_due() is True


def test_the_user_country_and_language_are_kept(make_request, make_user):
    # given
    user = make_user(country="Kazakhstan")
    request = make_request(user=user)
    request.LANGUAGE_CODE = "kk"
    privacy.grant(request, ["analytics"], source="account_page")
    # when
    services.record(request, Kind.PAGE_VIEW)
    services.flush()
    # then
    event = Event.objects.get()
    assert (event.user, event.country, event.language) == (user, "Kazakhstan", "kk")


def test_a_customer_never_sees_another_customers_events(make_request, make_user):
    # given
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    for user in (alice, bob):
        request = make_request(user=user)
        privacy.grant(request, ["analytics"], source="account_page")
        services.record(request, Kind.SEARCH, properties={"query": user.email})
    services.record(make_request(analytics=True), Kind.SEARCH, properties={"query": "anon"})
    services.flush()
    # when
    alices = list(services.events_for(alice))
    # then
    assert [e.properties["query"] for e in alices] == ["alice@example.com"]
    assert [e.properties["query"] for e in services.events_for(bob)] == ["bob@example.com"]
    assert not services.events_for(None).exists()


def test_joining_gives_the_visitors_history_to_the_customer(make_request, make_user):
    # given
    user = make_user()
    visitor = "a" * 32
    services.record(make_request(analytics=True, visitor=visitor), Kind.PAGE_VIEW)
    services.record(make_request(analytics=True), Kind.PAGE_VIEW)  # someone else
    # when (the first event is still buffered: joining writes it first)
    joined = services.join_visitor(user, visitor)
    # then
    assert joined == 1
    assert list(Event.objects.filter(user=user).values_list("visitor_id", flat=True)) == [visitor]
    assert Event.objects.filter(user__isnull=True).count() == 1


def test_rows_buffered_before_a_forget_elsewhere_are_not_written(make_request, make_user):
    # given a customer's view and search waiting in this process's buffer
    from datetime import timedelta

    from django.utils import timezone

    from duken.catalog.models import SearchQuery
    from duken.catalog.services import record_search
    from duken.privacy.models import ForgottenItem

    user, product = make_user(), make_product()
    request = make_request(user=user)
    privacy.grant(request, ["analytics"], source="account_page")
    assert services.record(request, Kind.PRODUCT_VIEW, obj=product)
    record_search(query="lantern", result_count=1, user=user, session_key="s1", defer=True)
    # when another worker process forgets something for them (it could not flush our buffer),
    # letting the shop remember it again
    ForgottenItem.objects.create(user=user, key=f"product:{product.pk}", may_remember_again=True)
    # then, at our flush, the event is dropped and the search no longer says who made it
    assert services.flush() == 1
    assert not Event.objects.exists()
    search = SearchQuery.objects.get()
    assert (search.query, search.user, search.session_key) == ("lantern", None, "")
    # and what the customer does after the forget is recorded as usual
    ForgottenItem.objects.update(created_at=timezone.now() - timedelta(seconds=1))
    assert services.record(make_request(user=user), Kind.PRODUCT_VIEW, obj=product)
    assert services.flush() == 1
    assert Event.objects.filter(user=user).count() == 1


def test_rows_about_what_a_customer_asked_never_to_remember_are_not_written(
    make_request, make_user
):
    # given a customer's view of a teapot and their search for it, recorded in this process
    from duken.catalog.models import SearchQuery
    from duken.catalog.services import record_search
    from duken.privacy.memory import product_key, search_key
    from duken.privacy.models import ForgottenItem

    user, teapot, kettle = make_user(), make_product(), make_product()
    request = make_request(user=user)
    privacy.grant(request, ["analytics"], source="account_page")
    assert services.record(request, Kind.PRODUCT_VIEW, obj=teapot)
    assert services.record(request, Kind.PRODUCT_VIEW, obj=kettle)
    record_search(query="teapot", result_count=1, user=user, session_key="s1", defer=True)
    # when, in the same moment, another worker process stores their wish never to remember the
    # teapot and the search again (this process's request still holds what it read before)
    ForgottenItem.objects.create(user=user, key=product_key(teapot.pk))
    ForgottenItem.objects.create(user=user, key=search_key("teapot"))
    ForgottenItem.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    # then our flush writes neither for them; the kettle view is written as usual
    assert services.flush() == 2
    assert list(Event.objects.values_list("object_id", flat=True)) == [kettle.pk]
    search = SearchQuery.objects.get()
    assert (search.query, search.user, search.session_key) == ("teapot", None, "")
    # and a later request (its own user object) records nothing about the teapot at all
    later = make_request(user=type(user).objects.get(pk=user.pk))
    assert not services.record(later, Kind.PRODUCT_VIEW, obj=teapot)
    assert buffer.pending() == 0


def test_joining_leaves_out_what_the_customer_asked_never_to_remember(make_request, make_user):
    # given: before logging in, the visitor looked at a teapot and at a kettle; as a customer
    # they had asked us never to remember the teapot again
    from duken.privacy.memory import product_key
    from duken.privacy.models import ForgottenItem

    user, teapot, kettle = make_user(), make_product(), make_product()
    ForgottenItem.objects.create(user=user, key=product_key(teapot.pk))
    visitor = "b" * 32
    for product in (teapot, kettle):
        assert services.record(
            make_request(analytics=True, visitor=visitor), Kind.PRODUCT_VIEW, obj=product
        )
    # when they log in
    joined = services.join_visitor(user, visitor)
    # then only the kettle becomes part of their history, and the teapot view is not kept
    assert joined == 1
    assert list(Event.objects.values_list("user_id", "object_id")) == [(user.pk, kettle.pk)]


@pytest.mark.django_db
def test_a_row_the_database_refuses_costs_only_itself(caplog):
    # given a batch with a good event and one the database refuses (no kind)
    from django.utils import timezone

    from duken.catalog.models import SearchQuery
    from duken.interactions.models import Event

    good = Event(kind=Kind.SEARCH, visitor_id="v" * 32, occurred_at=timezone.now())
    bad = Event(kind=None, visitor_id="w" * 32, occurred_at=timezone.now())
    buffer.add(good)
    buffer.add(bad)
    # when the batch is written inside a transaction of someone else's
    written = buffer.flush()
    # then the good row is stored, the bad one is logged, and the transaction still works
    assert written == 1
    assert list(Event.objects.values_list("visitor_id", flat=True)) == ["v" * 32]
    assert "a buffered row could not be written" in caplog.text
    assert SearchQuery.objects.count() == 0


@pytest.mark.django_db
def test_a_search_with_a_nul_character_is_stored_without_it(make_request):
    # (PostgreSQL refuses NUL in text: the whole batch of searches was lost with it)
    from duken.catalog import services as catalog
    from duken.catalog.models import SearchQuery

    catalog.record_search(query="tea\x00pot", result_count=3, defer=True)
    request = make_request(analytics=True)
    services.record(request, Kind.SEARCH, properties={"query": "tea\x00pot", "results": 3})
    buffer.flush()
    assert SearchQuery.objects.get().query == "teapot"
    assert Event.objects.get(kind=Kind.SEARCH).properties["query"] == "teapot"

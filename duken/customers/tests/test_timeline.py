import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duken.customers import timeline
from duken.customers.models import CustomerNote
from duken.customers.timeline import Entry, Figure, entries_for, figures_for, timeline_page
from duken.interactions.models import Event
from duken.orders import services as orders
from duken.orders.models import OrderEvent, OrderStatus
from duken.outbox.models import Message

from .timeline_factories import (
    T0,
    add_events,
    make_category,
    make_customer,
    make_product,
    make_staff,
    place_order,
)

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def note(customer, text, at, author=None):
    return CustomerNote.objects.create(customer=customer, text=text, created_at=at, author=author)


@pytest.fixture
def registry():
    """Sources registered by a test are gone after it."""
    saved = dict(timeline._sources)
    yield
    timeline._sources.clear()
    timeline._sources.update(saved)


def test_entries_from_every_source_merged_newest_first():
    # given a customer with an order, events, a note and an e-mail at known times
    customer = make_customer()
    place_order(customer, at=T0 - 10 * MINUTE, lines=[(make_product("Teacup"), 2)])
    add_events(customer, 2, start=T0 - 5 * MINUTE)  # searches at -5 and -6 minutes
    note(customer, "Called about the delivery", T0 - 1 * MINUTE)
    Message.objects.create(
        key="test:1",
        user=customer,
        to=customer.email,
        subject="Order shipped",
        kind="order_shipped",
        status=Message.Status.SENT,
        sent_at=T0 - 7 * MINUTE,
    )
    # when
    entries = entries_for(customer)
    # then
    assert [e.kind for e in entries] == ["note", "event", "event", "email", "order"]
    times = [e.occurred_at for e in entries]
    assert times == sorted(times, reverse=True)
    assert entries[0].body == "Called about the delivery"
    assert entries[3].title == "E-mail sent: “Order shipped”"
    assert entries[4].title.startswith("Placed order ")


def test_kinds_filter_keeps_only_the_kinds_asked_for():
    customer = make_customer()
    place_order(customer, at=T0 - 3 * MINUTE)
    add_events(customer, 3, start=T0)
    note(customer, "VIP", T0 - 10 * MINUTE)
    assert {e.kind for e in entries_for(customer, kinds={"note"})} == {"note"}
    assert {e.kind for e in entries_for(customer, kinds={"order", "note"})} == {"order", "note"}
    assert entries_for(customer, kinds={"no-such-kind"}) == []
    assert len(entries_for(customer)) == 5


def test_cursor_walks_every_entry_once_in_order():
    # given 12 notes and 9 events interleaved in time
    customer = make_customer()
    for i in range(12):
        note(customer, f"note {i}", T0 - i * 3 * MINUTE)
    add_events(customer, 9, start=T0 - MINUTE, step=4 * MINUTE)
    everything = entries_for(customer, limit=100)
    assert len(everything) == 21
    # when paging 5 at a time
    seen, before, pages = [], None, 0
    while True:
        page = timeline_page(customer, limit=5, before=before)
        seen += page.entries
        pages += 1
        assert len(page.entries) <= 5
        if page.next_before is None:
            break
        before = page.next_before
    # then every entry came exactly once, newest first
    assert [(e.kind, e.occurred_at, e.title) for e in seen] == [
        (e.kind, e.occurred_at, e.title) for e in everything
    ]
    assert pages == 5


def test_entries_sharing_a_timestamp_at_the_page_boundary_are_not_skipped():
    # given five entries, three of them at the same instant around the page boundary
    customer = make_customer()
    note(customer, "newest", T0)
    note(customer, "same a", T0 - MINUTE)
    note(customer, "same b", T0 - MINUTE)
    note(customer, "same c", T0 - MINUTE)
    note(customer, "oldest", T0 - 2 * MINUTE)
    # when paging two at a time
    first = timeline_page(customer, limit=2)
    # then the tied entries move together to the next page
    assert [e.body for e in first.entries] == ["newest"]
    collected = [e.body for e in first.entries]
    before = first.next_before
    while before is not None:
        page = timeline_page(customer, limit=4, before=before)
        collected += [e.body for e in page.entries]
        before = page.next_before
    assert sorted(collected) == sorted(["newest", "same a", "same b", "same c", "oldest"])
    assert len(collected) == 5


def test_a_source_that_ignores_the_cursor_is_still_bounded(registry):
    # given a careless source that ignores the cursor and the limit (but keeps the order)
    customer = make_customer()
    careless = [Entry("chat", T0 - i * MINUTE, f"chat {i}") for i in range(30)]
    timeline.register_source("chat", "Chats", lambda user, **kwargs: iter(careless))
    # when
    page = timeline_page(customer, kinds={"chat"}, limit=5, before=T0 - 10 * MINUTE)
    # then only older entries, at most the limit, newest first
    assert [e.title for e in page.entries] == [f"chat {i}" for i in range(11, 16)]


def test_a_failing_source_is_reported_and_the_rest_still_shows(registry):
    customer = make_customer()
    note(customer, "still here", T0)

    def broken(user, **kwargs):
        raise RuntimeError("database gone")

    timeline.register_source("review", "Reviews", broken)
    page = timeline_page(customer)
    assert [e.body for e in page.entries] == ["still here"]
    assert page.failed == ["Reviews"]


def test_limit_is_clamped():
    customer = make_customer()
    add_events(customer, timeline.MAX_LIMIT + 5, start=T0)
    assert len(entries_for(customer, limit=10_000)) == timeline.MAX_LIMIT
    assert len(entries_for(customer, limit=0)) == 1
    assert len(entries_for(customer, limit="x")) == timeline.DEFAULT_LIMIT


def test_a_customer_sees_none_of_another_customers_entries():
    # given two customers with history
    aru, dana = make_customer("aru@example.kz"), make_customer("dana@example.kz")
    place_order(aru, at=T0)
    add_events(aru, 3, start=T0)
    note(aru, "about Aru", T0)
    place_order(dana, at=T0 - MINUTE)
    # then each timeline holds only its own customer's rows
    dana_entries = entries_for(dana)
    assert len(dana_entries) == 1 and dana_entries[0].kind == "order"
    assert all("about Aru" not in e.body for e in dana_entries)
    assert len(entries_for(aru)) == 5


def test_event_titles_are_readable_and_name_their_objects():
    customer = make_customer()
    teacup = make_product("Pink Regency Teacup")
    kitchen = make_category("Kitchen")
    gone = make_product("Discontinued Mug")
    rows = [
        ("product_view", teacup, {}),
        ("category_view", kitchen, {"sort": "popular"}),
        ("search", None, {"query": "lunch bag", "results": 12}),
        ("search", None, {"query": "unicorn", "results": 0}),
        ("cart_add", teacup, {"line_quantity": 3}),
        ("cart_remove", gone, {}),
        ("checkout_step", None, {"step": "checkout"}),
    ]
    from django.contrib.contenttypes.models import ContentType

    for i, (kind, obj, props) in enumerate(rows):
        Event.objects.create(
            user=customer,
            kind=kind,
            content_type=ContentType.objects.get_for_model(obj) if obj else None,
            object_id=obj.pk if obj else None,
            properties=props,
            occurred_at=T0 - i * MINUTE,
            referrer_domain="google.kz" if i == 0 else "",
        )
    gone.delete()
    # when
    entries = entries_for(customer)
    # then
    assert [e.title for e in entries] == [
        "Viewed “Pink Regency Teacup”",
        "Browsed the category “Kitchen”",
        "Searched “lunch bag” (12 results)",
        "Searched “unicorn”: nothing found",
        "Added “Pink Regency Teacup” to the cart",
        "Removed “(no longer in the shop)” from the cart",
        "Opened the checkout",
    ]
    assert entries[0].url == teacup.get_absolute_url()
    assert "from google.kz" in entries[0].body
    assert "3 in the cart" in entries[4].body
    assert entries[2].subkind == "search" and entries[2].kind_label == "Search"


def test_events_resolve_their_objects_in_bulk():
    # given 120 product views over 40 products and 80 searches
    customer = make_customer()
    products = [make_product() for _ in range(40)]
    add_events(customer, 120, start=T0, products=products)
    add_events(customer, 80, start=T0 - dt.timedelta(days=1))
    # when the event source reads a page of 150
    with CaptureQueriesContext(connection) as queries:
        entries = entries_for(customer, kinds={"event"}, limit=150)
    # then one query for the events and one for the products, not one per event
    assert len(entries) == 150
    selects = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2


def test_order_entries_show_placing_status_changes_and_who_made_them():
    customer = make_customer()
    clerk = make_staff("clerk@duken.example", first_name="Bolat")
    teacup, jug = make_product("Teacup"), make_product("Cordial Jug")
    order = place_order(
        customer,
        at=T0 - 2 * MINUTE,
        lines=[(teacup, 2), (jug, 1)],
        status=OrderStatus.PAID,
        total="3000",
    )
    OrderEvent.objects.create(
        order=order,
        from_status=OrderStatus.PAID,
        to_status=OrderStatus.PACKED,
        actor=clerk,
        note="Gift wrapped",
        created_at=T0,
    )
    # when
    entries = entries_for(customer, kinds={"order"})
    # then
    assert entries[0].title == f"Order {order.number}: paid → packed"
    assert "Gift wrapped" in entries[0].body and "by Bolat" in entries[0].body
    assert entries[1].title == f"Placed order {order.number}, 3\u00a0000\u00a0₸"
    assert "2 × Teacup, Cordial Jug" in entries[1].body
    assert entries[1].subkind == "placed"
    assert entries[1].url == f"/admin/orders/order/{order.pk}/change/"


def test_figures_count_orders_and_money_kept():
    # given orders in every state that matters
    customer = make_customer()
    kitchen, bags, candles, toys = (
        make_category(n) for n in ("Kitchen", "Bags", "Candles", "Toys")
    )
    pan, bag, candle, toy = (make_product(category=c) for c in (kitchen, bags, candles, toys))
    place_order(customer, at=T0 - 5 * MINUTE, lines=[(pan, 1), (bag, 1)], total="10000")
    place_order(customer, at=T0 - 4 * MINUTE, lines=[(pan, 2), (candle, 1)], total="20000")
    place_order(customer, at=T0 - 3 * MINUTE, lines=[(pan, 1)], total="30000.50")
    place_order(customer, at=T0 - 2 * MINUTE, lines=[(toy, 9)], status="cancelled", paid=False)
    place_order(customer, at=T0 - 1 * MINUTE, lines=[(toy, 9)], status="refunded", total="99")
    place_order(customer, at=T0, lines=[(toy, 9)], status="awaiting_payment", paid=False)
    # when
    figures = figures_for(customer)
    # then every order counts, only the three kept ones count as spent
    assert figures["orders"].value == 6
    assert figures["total_spent"].value == Decimal("60000.50")
    assert figures["average_order"].value == Decimal("20000.17")
    assert figures["last_order"].value == T0
    assert figures["favourite_categories"].value == ["Kitchen", "Bags", "Candles"]
    assert figures["total_spent"].display == "60\u00a0000,50\u00a0₸"
    assert "cancelled" in figures["total_spent"].help_text


def test_a_forgotten_interest_is_not_a_favourite_category():
    from duken.privacy import memory

    customer = make_customer()
    kitchen, bags = make_category("Kitchen"), make_category("Bags")
    place_order(customer, at=T0, lines=[(make_product(category=kitchen), 1)])
    place_order(customer, at=T0, lines=[(make_product(category=kitchen), 1)])
    place_order(customer, at=T0, lines=[(make_product(category=bags), 1)])
    assert figures_for(customer)["favourite_categories"].value == ["Kitchen", "Bags"]
    assert memory.forget(customer, memory.category_key(kitchen.pk))
    fresh = type(customer).objects.get(pk=customer.pk)
    assert figures_for(fresh)["favourite_categories"].value == ["Bags"]
    # the orders themselves stay on the timeline
    assert len(entries_for(fresh, kinds={"order"})) == 3


def test_figures_of_a_customer_without_orders():
    figures = figures_for(make_customer())
    assert figures["orders"].value == 0
    assert figures["total_spent"].value == Decimal("0.00")
    assert figures["average_order"].display == "—"
    assert figures["last_order"].display == "—"
    assert figures["favourite_categories"].display == "—"


def test_a_failing_figure_shows_as_unknown():
    def broken(user):
        raise RuntimeError("no")

    timeline.register_figure("broken_for_test", "Broken", broken)
    try:
        figures = figures_for(make_customer())
    finally:
        timeline._figures.pop("broken_for_test")
    assert figures["broken_for_test"].display == "—"
    assert figures["orders"].value == 0


def test_figure_display():
    assert Figure("a", "A", None).display == "—"
    assert Figure("a", "A", 3).display == "3"
    assert Figure("a", "A", ["Kitchen", "Bags"]).display == "Kitchen, Bags"
    assert Figure("a", "A", Decimal("1500")).display == "1\u00a0500\u00a0₸"
    assert Figure("a", "A", dt.date(2026, 3, 1)).display == "1 March 2026"


def test_order_emails_are_recorded_and_shown(django_capture_on_commit_callbacks):
    # given a customer's packed order
    customer = make_customer("aru@example.kz")
    order = place_order(customer, at=T0, status=OrderStatus.PACKED, lines=[(make_product(), 1)])
    # when it ships (the e-mail goes out after commit)
    with django_capture_on_commit_callbacks(execute=True):
        orders.transition(order, OrderStatus.SHIPPED)
    # then the e-mail sent is remembered and is on the timeline
    assert len(mail.outbox) == 1
    sent = Message.objects.get(status=Message.Status.SENT)
    assert (sent.user, sent.to, sent.kind, sent.reference) == (
        customer,
        "aru@example.kz",
        "order_shipped",
        order.number,
    )
    assert sent.subject == mail.outbox[0].subject
    emails = entries_for(customer, kinds={"email"})
    assert [e.title for e in emails] == [f"E-mail sent: “{mail.outbox[0].subject}”"]


def test_e_mails_waiting_or_failed_are_not_shown_as_sent():
    customer = make_customer()
    for status in (Message.Status.PENDING, Message.Status.FAILED):
        Message.objects.create(
            key=f"test:{status}", user=customer, to=customer.email, subject=status, kind="k"
        )
        Message.objects.filter(key=f"test:{status}").update(status=status)
    assert entries_for(customer, kinds={"email"}) == []

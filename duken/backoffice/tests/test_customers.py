import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duken.customers import services
from duken.customers.models import CustomerNote, CustomerTag
from duken.customers.tests.timeline_factories import (
    T0,
    add_events,
    make_category,
    make_customer,
    make_product,
    make_staff,
    place_order,
)
from duken.customers.timeline import entries_for, figures_for
from duken.testing.accounts import login_verified

pytestmark = pytest.mark.django_db

VIEW = ["customers.view_user"]
WRITE = VIEW + [
    "customers.add_customernote",
    "customers.add_customertagging",
    "customers.delete_customertagging",
]


def timeline_url(customer, query=""):
    return reverse("backoffice:customer_timeline", args=[customer.pk]) + query


@pytest.fixture
def clerk(client):
    """A staff member who may read and write notes and tags, logged in."""
    user = make_staff("clerk@duken.example", WRITE, first_name="Bolat")
    login_verified(client, user)
    return user


# Who may look --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["customer_search", "customer_timeline"])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, name):
    customer = make_customer()
    args = [customer.pk] if name == "customer_timeline" else []
    response = client.get(reverse(f"backoffice:{name}", args=args))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_customer_never_sees_their_own_or_another_customers_timeline(client):
    # given two customers with history, one of them logged in
    aru, dana = make_customer("aru@example.kz"), make_customer("dana@example.kz")
    place_order(aru, number="DK-ARU00001")
    place_order(dana, number="DK-DANA0001")
    services.add_note(dana, author=make_staff(), text="Secret staff note about Dana")
    client.force_login(aru)
    # when they ask for the timelines, the search, and try to write
    pages = [
        client.get(timeline_url(aru)),
        client.get(timeline_url(dana)),
        client.get(reverse("backoffice:customer_search") + "?q=dana"),
        client.post(reverse("backoffice:customer_note_add", args=[dana.pk]), {"text": "x"}),
        client.post(reverse("backoffice:customer_tags", args=[aru.pk]), {"name": "vip"}),
    ]
    # then they are sent to the staff login and see nothing of either
    for response in pages:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        assert b"DK-ARU00001" not in response.content and b"Secret" not in response.content
    assert CustomerNote.objects.count() == 1 and not CustomerTag.objects.exists()


def test_staff_without_the_customer_permission_are_refused(client):
    login_verified(client, make_staff())
    customer = make_customer()
    assert client.get(timeline_url(customer)).status_code == 403
    assert client.get(reverse("backoffice:customer_search")).status_code == 403


def test_order_handlers_read_the_timeline_and_write_notes(client):
    from django.contrib.auth.models import Group

    handler = make_staff()
    handler.groups.add(Group.objects.get(name="Order handlers"))
    login_verified(client, handler)
    customer = make_customer()
    assert client.get(timeline_url(customer)).status_code == 200
    response = client.post(
        reverse("backoffice:customer_note_add", args=[customer.pk]), {"text": "Called"}
    )
    assert response.status_code == 302 and CustomerNote.objects.count() == 1


def test_staff_who_may_only_look_cannot_write(client):
    login_verified(client, make_staff(perms=VIEW))
    customer = make_customer()
    page = client.get(timeline_url(customer))
    assert page.status_code == 200
    assert b'name="text"' not in page.content  # no note form shown
    note = client.post(reverse("backoffice:customer_note_add", args=[customer.pk]), {"text": "x"})
    tag = client.post(reverse("backoffice:customer_tags", args=[customer.pk]), {"name": "vip"})
    assert (note.status_code, tag.status_code) == (403, 403)
    assert not CustomerNote.objects.exists() and not CustomerTag.objects.exists()


def test_unknown_customer_is_404(client, clerk):
    assert client.get(reverse("backoffice:customer_timeline", args=[999999])).status_code == 404


# The timeline page -------------------------------------------------------------------------------


def test_timeline_page_shows_figures_entries_and_tags(client, clerk):
    customer = make_customer("aru@example.kz", first_name="Aru", last_name="Bekova")
    kitchen = make_category("Kitchen")
    order = place_order(
        customer, at=T0, lines=[(make_product("Teacup", kitchen, "1500"), 2)], total="3000"
    )
    add_events(customer, 3, start=T0 - dt.timedelta(hours=1))
    services.add_tag(customer, "wholesale")
    response = client.get(timeline_url(customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Aru Bekova" in html and "aru@example.kz" in html
    assert f"Placed order {order.number}" in html
    assert "Searched “query 0”: nothing found" in html
    assert 'data-figure="total_spent">3\u00a0000\u00a0₸' in html
    assert 'data-figure="favourite_categories">Kitchen' in html
    assert "wholesale" in html
    assert "Spent counts paid orders" in html  # the definition is on the page


def test_timeline_filters_by_kind(client, clerk):
    customer = make_customer()
    place_order(customer, at=T0)
    add_events(customer, 2, start=T0)
    services.add_note(customer, author=clerk, text="Only this")
    html = client.get(timeline_url(customer, "?kind=note")).content.decode()
    assert html.count('class="timeline-entry"') == 1 and "Only this" in html
    html = client.get(timeline_url(customer, "?kind=note&kind=order")).content.decode()
    assert html.count('class="timeline-entry"') == 2


def test_bad_filters_and_cursors_get_a_message_not_an_error(client, clerk):
    customer = make_customer()
    add_events(customer, 2, start=T0)
    for query in ("?kind=nonsense", "?before=yesterday", "?before=2026-13-45T99:00", "?kind="):
        response = client.get(timeline_url(customer, query))
        assert response.status_code == 200, query
        assert response.content.decode().count('class="timeline-entry"') == 2, query
    response = client.get(timeline_url(customer, "?before=not-a-date"))
    assert "That page link is not valid" in response.content.decode()


def test_older_entries_link_pages_through_the_timeline(client, clerk):
    customer = make_customer()
    add_events(customer, 60, start=T0)
    first = client.get(timeline_url(customer, "?kind=event"))
    older = first.context["older_query"]
    assert older and "kind=event" in older
    second = client.get(timeline_url(customer, "?" + older))
    assert len(first.context["entries"]) == 50 and len(second.context["entries"]) == 10
    assert second.context["older_query"] == ""
    assert first.context["entries"][-1].occurred_at > second.context["entries"][0].occurred_at


def test_adding_a_note_shows_it_escaped(client, clerk):
    customer = make_customer()
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    response = client.post(
        reverse("backoffice:customer_note_add", args=[customer.pk]), {"text": payload}
    )
    assert response.status_code == 302 and response["Location"] == timeline_url(customer)
    html = client.get(timeline_url(customer)).content.decode()
    assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "The note has been added." in html


def test_an_over_long_note_is_refused_with_a_message_and_kept_in_the_form(client, clerk):
    customer = make_customer()
    text = "x" * 2001
    response = client.post(
        reverse("backoffice:customer_note_add", args=[customer.pk]), {"text": text}
    )
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert text in response.content.decode()
    assert not CustomerNote.objects.exists()


def test_staff_delete_their_own_note_but_not_a_colleagues(client, clerk):
    customer = make_customer()
    mine = services.add_note(customer, author=clerk, text="mine")
    theirs = services.add_note(customer, author=make_staff(), text="theirs")
    page = client.get(timeline_url(customer)).content.decode()
    assert reverse("backoffice:customer_note_delete", args=[customer.pk, mine.pk]) in page
    assert reverse("backoffice:customer_note_delete", args=[customer.pk, theirs.pk]) not in page
    url = reverse("backoffice:customer_note_delete", args=[customer.pk, theirs.pk])
    assert client.post(url).status_code == 403
    url = reverse("backoffice:customer_note_delete", args=[customer.pk, mine.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert list(CustomerNote.objects.values_list("text", flat=True)) == ["theirs"]


def test_a_note_of_another_customer_cannot_be_deleted_through_this_one(client, clerk):
    aru, dana = make_customer(), make_customer()
    note = services.add_note(dana, author=clerk, text="about Dana")
    url = reverse("backoffice:customer_note_delete", args=[aru.pk, note.pk])
    assert client.post(url).status_code == 404
    assert CustomerNote.objects.filter(pk=note.pk).exists()


def test_tags_are_added_and_removed_on_the_page(client, clerk):
    customer = make_customer()
    url = reverse("backoffice:customer_tags", args=[customer.pk])
    assert client.post(url, {"action": "add", "name": "Оптовик"}).status_code == 302
    assert [t.name for t in services.tags_of(customer)] == ["Оптовик"]
    bad = client.post(url, {"action": "add", "name": "<b>vip</b>"})
    assert bad.status_code == 400
    assert "only letters, digits, spaces" in bad.content.decode()
    assert "<b>vip</b>" not in bad.content.decode()
    assert client.post(url, {"action": "explode", "name": "x"}).status_code == 400
    assert client.post(url, {"action": "remove", "name": "оптовик"}).status_code == 302
    assert services.tags_of(customer) == []


# Search page -----------------------------------------------------------------------------------


def test_search_lists_matches_with_their_figures(client, clerk):
    aru = make_customer("aru@example.kz", first_name="Айгерим", last_name="Серикова")
    make_customer("other@example.kz", first_name="Other")
    place_order(aru, total="12500")
    services.add_tag(aru, "wholesale")
    response = client.get(reverse("backoffice:customer_search"), {"q": "айгерим"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="customer-tag">wholesale</span>' in html
    assert "aru@example.kz" in html and "other@example.kz" not in html
    assert "12\u00a0500\u00a0₸" in html
    assert timeline_url(aru) in html


def test_search_by_order_number_opens_the_customer(client, clerk):
    aru = make_customer()
    place_order(aru, number="DK-ABCD1234")
    response = client.get(reverse("backoffice:customer_search"), {"q": "dk-abcd1234"})
    assert response.status_code == 302 and response["Location"] == timeline_url(aru)


def test_search_is_paginated(client, clerk):
    for i in range(30):
        make_customer(f"buyer{i:02d}@example.kz")
    first = client.get(reverse("backoffice:customer_search"), {"q": "buyer"})
    second = client.get(reverse("backoffice:customer_search"), {"q": "buyer", "page": 2})
    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
    assert "Page 1 of 2" in first.content.decode()
    assert client.get(reverse("backoffice:customer_search"), {"page": "x"}).status_code == 200


def test_over_long_search_is_a_clear_400(client, clerk):
    response = client.get(reverse("backoffice:customer_search"), {"q": "a" * 300})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()


def test_search_escapes_the_query(client, clerk):
    response = client.get(reverse("backoffice:customer_search"), {"q": "<script>x</script>"})
    assert "<script>x</script>" not in response.content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in response.content.decode()


# Admin links and the partial ---------------------------------------------------------------------


def test_admin_customer_pages_link_to_the_timeline(client):
    admin = make_staff(is_superuser=True)
    login_verified(client, admin)
    customer = make_customer()
    change = client.get(reverse("admin:customers_user_change", args=[customer.pk]))
    listing = client.get(reverse("admin:customers_user_changelist"))
    assert timeline_url(customer) in change.content.decode()
    assert timeline_url(customer) in listing.content.decode()
    assert reverse("backoffice:customer_search") in listing.content.decode()


def test_other_apps_show_their_panels_beside_the_timeline(client, clerk):
    from duken.customers import timeline

    def broken(customer, request):
        raise RuntimeError("no model trained")

    customer = make_customer()
    timeline.register_panel(
        "test-panel",
        "backoffice/_customer_timeline.html",
        lambda customer, request: {"entries": [], "figures": {}},
    )
    timeline.register_panel("test-broken", "backoffice/_customer_timeline.html", broken)
    others = len(timeline.panels()) - 2  # what other apps registered
    try:
        response = client.get(timeline_url(customer))
    finally:
        timeline._panels.pop("test-panel")
        timeline._panels.pop("test-broken")
    assert response.status_code == 200
    assert len(response.context["panels"]) == others + 1
    assert "Nothing recorded yet." in response.context["panels"][-1]


def test_the_partial_renders_the_compact_timeline_for_other_pages():
    customer = make_customer()
    services.add_note(customer, author=make_staff(), text="<i>careful</i>")
    html = render_to_string(
        "backoffice/_customer_timeline.html",
        {
            "customer": customer,
            "entries": entries_for(customer, limit=5),
            "figures": figures_for(customer),
        },
    )
    assert 'data-figure="orders">0' in html
    assert "&lt;i&gt;careful&lt;/i&gt;" in html
    assert "Delete" not in html  # no actions outside the timeline page


# Scale -----------------------------------------------------------------------------------------------


@pytest.fixture
def built_in_only():
    """Only this app's sources, figures and no panels: other apps bound their own additions."""
    from duken.customers import timeline

    saved = dict(timeline._sources), dict(timeline._figures), dict(timeline._panels)
    for kind in list(timeline._sources):
        if kind not in {"order", "event", "note", "email"}:
            del timeline._sources[kind]
    for key in list(timeline._figures):
        if timeline._figures[key][1].__module__ != "duken.customers.figures":
            del timeline._figures[key]
    timeline._panels.clear()
    yield
    for registry, content in zip(
        (timeline._sources, timeline._figures, timeline._panels), saved, strict=True
    ):
        registry.clear()
        registry.update(content)


def test_a_long_history_renders_with_a_bounded_number_of_queries(client, clerk, built_in_only):
    # given a customer with 40 orders of 5 lines and 600 events over 60 products
    customer = make_customer()
    categories = [make_category() for _ in range(6)]
    products = [make_product(category=categories[i % 6]) for i in range(60)]
    for i in range(40):
        place_order(
            customer,
            at=T0 - dt.timedelta(days=i),
            lines=[(products[(i + k) % 60], k + 1) for k in range(5)],
        )
    add_events(
        customer,
        600,
        start=T0 + dt.timedelta(hours=1),
        step=dt.timedelta(hours=1),
        products=products,
    )
    services.add_note(customer, author=clerk, text="note")
    client.get(timeline_url(customer))  # warm the per-process caches (content types)
    # when
    # session, user, 2 permission lookups, the customer, the header's cart count and consents;
    # orders (events + lines), events (+ products), notes, e-mails, own notes; order figures,
    # forgotten interests, favourite categories; tags, known tags: 19, whatever the history
    # (PostgreSQL also wraps each source in a savepoint, which reads nothing)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(timeline_url(customer))
    reads = [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]
    # (the one write: the audit log's entry that this clerk read this customer's timeline)
    writes = [sql for sql in reads if sql.startswith('INSERT INTO "core_auditentry"')]
    reads = [sql for sql in reads if sql not in writes]
    # then
    assert len(writes) == 1
    assert len(reads) <= 20, reads
    assert response.status_code == 200
    assert response.content.decode().count('class="timeline-entry"') == 50


def test_out_of_range_ids_and_null_bytes_are_handled(client, clerk):
    customer = make_customer()
    huge = 10**20
    assert client.get(f"/backoffice/customers/{huge}/").status_code == 404
    assert (
        client.post(f"/backoffice/customers/{customer.pk}/notes/{huge}/delete/").status_code == 404
    )
    response = client.get(reverse("backoffice:customer_search"), {"q": "dana\x00"})
    assert response.status_code == 200
    url = reverse("backoffice:customer_note_add", args=[customer.pk])
    assert client.post(url, {"text": "a\x00b"}).status_code == 302
    assert CustomerNote.objects.get().text == "ab"
    url = reverse("backoffice:customer_tags", args=[customer.pk])
    assert client.post(url, {"action": "add", "name": "vip\x00"}).status_code == 400
    assert client.get(reverse("backoffice:customer_search"), {"page": "-1"}).status_code == 200

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from duken.catalog.models import SearchQuery
from duken.needs import report, services
from duken.needs.models import BackInStockRequest, WishlistItem
from duken.testing.accounts import login_verified
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db


def _at(day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 5, day, 12, 0))


def _search(text, day, results=0):
    SearchQuery.objects.create(
        query=text, normalized=text.lower(), result_count=results, created_at=_at(day)
    )


def test_one_ranked_list_across_every_need_within_the_dates(shopper, other, staff):
    # given: "yurt" searched 3 times with nothing found, once outside the range
    for day in (2, 3, 4):
        _search("yurt", day)
    _search("yurt", 20)
    _search("mug", 3, results=12)  # found something: not a need
    lamp = make_product(name="Salt Lamp", stock=0)
    for customer in (shopper, other):
        request, _ = services.request_back_in_stock(lamp, customer=customer)
        BackInStockRequest.objects.filter(pk=request.pk).update(created_at=_at(5))
    scarf = make_product(name="Wool Scarf")
    item, _ = services.add_to_wishlist(shopper, scarf)
    WishlistItem.objects.filter(pk=item.pk).update(added_at=_at(6))
    services.request_product("A dombra for a child", customer=shopper)  # today: outside
    # when
    needs = report.ranked(dt.date(2026, 5, 1), dt.date(2026, 5, 10))
    # then: most asked first, each with its count and dates
    assert [(n.kind, n.label, n.count) for n in needs] == [
        ("search", "yurt", 3),
        ("back_in_stock", "Salt Lamp", 2),
        ("wishlist", "Wool Scarf", 1),
    ]
    assert needs[0].first_seen == _at(2) and needs[0].last_seen == _at(4)
    assert needs[1].waiting == 2
    # a narrower range and a kind filter
    assert [n.label for n in report.ranked(dt.date(2026, 5, 4), dt.date(2026, 5, 5))] == [
        "Salt Lamp",
        "yurt",
    ]
    assert [n.kind for n in report.ranked(dt.date(2026, 5, 1), dt.date(2026, 5, 31), "search")] == [
        "search"
    ]


def test_the_staff_pages_show_the_ranking_and_refuse_bad_dates_politely(client, staff):
    for day in (2, 3):
        _search("<b>yurt</b>", day)
    login_verified(client, staff)
    page = client.get(reverse("backoffice:needs"), {"from": "2026-05-01", "to": "2026-05-10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "&lt;b&gt;yurt&lt;/b&gt;" in text and "<b>yurt</b>" not in text
    searches = client.get(
        reverse("backoffice:needs_searches"), {"from": "2026-05-01", "to": "2026-05-10"}
    )
    assert "&lt;b&gt;yurt&lt;/b&gt;" in searches.content.decode()
    bad = client.get(reverse("backoffice:needs"), {"from": "May", "kind": "nonsense"})
    assert bad.status_code == 200
    assert b"YYYY-MM-DD" in bad.content


def test_staff_only(client, shopper):
    client.force_login(shopper)
    response = client.get(reverse("backoffice:needs"))
    assert response.status_code == 302 and "login" in response["Location"]

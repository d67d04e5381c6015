"""A forgotten item is gone from the staff timeline of the customer, from their account page
and from every later read at once."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from duken.customers import timeline
from duken.interactions.models import Event, Kind
from duken.privacy import memory
from duken.testing.accounts import login_verified
from duken.testing.factories import make_category, make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk@duken.example", None, is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_user")
    )
    login_verified(client, clerk)
    return client


def _view(user, product):
    Event.objects.create(
        user=user,
        kind=Kind.PRODUCT_VIEW,
        content_type=ContentType.objects.get_for_model(product),
        object_id=product.pk,
    )


def _timeline(response) -> str:
    """The timeline itself: the page's main column (the sidebar holds other panels, such as
    what is popular in the shop)."""
    assert response.status_code == 200
    page = response.content.decode()
    main = page.split('<div id="content-main">', 1)[1].split('<div id="content-related">', 1)[0]
    assert "timeline-entries" in main
    return main


def test_forgetting_removes_the_item_from_the_timeline_the_account_page_and_later_reads(
    staff_client, customer
):
    # given: Aliya viewed a lantern and a teapot, searched for "brass lantern", bought a teapot
    lanterns = make_category(slug="lanterns", name="Lanterns")
    teapots = make_category(slug="teapots", name="Teapots")
    lantern = make_product(name="Moroccan Brass Lantern", slug="brass-lantern", category=lanterns)
    teapot = make_product(name="Clay Teapot", slug="clay-teapot", category=teapots)
    _view(customer, lantern)
    _view(customer, teapot)
    Event.objects.create(user=customer, kind=Kind.SEARCH, properties={"query": "brass lantern"})
    make_order(user=customer, lines=[(teapot, 1, 0)])
    timeline_url = reverse("backoffice:customer_timeline", args=[customer.pk])
    before = _timeline(staff_client.get(timeline_url))
    assert "Moroccan Brass Lantern" in before and "brass lantern" in before

    # when she forgets the lantern and the search (through the memory service the page uses)
    assert memory.forget(customer, memory.product_key(lantern.pk))
    assert memory.forget(customer, memory.search_key("brass lantern"))

    # then the staff timeline no longer shows either; the teapot stays
    page = _timeline(staff_client.get(timeline_url))
    assert "Moroccan Brass Lantern" not in page
    assert "brass lantern" not in page
    assert "Clay Teapot" in page
    titles = " ".join(entry.title for entry in timeline.entries_for(customer))
    assert "Moroccan Brass Lantern" not in titles and "brass lantern" not in titles
    # nor does her account page, which instead shows her wishes not to be remembered again
    staff_client.force_login(customer)
    account = staff_client.get(reverse("privacy:memory")).content.decode()
    assert f'data-key="{memory.product_key(lantern.pk)}"' not in account
    assert "brass lantern" not in account
    assert f'data-key="forgotten:{memory.product_key(lantern.pk)}"' in account
    assert f'data-key="forgotten:{memory.search_key("brass lantern")}"' in account
    assert "Clay Teapot" in account
    # nor any later read, even after she buys the lantern (orders are kept)
    make_order(user=customer, lines=[(lantern, 1, 0)])
    keys = [interest.key for interest in memory.interests(customer)]
    assert memory.product_key(lantern.pk) not in keys
    assert memory.search_key("brass lantern") not in keys
    assert memory.product_key(teapot.pk) in keys

"""Forgetting covers what existed; whether Duken may remember the item again is the customer's
choice, made when forgetting. A wish not to be remembered again is honoured when rows are
written (nothing is stored), never by hiding stored rows: the customer's memory page and the
staff timeline always show the same history.

Every test goes through the pages a shopper and a clerk use."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from duken.catalog.models import SearchQuery
from duken.interactions import buffer
from duken.interactions.models import Event, Kind
from duken.privacy import memory
from duken.privacy.models import ForgottenItem
from duken.testing.accounts import login_verified
from duken.testing.factories import make_category, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    teapots = make_category(slug="teapots", name="Teapots", name_ru="Чайники", name_kk="Шәйнек")
    teapot = make_product(name="Clay Teapot", slug="clay-teapot", category=teapots)
    make_product(name="Iron Teapot", slug="iron-teapot", category=teapots)
    kettle = make_product(name="Copper Kettle", slug="copper-kettle")
    return {"teapots": teapots, "teapot": teapot, "kettle": kettle}


@pytest.fixture
def shopper(client, customer):
    """Aliya, logged in, who allowed analytics on her privacy page."""
    client.force_login(customer)
    response = client.post(reverse("privacy:account"), {"purposes": ["analytics"]})
    assert response.status_code == 302
    return client


@pytest.fixture
def clerk(db, django_user_model):
    staff = django_user_model.objects.create_user("clerk@duken.example", None, is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_user")
    )
    clerk = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(clerk, staff)
    return clerk


def _search(client, words):
    assert client.get(reverse("storefront:search"), {"q": words}).status_code == 200
    buffer.flush()


def _view(client, product):
    assert client.get(reverse("storefront:product", args=[product.slug])).status_code == 200
    buffer.flush()


def _forget(client, key, **choice):
    return client.post(reverse("privacy:forget"), {"key": key, **choice})


def _memory_page(client) -> str:
    response = client.get(reverse("privacy:memory"))
    assert response.status_code == 200
    return response.content.decode()


def _timeline(clerk, customer) -> str:
    response = clerk.get(reverse("backoffice:customer_timeline", args=[customer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    return page.split('<div id="content-main">', 1)[1].split('<div id="content-related">', 1)[0]


def _searches(customer, words="teapot"):
    return Event.objects.filter(user=customer, kind=Kind.SEARCH, properties__query=words)


def _views(customer, product):
    return Event.objects.filter(user=customer, kind=Kind.PRODUCT_VIEW, object_id=product.pk)


# Searches ------------------------------------------------------------------------------------


def test_a_search_forgotten_with_leave_to_remember_again_is_stored_and_shown_when_made_again(
    shopper, clerk, customer, shop
):
    # given: Aliya searched for "teapot" and forgot it, allowing the shop to remember it again
    _search(shopper, "teapot")
    assert "Search: “teapot”" in _memory_page(shopper)
    assert _forget(shopper, memory.search_key("teapot"), remember_again="yes").status_code == 302
    assert not _searches(customer).exists()
    assert "teapot" not in _timeline(clerk, customer)

    # when she searches for the same words again
    _search(shopper, "teapot")

    # then the new search is stored, and both she and the staff see it
    assert _searches(customer).count() == 1
    assert SearchQuery.objects.filter(user=customer, query="teapot").count() == 1
    assert "Search: “teapot”" in _memory_page(shopper)
    assert "Searched “teapot” (2 results)" in _timeline(clerk, customer)


def test_a_search_she_asked_us_not_to_remember_again_is_not_stored_at_all(
    shopper, clerk, customer, shop
):
    # given: Aliya searched for "teapot" and forgot it, asking not to be remembered again
    _search(shopper, "teapot")
    assert _forget(shopper, memory.search_key("teapot"), remember_again="no").status_code == 302
    timeline_before = _timeline(clerk, customer)
    events_before = Event.objects.filter(user=customer).count()

    # when she searches for the same words again, written differently too
    _search(shopper, "teapot")
    _search(shopper, "  TEAPOT ")

    # then nothing is stored about her: no event, and the shop's search log keeps the searches
    # for its statistics without saying who made them
    assert not Event.objects.filter(user=customer, kind=Kind.SEARCH).exists()
    assert Event.objects.filter(user=customer).count() == events_before
    assert not SearchQuery.objects.filter(user=customer).exists()
    assert SearchQuery.objects.filter(normalized="teapot", session_key="").count() == 3
    # the staff timeline shows nothing new, and her page shows the wish, not a search
    assert _timeline(clerk, customer) == timeline_before
    page = _memory_page(shopper)
    assert "Search: “teapot”" not in page
    assert "A search you asked us not to remember again" in page
    # other searches are stored as usual
    _search(shopper, "kettle")
    assert _searches(customer, "kettle").count() == 1


def test_withdrawing_the_wish_makes_later_searches_stored_again(shopper, clerk, customer, shop):
    # given: a wish not to remember "teapot" again, shown on her page
    _search(shopper, "teapot")
    _forget(shopper, memory.search_key("teapot"), remember_again="no")
    wish = "forgotten:" + memory.search_key("teapot")
    assert f'data-key="{wish}"' in _memory_page(shopper)

    # when she withdraws it
    response = shopper.post(reverse("privacy:remember_again"), {"key": wish}, follow=True)

    # then she is told, the wish is gone, and her next search is stored and shown everywhere
    assert response.status_code == 200
    assert "We may remember it again" in response.content.decode()
    assert not ForgottenItem.objects.filter(user=customer, may_remember_again=False).exists()
    _search(shopper, "teapot")
    assert _searches(customer).count() == 1
    assert "Search: “teapot”" in _memory_page(shopper)
    assert "Searched “teapot”" in _timeline(clerk, customer)


def test_a_forget_posted_without_a_choice_does_not_remember_it_again(shopper, customer, shop):
    # given: an old page, or a hand-made request, that posts only the key
    _search(shopper, "teapot")
    assert _forget(shopper, memory.search_key("teapot")).status_code == 302

    # when
    _search(shopper, "teapot")

    # then the customer-protecting default holds: nothing stored
    assert not _searches(customer).exists()
    record = ForgottenItem.objects.get(user=customer)
    assert not record.may_remember_again


def test_a_bad_choice_is_refused_and_changes_nothing(shopper, customer, shop):
    _search(shopper, "teapot")

    for choice in ("maybe", "", "yes\x00", "x" * 5000):
        response = _forget(shopper, memory.search_key("teapot"), remember_again=choice)
        assert response.status_code == 400, choice
        assert "Choose whether we may remember it again." in response.content.decode()

    assert _searches(customer).count() == 1
    assert not ForgottenItem.objects.exists()


def test_a_wish_of_another_customer_cannot_be_withdrawn(shopper, customer, other_customer, shop):
    # given: Daulet asked the shop not to remember his search for "fishing rod" again
    ForgottenItem.objects.create(user=other_customer, key=memory.search_key("fishing rod"))

    # when Aliya posts the key of his wish, or keys that make no sense
    for key in (
        "forgotten:" + memory.search_key("fishing rod"),
        memory.search_key("fishing rod"),
        "forgotten:",
        "forgotten:activity:all",
        "x" * 5000,
    ):
        response = shopper.post(reverse("privacy:remember_again"), {"key": key})
        assert response.status_code == 404, key

    # then his wish stands
    assert not ForgottenItem.objects.get(user=other_customer).may_remember_again


# Product views and categories ----------------------------------------------------------------


def test_a_product_view_forgotten_with_leave_to_remember_again_is_stored_when_viewed_again(
    shopper, clerk, customer, shop
):
    # given: Aliya looked at the clay teapot and forgot it, allowing the shop to remember it again
    _view(shopper, shop["teapot"])
    _forget(shopper, memory.product_key(shop["teapot"].pk), remember_again="yes")
    assert not _views(customer, shop["teapot"]).exists()
    assert "Clay Teapot" not in _timeline(clerk, customer)

    # when she looks at it again
    _view(shopper, shop["teapot"])

    # then the view is stored, and both her page and the staff timeline show it
    assert _views(customer, shop["teapot"]).count() == 1
    page = _memory_page(shopper)
    assert f'data-key="{memory.product_key(shop["teapot"].pk)}"' in page
    assert "Viewed “Clay Teapot”" in _timeline(clerk, customer)


def test_a_product_she_asked_us_not_to_remember_again_is_never_stored(
    shopper, clerk, customer, shop
):
    # given
    _view(shopper, shop["teapot"])
    _forget(shopper, memory.product_key(shop["teapot"].pk), remember_again="no")
    before = _timeline(clerk, customer)

    # when she looks at it again, puts it in her cart, and looks at another product
    _view(shopper, shop["teapot"])
    shopper.post(reverse("storefront:cart_add"), {"product_id": shop["teapot"].pk, "quantity": 1})
    buffer.flush()
    _view(shopper, shop["kettle"])

    # then nothing about the teapot is stored; the kettle is, as usual
    assert not Event.objects.filter(user=customer, object_id=shop["teapot"].pk).exists()
    assert _views(customer, shop["kettle"]).count() == 1
    timeline = _timeline(clerk, customer)
    assert "Clay Teapot" not in timeline and "Copper Kettle" in timeline
    assert "Copper Kettle" not in before
    page = _memory_page(shopper)
    assert "Not remembered again" in page and "Clay Teapot" in page
    assert f'data-key="{memory.product_key(shop["teapot"].pk)}"' not in page

    # and once she withdraws the wish, her next view is stored again
    wish = "forgotten:" + memory.product_key(shop["teapot"].pk)
    assert shopper.post(reverse("privacy:remember_again"), {"key": wish}).status_code == 302
    _view(shopper, shop["teapot"])
    assert _views(customer, shop["teapot"]).count() == 1
    assert "Viewed “Clay Teapot”" in _timeline(clerk, customer)


def test_a_category_she_asked_us_not_to_remember_again_covers_its_products_and_searches(
    shopper, clerk, customer, shop
):
    # given: Aliya opened the teapot category twice (an interest) and forgot it for good
    for _ in range(2):
        assert shopper.get(reverse("storefront:category", args=["teapots"])).status_code == 200
    buffer.flush()
    key = memory.category_key(shop["teapots"].pk)
    assert f'data-key="{key}"' in _memory_page(shopper)
    _forget(shopper, key, remember_again="no")

    # when she opens it again, views a teapot in it and searches for it in Russian
    shopper.get(reverse("storefront:category", args=["teapots"]))
    _view(shopper, shop["teapot"])
    _search(shopper, "чайники")
    _view(shopper, shop["kettle"])

    # then only the kettle view is stored
    assert list(Event.objects.filter(user=customer).values_list("kind", "object_id")) == [
        (Kind.PRODUCT_VIEW, shop["kettle"].pk)
    ]
    assert not SearchQuery.objects.filter(user=customer).exists()
    timeline = _timeline(clerk, customer)
    assert "Teapot" not in timeline and "чайники" not in timeline
    assert f'data-key="{key}"' not in _memory_page(shopper)


def test_a_category_forgotten_with_leave_to_remember_again_comes_back_from_new_visits(
    shopper, clerk, customer, shop
):
    key = memory.category_key(shop["teapots"].pk)
    shopper.get(reverse("storefront:category", args=["teapots"]))
    buffer.flush()
    _forget(shopper, key, remember_again="yes")
    assert f'data-key="{key}"' not in _memory_page(shopper)

    shopper.get(reverse("storefront:category", args=["teapots"]))
    buffer.flush()

    assert f'data-key="{key}"' in _memory_page(shopper)
    assert "Browsed the category “Teapots”" in _timeline(clerk, customer)


# Orders, which the shop keeps --------------------------------------------------------------


def _paid_order(customer, product):
    from django.utils import timezone

    from duken.orders.models import OrderStatus
    from duken.testing.factories import make_order

    return make_order(
        user=customer, lines=[(product, 1, 0)], status=OrderStatus.PAID, paid_at=timezone.now()
    )


def test_orders_from_before_a_forget_no_longer_count_and_later_ones_do(shopper, customer, shop):
    from duken.customers.timeline import figures_for

    # given: Aliya bought the clay teapot; it is an interest of hers, and a favourite category
    _paid_order(customer, shop["teapot"])
    key = memory.product_key(shop["teapot"].pk)
    assert key in [i.key for i in memory.interests(customer)]
    assert figures_for(customer)["favourite_categories"].value == ["Teapots"]

    # when she forgets it, letting us remember it again
    assert _forget(shopper, key, remember_again="yes").status_code == 302

    # then her order stays, but no longer makes an interest, for her or for the staff
    fresh = type(customer).objects.get(pk=customer.pk)
    assert key not in [i.key for i in memory.interests(fresh)]
    assert figures_for(fresh)["favourite_categories"].value == []
    page = _memory_page(shopper)
    assert f'data-key="{key}"' not in page
    assert f'data-key="forgotten:{key}"' in page and "Forgotten up to" in page
    # while a later order of it counts again, on both sides
    _paid_order(customer, shop["teapot"])
    fresh = type(customer).objects.get(pk=customer.pk)
    interest = {i.key: i for i in memory.interests(fresh)}[key]
    assert interest.counts == {"bought": 1}
    assert figures_for(fresh)["favourite_categories"].value == ["Teapots"]


def test_with_a_wish_not_even_later_orders_make_an_interest(shopper, customer, shop):
    from duken.customers.timeline import figures_for

    key = memory.category_key(shop["teapots"].pk)
    _paid_order(customer, shop["teapot"])
    assert _forget(shopper, key, remember_again="no").status_code == 302

    _paid_order(customer, shop["teapot"])

    fresh = type(customer).objects.get(pk=customer.pk)
    keys = [i.key for i in memory.interests(fresh)]
    assert key not in keys and memory.product_key(shop["teapot"].pk) not in keys
    assert figures_for(fresh)["favourite_categories"].value == []


# The page of what was forgotten ------------------------------------------------------------


def test_a_wish_about_recommendations_is_shown_and_can_be_withdrawn(shopper, customer, shop):
    # given: Aliya asked the shop to stop using the teapot for her recommendations
    ForgottenItem.objects.create(user=customer, key=f"recommendation:{shop['teapot'].pk}")
    wish = f"forgotten:recommendation:{shop['teapot'].pk}"
    page = _memory_page(shopper)
    assert "Behind your recommendations: Clay Teapot" in page and "Use it again" in page

    # when she withdraws the wish, over htmx
    response = shopper.post(
        reverse("privacy:remember_again"), {"key": wish}, HTTP_HX_REQUEST="true"
    )

    # then nothing about it is kept any more, and the sections are shown again without it
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="memory-sections"') and f'data-key="{wish}"' not in body
    assert not ForgottenItem.objects.exists()


def test_a_note_of_what_was_forgotten_is_shown_but_is_not_a_wish(shopper, customer, shop):
    _view(shopper, shop["teapot"])
    key = memory.product_key(shop["teapot"].pk)
    _forget(shopper, key, remember_again="yes")

    page = _memory_page(shopper)
    assert f'data-key="forgotten:{key}"' in page and "Clay Teapot" in page
    response = shopper.post(reverse("privacy:remember_again"), {"key": f"forgotten:{key}"})
    assert response.status_code == 404
    assert ForgottenItem.objects.get(user=customer).may_remember_again


def test_the_forget_confirmation_asks_only_where_there_is_a_choice(shopper, customer, shop):
    customer.phone = "+7 701 123 45 67"
    customer.save()
    _search(shopper, "teapot")

    page = _memory_page(shopper)

    search = page.split(f'data-key="{memory.search_key("teapot")}"', 1)[1].split("</li>", 1)[0]
    assert 'name="remember_again" value="no" checked' in search
    assert 'name="remember_again" value="yes"' in search
    phone = page.split('data-key="fact:phone"', 1)[1].split("</li>", 1)[0]
    assert "remember_again" not in phone


# Forgets made before the choice existed ----------------------------------------------------


def test_earlier_forgets_keep_their_meaning_and_what_they_hid_is_forgotten(
    shopper, clerk, customer, shop
):
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("duken.privacy.migrations.0004_earlier_forgets_are_wishes")
    # given: before this change Aliya forgot her teapot search, the teapot category, the kettle
    # and all her activity, and then searched and browsed again: rows stored, shown to the
    # staff, hidden from her page
    for key in (
        memory.search_key("teapot"),
        memory.category_key(shop["teapots"].pk),
        memory.product_key(shop["kettle"].pk),
        "activity:all",
    ):
        ForgottenItem.objects.create(user=customer, key=key)
    product_type = ContentType.objects.get_for_model(shop["kettle"])
    lantern = make_product(name="Brass Lantern", slug="brass-lantern")
    for product in (shop["teapot"], shop["kettle"], lantern):
        Event.objects.create(
            user=customer,
            kind=Kind.PRODUCT_VIEW,
            content_type=product_type,
            object_id=product.pk,
        )
    for words in ("Teapot", "шәйнек", "lantern"):
        Event.objects.create(user=customer, kind=Kind.SEARCH, properties={"query": words})
        SearchQuery.objects.create(
            query=words, normalized=words.lower(), result_count=1, user=customer
        )

    # when the migration runs
    migration.forget_what_was_stored_since(apps, None)

    # then what those forgets covered is gone (searches kept without her); the rest stays
    assert sorted(Event.objects.filter(user=customer).values_list("kind", "object_id")) == sorted(
        [(Kind.PRODUCT_VIEW, lantern.pk), (Kind.SEARCH, None)]
    )
    assert list(SearchQuery.objects.filter(user=customer).values_list("query", flat=True)) == [
        "lantern"
    ]
    assert SearchQuery.objects.count() == 3
    # the forgets of single items are wishes not to remember them again; forgetting all activity
    # never was one
    assert dict(ForgottenItem.objects.values_list("key", "may_remember_again")) == {
        memory.search_key("teapot"): False,
        memory.category_key(shop["teapots"].pk): False,
        memory.product_key(shop["kettle"].pk): False,
        "activity:all": True,
    }
    # and her page and the staff timeline show the same history
    timeline, page = _timeline(clerk, customer), _memory_page(shopper)
    for text in ("Clay Teapot", "Copper Kettle", "Teapot”", "шәйнек"):
        assert text not in timeline, text
    assert "Brass Lantern" in timeline and "Brass Lantern" in page
    assert "lantern" in timeline and "Search: “lantern”" in page

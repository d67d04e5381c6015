"""Forgetting one remembered item: it is gone from the page and from every later read, the
events behind it are deleted, and nothing derived later brings it back."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from duken.catalog.models import SearchQuery
from duken.customers import services as customers
from duken.customers.models import Address
from duken.interactions import services as interactions
from duken.interactions.models import Event, Kind
from duken.privacy import memory
from duken.privacy.models import ConsentRecord, ForgottenItem, Purpose
from duken.testing.factories import make_category, make_order, make_product

pytestmark = pytest.mark.django_db


def _event(user, kind, obj=None, **properties):
    fields = {}
    if obj is not None:
        fields = {"content_type": ContentType.objects.get_for_model(obj), "object_id": obj.pk}
    return Event.objects.create(user=user, kind=kind, properties=properties, **fields)


@pytest.fixture
def shop(customer):
    kitchen = make_category(slug="kitchen", name="Kitchen")
    garden = make_category(slug="garden", name="Garden")
    kettle = make_product(name="Copper Kettle", slug="copper-kettle", category=kitchen)
    bag = make_product(name="Felt Lunch Bag", slug="felt-lunch-bag", category=kitchen)
    rake = make_product(name="Garden Rake", slug="garden-rake", category=garden)
    for product in (kettle, kettle, bag, rake):
        _event(customer, Kind.PRODUCT_VIEW, product)
    _event(customer, Kind.CART_ADD, bag, line_quantity=1)
    _event(customer, Kind.CATEGORY_VIEW, kitchen, sort="popular")
    _event(customer, Kind.CATEGORY_VIEW, garden, sort="popular")
    for _ in range(3):
        _event(customer, Kind.SEARCH, query="lunch bag", results=1)
    _event(customer, Kind.SEARCH, query="rake", results=1)
    _event(customer, Kind.SEARCH, query="Kitchen knives", results=0)
    return {"kitchen": kitchen, "garden": garden, "kettle": kettle, "bag": bag, "rake": rake}


@pytest.fixture
def logged_in(client, customer):
    client.force_login(customer)
    return client


def _forget(client, key, **headers):
    return client.post(reverse("privacy:forget"), {"key": key}, **headers)


def _page(client):
    return client.get(reverse("privacy:memory")).content.decode()


def test_forgetting_an_interest_deletes_its_events_and_it_never_comes_back(
    logged_in, customer, shop
):
    key = memory.category_key(shop["kitchen"].pk)
    assert "You viewed 2 products in Kitchen." in _page(logged_in)

    # when
    response = _forget(logged_in, key, follow=True)

    # then: the customer is told, and the views and cart events of its products and the
    # category view are gone
    assert response.redirect_chain == [(reverse("privacy:memory"), 302)]
    assert "Forgotten: Kitchen." in response.content.decode()
    product_ct = ContentType.objects.get_for_model(shop["kettle"])
    assert not Event.objects.filter(
        user=customer, content_type=product_ct, object_id__in=[shop["kettle"].pk, shop["bag"].pk]
    ).exists()
    assert (
        not Event.objects.filter(user=customer, object_id=shop["kitchen"].pk)
        .exclude(content_type=product_ct)
        .exists()
    )
    # and the searches that name it
    assert not Event.objects.filter(user=customer, properties__query="Kitchen knives").exists()
    # the other interests stay
    assert Event.objects.filter(
        user=customer, content_type=product_ct, object_id=shop["rake"].pk
    ).exists()
    assert Event.objects.filter(user=customer, properties__query="lunch bag").count() == 3
    assert ForgottenItem.objects.filter(user=customer, key=key).exists()
    # gone from the page and from every later read; the page shows her wish instead (not
    # remembering it again is the default)
    page = _page(logged_in)
    assert f'data-key="{key}"' not in page and "Copper Kettle" not in page
    assert f'data-key="forgotten:{key}"' in page and "Not remembered again" in page
    assert "Garden" in page
    assert key not in [i.key for i in memory.interests(customer)]
    assert memory.is_forgotten(customer, key)

    # and a later order of a kitchen product brings neither the category nor the product back
    make_order(user=customer, lines=[(shop["kettle"], 1, 0)])
    later = [i.key for i in memory.interests(customer)]
    assert key not in later
    assert memory.product_key(shop["kettle"].pk) not in later


def test_forgetting_a_search_deletes_its_events_and_detaches_the_search_log(
    logged_in, customer, shop, make_request
):
    SearchQuery.objects.create(
        query="Lunch Bag", normalized="lunch bag", result_count=1, user=customer, session_key="s1"
    )
    key = memory.search_key("lunch bag")

    assert _forget(logged_in, key, follow=True).status_code == 200

    assert not Event.objects.filter(user=customer, kind=Kind.SEARCH, properties__query="lunch bag")
    assert Event.objects.filter(user=customer, kind=Kind.SEARCH, properties__query="rake").exists()
    # the shop keeps the search for its statistics, without the customer
    kept = SearchQuery.objects.get(query="Lunch Bag")
    assert kept.user is None and kept.session_key == ""
    # the suppression does not keep the words themselves
    assert "lunch" not in ForgottenItem.objects.get(user=customer).key
    assert "lunch bag" not in _page(logged_in)
    # a search of the same words later is not stored for her (she did not let us remember it
    # again), by either writer
    from duken.catalog.services import record_search
    from duken.privacy import services as privacy
    from duken.privacy.models import Source

    request = make_request(customer)
    privacy.grant(request, [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)
    assert not interactions.record(
        request, Kind.SEARCH, properties={"query": "LUNCH bag", "results": 1}
    )
    record_search(query="LUNCH bag", result_count=1, user=customer, session_key="s2")
    interactions.flush()
    assert not Event.objects.filter(user=customer, properties__query="LUNCH bag").exists()
    assert not SearchQuery.objects.filter(user=customer).exists()
    assert key not in [i.key for i in memory.interests(customer)]


def test_forgetting_a_viewed_product_deletes_its_views(logged_in, customer, shop):
    key = memory.product_key(shop["rake"].pk)
    assert "Garden Rake" in _page(logged_in)

    assert _forget(logged_in, key, follow=True).status_code == 200

    assert not Event.objects.filter(
        user=customer, object_id=shop["rake"].pk, kind=Kind.PRODUCT_VIEW
    )
    assert f'data-key="{key}"' not in _page(logged_in)
    # an order, which the shop must keep, does not bring it back
    order = make_order(user=customer, lines=[(shop["rake"], 1, 0)])
    assert order.lines.get().product == shop["rake"]
    assert key not in [i.key for i in memory.interests(customer)]
    assert f'data-key="{key}"' not in _page(logged_in)


def test_events_still_in_the_buffer_do_not_bring_a_forgotten_product_back(
    customer, shop, make_request
):
    from duken.privacy import services as privacy
    from duken.privacy.models import Source

    request = make_request(customer)
    privacy.grant(request, [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)
    interactions.record(request, Kind.PRODUCT_VIEW, obj=shop["rake"])  # buffered, not written

    assert memory.forget(customer, memory.product_key(shop["rake"].pk))
    interactions.flush()

    # (by content type too: a category may have the same id as the product)
    product_type = ContentType.objects.get_for_model(shop["rake"])
    assert not Event.objects.filter(
        user=customer, content_type=product_type, object_id=shop["rake"].pk
    ).exists()


def test_forgetting_over_htmx_renders_the_sections_again_without_the_item(
    logged_in, customer, shop
):
    response = _forget(logged_in, memory.category_key(shop["garden"].pk), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="memory-sections"')
    assert "Forgotten: Garden." in body
    assert f'data-key="category:{shop["garden"].pk}"' not in body
    assert f'data-key="category:{shop["kitchen"].pk}"' in body


def test_forgetting_facts_clears_the_phone_and_deletes_the_address(logged_in, customer):
    customer.phone = "+7 701 123 45 67"
    customer.save()
    address = customers.add_address(
        customer,
        full_name="Aliya Nurlan",
        phone="+7 701 123 45 67",
        region="Almaty",
        city="Almaty",
        street="Abay 10, flat 5",
    )

    assert _forget(logged_in, "fact:phone", follow=True).status_code == 200
    assert _forget(logged_in, f"address:{address.pk}", follow=True).status_code == 200

    customer.refresh_from_db()
    assert customer.phone == ""
    assert not Address.objects.filter(pk=address.pk).exists()
    page = _page(logged_in)
    assert "+7 701 123 45 67" not in page and "Abay 10" not in page


def test_the_email_address_and_consents_cannot_be_forgotten(logged_in, customer):
    for key in ("fact:email", "consent:analytics"):
        assert _forget(logged_in, key).status_code == 404
    customer.refresh_from_db()
    assert customer.email == "aliya@example.kz"


def test_unsubscribing_withdraws_marketing_consent(logged_in, customer):
    customer.accepts_marketing = True
    customer.save()

    assert _forget(logged_in, "subscription:marketing-email").status_code == 302

    customer.refresh_from_db()
    assert not customer.accepts_marketing
    record = ConsentRecord.objects.get(user=customer)
    assert (record.purpose, record.granted) == (Purpose.MARKETING, False)
    assert "Not subscribed" in _page(logged_in)


def test_forgetting_all_activity_keeps_the_orders(logged_in, customer, shop):
    order = make_order(user=customer, lines=[(shop["kettle"], 1, 0)])
    _event(customer, Kind.ORDER_PLACED, order, total="1000", currency="KZT")

    assert _forget(logged_in, "activity:all").status_code == 302

    assert list(Event.objects.filter(user=customer).values_list("kind", flat=True)) == [
        Kind.ORDER_PLACED
    ]
    interests = {i.key: i for i in memory.interests(customer)}
    assert interests[memory.product_key(shop["kettle"].pk)].counts == {"bought": 1}
    # the wish is recorded, so views still buffered in another worker are not written later
    assert memory.is_forgotten(customer, "activity:all")


def test_forged_keys_of_another_customer_do_nothing(logged_in, customer, other_customer, shop):
    # given: Daulet's address, search and product view
    address = customers.add_address(
        other_customer,
        full_name="Daulet Seitkali",
        phone="+7 702 000 11 22",
        region="Astana",
        city="Astana",
        street="Kabanbay batyr 5",
    )
    fishing = make_product(name="Fishing Rod", slug="fishing-rod")
    view = _event(other_customer, Kind.PRODUCT_VIEW, fishing)
    search = _event(other_customer, Kind.SEARCH, query="fishing rod", results=1)

    # when Aliya posts keys naming his data, or keys that make no sense
    for key in (
        f"address:{address.pk}",
        memory.product_key(fishing.pk),
        memory.search_key("fishing rod"),
        f"event:{view.pk}",
        "address:abc",
        "",
        "x" * 5000,
        "fact:password",
    ):
        assert _forget(logged_in, key).status_code == 404, key

    # then nothing of his changed, and nothing was stored for her
    assert Address.objects.filter(pk=address.pk).exists()
    assert Event.objects.filter(pk__in=[view.pk, search.pk]).count() == 2
    assert not ForgottenItem.objects.exists()


def test_forgetting_needs_a_post_and_a_login(client, logged_in, customer):
    assert logged_in.get(reverse("privacy:forget"), {"key": "fact:phone"}).status_code == 405
    logged_in.logout()
    response = client.post(reverse("privacy:forget"), {"key": "fact:phone"})
    assert response.status_code == 302
    assert reverse("storefront:login") in response["Location"]


def test_forgetting_tells_caches_and_listeners(customer, shop):
    seen = []

    def listener(sender, user, key, **kwargs):
        seen.append((user.pk, key))

    memory.item_forgotten.connect(listener)
    try:
        before = memory.memory_version(customer)
        key = memory.product_key(shop["kettle"].pk)
        assert memory.forget(customer, key)
    finally:
        memory.item_forgotten.disconnect(listener)
    assert memory.memory_version(customer) != before
    assert seen == [(customer.pk, key)]
    # forgetting it again finds nothing to forget
    assert not memory.forget(customer, key)

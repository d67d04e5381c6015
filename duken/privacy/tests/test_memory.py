"""The "What we remember about you" page and the memory service behind it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from duken.catalog.models import SearchQuery
from duken.customers import services as customers
from duken.interactions.models import Event, Kind
from duken.privacy import memory
from duken.privacy import services as privacy
from duken.privacy.models import ForgottenItem, Purpose, Source
from duken.testing.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def _event(user, kind, obj=None, **properties):
    fields = {}
    if obj is not None:
        fields = {
            "content_type": ContentType.objects.get_for_model(obj),
            "object_id": obj.pk,
        }
    return Event.objects.create(user=user, kind=kind, properties=properties, **fields)


@pytest.fixture
def kitchen():
    return make_category(slug="kitchen", name="Kitchen", name_ru="Кухня", name_kk="Ас үй")


@pytest.fixture
def history(customer, kitchen):
    """Aliya viewed three kitchen products (one of them twice), put one in her cart, opened
    the category, and searched for "lunch bag" three times."""
    kettle = make_product(name="Copper Kettle", slug="copper-kettle", category=kitchen)
    bag = make_product(name="Felt Lunch Bag", slug="felt-lunch-bag", category=kitchen)
    board = make_product(name="Oak Board", slug="oak-board", category=kitchen)
    for product in (kettle, kettle, bag, board):
        _event(customer, Kind.PRODUCT_VIEW, product)
    _event(customer, Kind.CART_ADD, bag, line_quantity=1)
    _event(customer, Kind.CATEGORY_VIEW, kitchen, sort="popular")
    for query in ("lunch bag", "Lunch  Bag", "lunch bag"):
        _event(customer, Kind.SEARCH, query=query, results=1)
    return {"kettle": kettle, "bag": bag, "board": board}


def _keys(items):
    return [item.key for item in items]


def test_the_page_requires_login(client):
    response = client.get(reverse("privacy:memory"))
    assert response.status_code == 302
    assert reverse("storefront:login") in response["Location"]


def test_facts_list_the_profile_and_addresses_with_reasons_and_actions(customer):
    # given
    customer.first_name, customer.phone = "Aliya", "+7 701 123 45 67"
    customer.save()
    address = customers.add_address(
        customer,
        full_name="Aliya Nurlan",
        phone="+7 701 123 45 67",
        region="Almaty",
        city="Almaty",
        street="Abay 10, flat 5",
    )
    # when
    facts = memory.by_section(memory.remembered(customer))[memory.Section.FACTS]
    # then
    by_key = {item.key: item for item in facts}
    assert set(by_key) == {"fact:name", "fact:email", "fact:phone", f"address:{address.pk}"}
    assert by_key["fact:phone"].value == "+7 701 123 45 67"
    assert by_key["fact:phone"].forgettable
    assert by_key["fact:phone"].correct_url == reverse("privacy:profile")
    assert not by_key["fact:email"].forgettable  # the log-in itself
    assert by_key[f"address:{address.pk}"].correct_url == reverse(
        "storefront:address_edit", args=[address.pk]
    )
    assert all(item.reason for item in facts)


def test_interests_come_with_counts_and_a_plain_reason(customer, history, kitchen):
    interests = {i.key: i for i in memory.interests(customer)}

    kitchen_interest = interests[memory.category_key(kitchen.pk)]
    assert kitchen_interest.counts == {"viewed": 3, "carted": 1, "opened": 1}
    assert "You viewed 3 products in Kitchen." in kitchen_interest.reason
    assert "You added 1 product from Kitchen to your cart." in kitchen_interest.reason
    search = interests[memory.search_key("lunch bag")]
    assert search.reason == "You searched for “lunch bag” 3 times."
    kettle = interests[memory.product_key(history["kettle"].pk)]
    assert kettle.reason == "You viewed it 2 times."
    # strongest first: the category gathers every signal of its products
    assert memory.interests(customer)[0].key == memory.category_key(kitchen.pk)


def test_bought_products_count_from_orders(customer, kitchen):
    from duken.testing.factories import make_order

    product = make_product(name="Copper Kettle", category=kitchen)
    make_order(user=customer, lines=[(product, 1, 0)])
    make_order(user=customer, lines=[(product, 3, 0)])

    interest = {i.key: i for i in memory.interests(customer)}[memory.product_key(product.pk)]

    assert interest.counts == {"bought": 2}
    assert interest.reason == "You bought it 2 times."


def test_a_search_kept_in_the_event_log_and_the_search_log_counts_once(customer):
    _event(customer, Kind.SEARCH, query="thermos", results=2)
    SearchQuery.objects.create(query="thermos", normalized="thermos", result_count=2, user=customer)

    search = {i.key: i for i in memory.interests(customer)}[memory.search_key("thermos")]

    assert search.counts == {"searched": 1}


def test_the_page_shows_every_section_in_english_russian_and_kazakh(client, customer, history):
    client.force_login(customer)
    privacy.grant(_request_for(customer), [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)

    page = client.get(reverse("privacy:memory")).content.decode()

    for text in (
        "What you told us",
        "Your interests",
        "Recent activity",
        "Your consents",
        "Subscriptions",
        "You viewed 3 products in Kitchen.",
        "You searched for “lunch bag” 3 times.",
        "Copper Kettle",
        "Personalization is off",
        reverse("privacy:account"),
    ):
        assert text in page
    for language in ("ru", "kk"):
        client.cookies["django_language"] = language
        response = client.get(reverse("privacy:memory"), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response.headers["Content-Language"] == language


def _request_for(user):
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user, request.session = user, SessionStore()
    return request


def test_consents_show_each_purpose_with_its_state_and_wording(customer):
    privacy.grant(_request_for(customer), [Purpose.ANALYTICS], source=Source.ACCOUNT_PAGE)

    consents = {
        item.key: item
        for item in memory.by_section(memory.remembered(customer))[memory.Section.CONSENTS]
    }

    assert set(consents) == {"consent:analytics", "consent:personalization", "consent:marketing"}
    assert consents["consent:analytics"].value.startswith("Granted on")
    assert "2026-11" in consents["consent:analytics"].value
    assert consents["consent:analytics"].correct_url == reverse("privacy:account")
    assert not any(item.forgettable for item in consents.values())


def test_a_customer_never_sees_another_customers_memory(client, customer, other_customer, history):
    # given: Daulet has his own address and search
    address = customers.add_address(
        other_customer,
        full_name="Daulet Seitkali",
        phone="+7 702 000 11 22",
        region="Astana",
        city="Astana",
        street="Kabanbay batyr 5",
    )
    _event(other_customer, Kind.SEARCH, query="fishing rod", results=0)
    client.force_login(other_customer)

    # when
    page = client.get(reverse("privacy:memory")).content.decode()

    # then: his own, never Aliya's
    assert "Kabanbay batyr 5" in page and "fishing rod" in page
    assert "lunch bag" not in page and "Copper Kettle" not in page
    assert "aliya@example.kz" not in page
    assert all(
        not item.key.startswith("address:") or item.key == f"address:{address.pk}"
        for item in memory.remembered(other_customer)
    )


def test_forgotten_keys_cost_one_query_per_request(customer, django_assert_num_queries):
    ForgottenItem.objects.create(user=customer, key="product:1")
    user = get_user_model().objects.get(pk=customer.pk)

    with django_assert_num_queries(1):
        assert memory.is_forgotten(user, "product:1")
        assert not memory.is_forgotten(user, "product:2")
        assert memory.forgotten_keys(user) == {"product:1"}


def test_a_long_history_shows_the_strongest_interests_and_the_rest_on_request(client, customer):
    # given: 25 products viewed, the first ones more often
    products = [make_product(name=f"Felt Slipper {n:02d}") for n in range(25)]
    for n, product in enumerate(products):
        for _ in range(26 - n):
            _event(customer, Kind.PRODUCT_VIEW, product)
    client.force_login(customer)
    keys = [i.key for i in memory.by_section(memory.remembered(customer))["interests"]]
    assert len(keys) == 50  # each product and its category

    # when / then
    page = client.get(reverse("privacy:memory")).content.decode()
    assert page.count('data-key="product:') == 20 + 12  # the strongest and recent activity
    assert "Show 30 more" in page
    everything = client.get(reverse("privacy:memory"), {"show": "all"}).content.decode()
    assert all(f'data-key="{key}"' in everything for key in keys)
    assert "Show 30 more" not in everything


def test_a_failing_provider_is_logged_and_the_rest_still_shows(client, customer, caplog):
    def broken(user, forgotten):
        raise RuntimeError("the provider's table is missing")
        yield  # pragma: no cover

    memory.register_provider(memory.Section.FACTS, broken, name="broken")
    try:
        client.force_login(customer)
        response = client.get(reverse("privacy:memory"))
    finally:
        memory._providers.pop("broken")
    assert response.status_code == 200
    assert "aliya@example.kz" in response.content.decode()
    assert "remembered items could not be listed" in caplog.text


def test_another_app_adds_items_that_can_be_forgotten(customer):
    told = {"size": "Shoe size 38"}

    def what_you_told_us(user, forgotten):
        for key, text in told.items():
            yield memory.Item(
                key=f"told:{key}",
                section=memory.Section.FACTS,
                title=text,
                reason="You told us in a chat.",
                forgettable=True,
            )

    def forget_told(user, key):
        told.pop(key.split(":", 1)[1])

    memory.register_provider(
        memory.Section.FACTS, what_you_told_us, name="told", prefix="told", forget=forget_told
    )
    try:
        assert "told:size" in [item.key for item in memory.remembered(customer)]
        assert memory.forget(customer, "told:size")
        assert told == {}
        assert "told:size" not in [item.key for item in memory.remembered(customer)]
    finally:
        memory._providers.pop("told")
        memory._forgetters.pop("told")


def test_what_a_customer_typed_is_shown_escaped(client, customer):
    for _ in range(2):
        _event(customer, Kind.SEARCH, query='<script>alert("x")</script>', results=0)
    client.force_login(customer)

    page = client.get(reverse("privacy:memory")).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_page_costs_the_same_queries_for_a_short_and_a_long_history(client, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(customer)
    kitchen = make_category(name="Kitchen")

    def browse(count):
        for n in range(count):
            product = make_product(name=f"Thing {n}", category=kitchen)
            _event(customer, Kind.PRODUCT_VIEW, product)
            _event(customer, Kind.CART_ADD, product, line_quantity=1)
            _event(customer, Kind.SEARCH, query=f"thing {n}", results=1)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("privacy:memory")).status_code == 200
        # PostgreSQL also wraps each provider in a savepoint, which reads nothing
        return len([q for q in captured if "SAVEPOINT" not in q["sql"]])

    # each first request after new products also rebuilds the cached category menu
    browse(2)
    queries()
    short = queries()
    browse(40)
    queries()
    assert queries() == short
    assert short <= 25

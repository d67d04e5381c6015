from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from duken.catalog import services
from duken.catalog.models import Category, Product, SearchQuery

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(make_product, make_category):
    cups = make_category("Mugs & Cups", slug="mugs-cups")
    bags = make_category("Bags", slug="bags")
    products = [
        make_product("Alpha Mug", categories=[cups], price=Decimal("500"), popularity=30),
        make_product("Beta Mug", categories=[cups], price=Decimal("1500"), popularity=10),
        make_product("Gamma Mug", categories=[cups], price=Decimal("1000"), popularity=20),
        make_product("Delta Bag", categories=[bags, cups], price=Decimal("2500"), popularity=5),
        make_product("Hidden Mug", categories=[cups], price=Decimal("700"), is_active=False),
    ]
    services.refresh_category_counts()
    return {"cups": cups, "bags": bags, "products": products}


def names(page):
    return [p.name for p in page.object_list]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("popular", ["Alpha Mug", "Gamma Mug", "Beta Mug", "Delta Bag"]),
        ("price", ["Alpha Mug", "Gamma Mug", "Beta Mug", "Delta Bag"]),
        ("-price", ["Delta Bag", "Beta Mug", "Gamma Mug", "Alpha Mug"]),
        ("name", ["Alpha Mug", "Beta Mug", "Delta Bag", "Gamma Mug"]),
        ("nonsense", ["Alpha Mug", "Gamma Mug", "Beta Mug", "Delta Bag"]),
    ],
)
def test_listing_sorts(shelf, sort, expected):
    # when
    page = services.list_products(category=shelf["cups"], sort=sort)

    # then
    assert names(page) == expected


def test_listing_new_first(shelf, make_product):
    # given: make_product dates each product a day before the previous one
    newest = shelf["products"][0]

    # when
    page = services.list_products(sort="new")

    # then
    assert names(page)[0] == newest.name


def test_listing_filters_by_category_slug_and_price(shelf):
    # when
    bags = services.list_products(category="bags")
    middle = services.list_products(category=shelf["cups"], min_price="900", max_price=2000)

    # then
    assert names(bags) == ["Delta Bag"]
    assert set(names(middle)) == {"Gamma Mug", "Beta Mug"}


def test_listing_ignores_prices_that_are_not_numbers(shelf):
    # when
    page = services.list_products(min_price="cheap", max_price="NaN")

    # then
    assert page.paginator.count == 4


def test_listing_pages_clamp(shelf):
    # when
    second = services.list_products(per_page=3, page=2)
    beyond = services.list_products(per_page=3, page=999)
    junk = services.list_products(per_page=3, page="abc")

    # then
    assert second.number == beyond.number == 2
    assert names(beyond) == ["Delta Bag"]
    assert junk.number == 1


def test_listing_costs_two_queries_whatever_the_page_size(
    shelf, make_product, django_assert_num_queries
):
    # given
    for n in range(30):
        make_product(f"Extra Mug {n}", categories=[shelf["cups"]])

    # when / then
    with django_assert_num_queries(2):
        page = services.list_products(category=shelf["cups"], per_page=24)
        [(p.name, p.primary_category.name, p.price) for p in page.object_list]


def test_get_product_only_finds_active_products(shelf):
    # when / then
    assert services.get_product(shelf["products"][0].slug).name == "Alpha Mug"
    with pytest.raises(Product.DoesNotExist):
        services.get_product(shelf["products"][4].slug)
    with pytest.raises(Product.DoesNotExist):
        services.get_product("no-such-product")


def test_home_sections(shelf, make_product):
    # given
    make_product("Sold Out Mug", categories=[shelf["cups"]], stock=0, popularity=999)

    # when
    sections = services.home_sections(limit=2)

    # then
    assert len(sections["new"]) == 2
    assert [p.name for p in sections["popular"]] == ["Alpha Mug", "Gamma Mug"]
    assert {c.slug for c in sections["categories"]} == {"mugs-cups", "bags"}


def test_category_counts_count_active_products_only(shelf):
    # when
    services.refresh_category_counts()

    # then
    assert Category.objects.get(slug="mugs-cups").product_count == 4
    assert Category.objects.get(slug="bags").product_count == 1


def test_taking_products_off_sale_updates_counts_and_search(shelf):
    # given
    from duken.catalog.search import search

    # when
    services.set_products_active(Product.objects.filter(name="Delta Bag"), False)

    # then
    assert Category.objects.get(slug="bags").product_count == 0
    assert search("delta").total == 0


def test_every_search_is_recorded(shelf):
    # when
    services.record_search(
        query="  Haert  MUG ", result_count=0, user=AnonymousUser(), session_key="s" * 80
    )

    # then
    recorded = SearchQuery.objects.get()
    assert recorded.normalized == "haert mug"
    assert recorded.result_count == 0
    assert recorded.user is None
    assert len(recorded.session_key) == 64

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duken.catalog.models import Category, Product, ProductImage, SearchQuery
from duken.interactions import buffer


@pytest.mark.django_db
def test_home_page_shows_new_popular_and_categories(client, small_catalog):
    # when
    response = client.get("/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Heart Tealight Candle" in html
    assert "Red Spotty Mug" in html
    assert reverse("storefront:category", args=["mugs"]) in html
    assert 'id="cart-count"' in html
    assert "htmx" in html and "X-CSRFToken" in html


@pytest.mark.django_db
def test_home_page_query_count_is_small_and_cached_fragments_skip_queries(
    client, small_catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200
    # the product sections come from the fragment cache on the next visit
    with django_assert_max_num_queries(2):
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_products_without_photos_get_an_accessible_svg_placeholder(client, small_catalog):
    html = client.get("/p/m-001/").content.decode()
    assert '<svg class="ph ph-large"' in html
    assert 'aria-label="Red Spotty Mug"' in html
    assert "<img" not in html.split('class="product-media"')[1].split("</div>")[0]


@pytest.mark.django_db
def test_category_page_lists_sorts_and_paginates(client, small_catalog):
    # when
    response = client.get("/c/mugs/?sort=price")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    positions = [html.index(n) for n in ("Red Spotty Mug", "Blue Polkadot Mug", "Vintage Paisley")]
    assert positions == sorted(positions)
    assert "Candle" not in html.split('class="grid"')[1]
    descending = client.get("/c/mugs/?sort=-price").content.decode()
    assert descending.index("Vintage Paisley") < descending.index("Red Spotty Mug")


@pytest.mark.django_db
def test_category_price_filter(client, small_catalog):
    html = client.get("/c/mugs/?min_price=1300&max_price=2000").content.decode()
    grid = html.split('class="grid"')[1]
    assert "Blue Polkadot Mug" in grid
    assert "Red Spotty Mug" not in grid and "Vintage Paisley" not in grid


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "min_price=abc",
        "max_price=-5",
        "min_price=1e400",
        "max_price=NaN",
        "min_price=99999999999999999",
        "sort=drop+table",
        "page=-3",
        "page=abc",
        "page=999999",
        "min_price=3000&max_price=1000",
    ],
)
def test_category_page_ignores_bad_filters_with_a_message(client, small_catalog, query):
    response = client.get(f"/c/mugs/?{query}")
    assert response.status_code == 200
    assert "Blue Polkadot Mug" in response.content.decode() or "page" in query


@pytest.mark.django_db
def test_bad_price_shows_a_message(client, small_catalog):
    html = client.get("/c/mugs/?min_price=abc").content.decode()
    assert 'class="alert alert-error"' in html


@pytest.mark.django_db
def test_category_page_query_count_is_constant(
    client, small_catalog, django_assert_max_num_queries
):
    # given more products than one page holds
    mugs = small_catalog["mugs"]
    base = small_catalog["products"][0]
    for i in range(40):
        p = Product.objects.create(
            sku=f"X-{i}",
            slug=f"x-{i}",
            name=f"Extra Mug {i}",
            primary_category=mugs,
            price=100 + i,
            stock=5,
            created_at=base.created_at,
        )
        p.categories.add(mugs)
    # when / then
    with django_assert_max_num_queries(7):
        response = client.get("/c/mugs/?page=2")
    assert response.status_code == 200
    assert 'aria-current="page">2<' in response.content.decode()


@pytest.mark.django_db
def test_product_page_shows_everything_a_buyer_needs(client, small_catalog):
    # when
    response = client.get("/p/m-002/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Blue Polkadot Mug" in html
    assert "M-002" in html
    assert "1\u00a0500\u00a0₸" in html
    assert "Only 3 left" in html or "3" in html.split('class="stock')[1][:80]
    assert reverse("storefront:cart_add") in html
    assert 'name="product_id"' in html and 'name="quantity"' in html
    assert 'hx-post="/cart/add/"' in html
    assert "Red Spotty Mug" in html.split("related-title")[-1]  # related, same category


@pytest.mark.django_db
def test_product_page_links_its_active_categories_in_the_visitors_language(client, small_catalog):
    # given: the mug is also a gift, and listed under a hidden season category
    mug = small_catalog["products"][0]
    gifts = Category.objects.create(slug="gifts", name="Gifts", name_ru="Подарки", position=500)
    hidden = Category.objects.create(slug="easter", name="Easter", is_active=False)
    mug.categories.add(gifts, hidden)
    # when
    html = client.get("/p/m-001/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # then
    tags = html.split('class="tags"')[1].split("</ul>")[0]
    assert tags.index(">Кружки<") < tags.index(">Подарки<")
    assert "easter" not in tags
    # and a category renamed later shows under its new name
    gifts.name_ru = "Подарки и сувениры"
    gifts.save()
    html = client.get("/p/m-001/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert ">Подарки и сувениры<" in html.split('class="tags"')[1].split("</ul>")[0]


@pytest.mark.django_db
def test_product_page_out_of_stock_says_when_it_ships(client, small_catalog):
    html = client.get("/p/m-003/").content.decode()
    assert "stock-wait" in html
    assert "10" in html.split('class="stock')[1][:160]


@pytest.mark.django_db
def test_product_page_out_of_stock_without_backorder_has_no_buy_button(client, small_catalog):
    Product.objects.filter(sku="M-003").update(allow_backorder=False)
    html = client.get("/p/m-003/").content.decode()
    assert "stock-out" in html
    assert 'name="product_id"' not in html


@pytest.mark.django_db
def test_product_page_query_count(client, small_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/p/c-001/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/p/no-such-thing/", "/c/no-such-category/", "/p/%20/"])
def test_unknown_slugs_give_a_styled_404(client, small_catalog, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "error-code" in response.content.decode()


@pytest.mark.django_db
def test_inactive_product_and_category_are_404(client, small_catalog):
    Product.objects.filter(sku="M-001").update(is_active=False)
    Category.objects.filter(slug="candles").update(is_active=False)
    assert client.get("/p/m-001/").status_code == 404
    assert client.get("/c/candles/").status_code == 404


@pytest.mark.django_db
def test_search_finds_products_and_records_the_query(client, small_catalog):
    # when
    response = client.get("/search/?q=candle")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "White Vanilla Candle" in html and "Heart Tealight Candle" in html
    assert "Red Spotty Mug" not in html.split('class="grid"')[1]
    assert not SearchQuery.objects.exists()  # written with the next batch, not by the page
    buffer.flush()
    recorded = SearchQuery.objects.get()
    assert (recorded.query, recorded.result_count) == ("candle", 2)


@pytest.mark.django_db
def test_search_with_no_results_says_so_offers_alternatives_and_is_recorded(client, small_catalog):
    # when
    response = client.get("/search/?q=zzqxv")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing found" in html
    assert "Popular in the shop" in html  # fallback products
    buffer.flush()
    recorded = SearchQuery.objects.get()
    assert recorded.result_count == 0 and recorded.normalized == "zzqxv"


@pytest.mark.django_db
def test_who_searched_is_kept_only_with_analytics_consent(client, small_catalog):
    customer = get_user_model().objects.create_user("aliya@example.kz", "Steppe-Winds-2026")
    client.force_login(customer)
    client.get("/search/?q=candle")
    buffer.flush()
    anonymous = SearchQuery.objects.get()
    assert (anonymous.user, anonymous.session_key) == (None, "")
    assert anonymous.query == "candle"  # the search itself is still counted
    client.post("/privacy/consent/", {"choice": "all", "next": "/"})
    client.get("/search/?q=mug")
    buffer.flush()
    personal = SearchQuery.objects.get(query="mug")
    assert personal.user == customer and personal.session_key


@pytest.mark.django_db
def test_search_query_count(client, small_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/search/?q=mug").status_code == 200


@pytest.mark.django_db
def test_empty_search_shows_the_form_and_records_nothing(client, small_catalog):
    response = client.get("/search/?q=++")
    assert response.status_code == 200
    assert not SearchQuery.objects.exists()


@pytest.mark.django_db
def test_menu_lists_categories_in_the_active_language(client, small_catalog, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    assert "Саптыаяқтар" in client.get("/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert "Кружки" in client.get("/").content.decode()


@pytest.mark.django_db
def test_product_with_a_photo_shows_its_thumbnail_in_listings(client, small_catalog):
    # given a product with an uploaded photo and its thumbnail
    product = small_catalog["products"][0]
    ProductImage.objects.create(
        product=product,
        image="products/M-001/photo.jpg",
        thumbnail="products/thumbs/M-001.jpg",
        alt="A red mug with white spots",
    )
    # when
    html = client.get("/c/mugs/").content.decode()
    # then
    assert '<img class="pimg pimg-card" src="/media/products/thumbs/M-001.jpg"' in html
    assert 'alt="A red mug with white spots"' in html
    page = client.get("/p/m-001/").content.decode()
    assert 'src="/media/products/M-001/photo.jpg"' in page


def test_placeholder_is_deterministic_and_escapes_the_name():
    from duken.catalog.tiles import placeholder_svg

    first = placeholder_svg("SKU-1", 'Mug <b>"Best"</b>')
    assert first == placeholder_svg("SKU-1", 'Mug <b>"Best"</b>')
    assert "<b>" not in first and "&lt;b&gt;" in first
    assert placeholder_svg("SKU-2", "Mug") != placeholder_svg("SKU-3", "Mug")


def test_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "500" in html and "Duken" in html


@pytest.mark.django_db
def test_product_page_caches_the_product_but_never_the_visitors_csrf_token(
    small_catalog, django_assert_max_num_queries
):
    from django.test import Client

    # given two visitors
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    one = token.search(first.get("/p/c-001/").content.decode()).group(1)
    # when the second visitor sees the page from the fragment cache
    with django_assert_max_num_queries(3):
        html = second.get("/p/c-001/").content.decode()
    # then their form carries their own token, and adding to the cart works without js
    two = token.search(html).group(1)
    assert one != two
    product = small_catalog["products"][3]
    response = second.post(
        "/cart/add/", {"csrfmiddlewaretoken": two, "product_id": product.pk, "quantity": 1}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_product_page_shows_a_new_stock_level_at_once(client, small_catalog):
    assert "In stock" in client.get("/p/c-001/").content.decode()
    Product.objects.filter(sku="C-001").update(stock=2)
    assert "Only 2 left in stock" in client.get("/p/c-001/").content.decode()

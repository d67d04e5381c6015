"""Serving: never an unavailable product, non-personal fallbacks for unknown products and
customers (never a 500), cold start before any training, and a small, fixed number of queries."""

import pytest
from django.core.cache import cache

from duken.recommendations import services, serving, training
from duken.testing.accounts import login_verified
from duken.testing.factories import make_product

from . import shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained():
    data = shop.build()
    training.train(ranker=False)
    return data


def _names(widgets):
    return {item.product.name for widget in widgets for item in widget.items}


def test_unavailable_products_are_never_recommended(trained):
    # given: the plate is sold out (no backorders), the cakestand is taken off sale, the green
    # teacup is deleted; the holder is sold out but can be ordered
    p = trained["products"]
    p["plate"].stock, p["plate"].allow_backorder = 0, False
    p["plate"].save()
    p["cakestand"].is_active = False
    p["cakestand"].save()
    p["green_teacup"].delete()
    p["holder"].stock, p["holder"].allow_backorder = 0, True
    p["holder"].save()
    gone = {"Pink Regency Tea Plate", "Regency Cakestand", "Green Regency Teacup"}
    # when / then: product page, basket, personal lists, e-mails
    assert not _names(services.product_widgets(p["teacup"])) & gone
    assert not _names([serving.basket_widget([(p["teacup"].pk, "Pink Regency Teacup")])]) & gone
    daulet = trained["customers"]["daulet"]
    items = serving.personal_or_popular(daulet, 10, personalized=True)
    assert items and not {item.product.name for item in items} & gone
    assert not {product.name for product, _r in services.recommend_for_email(daulet, 10)} & gone
    # a backorderable product still is
    assert "Heart Tealight Holder" in _names(services.product_widgets(p["candle"]))


def test_stock_changes_show_at_once_despite_cached_lists(trained):
    p = trained["products"]
    assert "Pink Regency Tea Plate" in _names(services.product_widgets(p["teacup"]))
    # The lists are cached now; a stock reservation sends no signal.
    from duken.catalog.models import Product

    Product.objects.filter(pk=p["plate"].pk).update(stock=0, allow_backorder=False)
    assert "Pink Regency Tea Plate" not in _names(services.product_widgets(p["teacup"]))


def test_a_changed_product_shows_its_new_name_and_price(trained):
    # given: the plate has been shown, so this process holds it loaded
    p = trained["products"]
    plate = next(
        item.product
        for widget in services.product_widgets(p["teacup"])
        for item in widget.items
        if item.product.pk == p["plate"].pk
    )
    assert plate.name == "Pink Regency Tea Plate"
    # when: staff rename it and change its price
    p["plate"].name, p["plate"].price = "Pink Regency Side Plate", p["plate"].price + 100
    p["plate"].save()
    # then: the next page shows the product as it is now
    shown = next(
        item.product
        for widget in services.product_widgets(p["teacup"])
        for item in widget.items
        if item.product.pk == p["plate"].pk
    )
    assert (shown.name, shown.price) == ("Pink Regency Side Plate", p["plate"].price)


def test_unknown_product_endpoint_gives_best_sellers(client, trained):
    for ref in ("no-such-product", "999999", "%20", "x" * 300, "%C2%B2", "9" * 40):
        response = client.get(f"/recommendations/product/{ref}/")
        assert response.status_code == 200
        body = response.json()
        assert body["product"] is None
        assert body["widgets"][0]["items"], ref


def test_product_endpoint_gives_lists_with_reasons(client, trained):
    body = client.get("/recommendations/product/pink-teacup/?limit=abc").json()
    names = {w["name"]: [i["name"] for i in w["items"]] for w in body["widgets"]}
    assert names["bought-together"][0] == "Pink Regency Tea Plate"
    assert all(i["reason"] for w in body["widgets"] for i in w["items"] if w["name"] == "similar")


def test_unknown_customer_gives_the_non_personal_fallback(client, trained, admin_user):
    login_verified(client, admin_user)
    for ref in ("424242", "nobody", "-1", "9" * 40):
        response = client.get(f"/recommendations/customer/{ref}/")
        assert response.status_code == 200, ref
        body = response.json()
        assert body["customer"] is None and body["personalized"] is False
        assert body["items"]
    assert client.get("/staff/recommendations/customer/424242/").status_code == 404
    assert services.recommendations_for_customer(None).items


def test_cold_start_before_any_training(client):
    # given: a shop that was never trained
    data = shop.build()
    p = data["products"]
    # then: a product page shows its category's best sellers, the home page works
    widgets = services.product_widgets(p["teacup"])
    assert [w.name for w in widgets] == ["similar"]
    assert _names(widgets) <= {
        "Pink Regency Tea Plate",
        "Green Regency Teacup",
        "Regency Cakestand",
    }
    assert widgets[0].items[0].reason == "More from Tea time"
    assert client.get("/").status_code == 200
    assert len(services.recommend_for_email(data["customers"]["aliya"], 3)) == 3


def test_a_brand_new_product_gets_similar_products_before_any_history(trained):
    p = trained["products"]
    new = make_product(name="Rose Regency Teacup", category=p["teacup"].primary_category)
    names = [item.product.name for item in services.product_widgets(new)[0].items]
    assert {"Pink Regency Teacup", "Green Regency Teacup"} <= set(names)


def test_widgets_survive_a_broken_list(client, trained):
    # A malformed stored row must not take the product page down.
    from duken.recommendations.models import ProductNeighbours

    p = trained["products"]
    ProductNeighbours.objects.filter(pk=p["teacup"].pk).update(bought=[["x", "y"]])
    cache.clear()
    response = client.get("/p/pink-teacup/")
    assert response.status_code == 200
    assert "Add to cart" in response.content.decode()


def test_product_widgets_cost_one_query_once_cached(trained, django_assert_num_queries):
    p = trained["products"]
    services.product_widgets(p["teacup"], limit=1)
    # the stored lists come from the cache; one query loads what can be bought now
    with django_assert_num_queries(1):
        widgets = services.product_widgets(p["teacup"], limit=1)
    assert [len(w.items) for w in widgets] == [1, 1]


def test_home_widgets_for_a_personalized_customer_cost_few_queries(trained, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duken.privacy import services as privacy
    from duken.privacy.models import Purpose, Source
    from duken.testing.factories import session_request

    aliya = trained["customers"]["aliya"]
    request = session_request(aliya)
    privacy.grant(request, [Purpose.PERSONALIZATION], source=Source.ACCOUNT_PAGE)
    request = session_request(aliya)
    with CaptureQueriesContext(connection) as queries:
        widgets = services.home_widgets(request)
    assert widgets[0].name == "for-you"
    # consent, the stored list, recently viewed, the products, what she asked to forget
    assert len(queries) <= 6


def test_a_product_the_customer_forgot_is_not_offered_back_as_a_best_seller(trained):
    from duken.privacy.models import ForgottenItem

    saule, daulet = trained["customers"]["saule"], trained["customers"]["daulet"]
    best = serving.personal_or_popular(None, 10, personalized=False)[0].product
    # when: Saule asks the shop to forget the best seller
    ForgottenItem.objects.create(user=saule, key=f"product:{best.pk}")
    # then: no list made for her offers it, personal or not (e-mails, the staff view)
    for personalized in (True, False):
        shown = serving.personal_or_popular(saule, 10, personalized=personalized)
        assert shown and best.pk not in {item.product.pk for item in shown}
    assert best.pk not in {p.pk for p, _reason in services.recommend_for_email(saule, 10)}
    assert best.pk not in {i.product.pk for i in services.recommendations_for_customer(saule).items}
    # while other customers still see it
    assert best.pk in {
        item.product.pk for item in serving.personal_or_popular(daulet, 10, personalized=False)
    }

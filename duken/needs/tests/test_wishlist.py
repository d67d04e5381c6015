import pytest
from django.urls import reverse

from duken.needs import services
from duken.needs.models import WishlistItem
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db


def test_saving_twice_keeps_one_entry_and_removing_only_touches_ones_own(shopper, other):
    product = make_product(name="Wool Scarf")
    _item, created = services.add_to_wishlist(shopper, product)
    _again, created_again = services.add_to_wishlist(shopper, product)
    services.add_to_wishlist(other, product)
    assert created and not created_again
    assert WishlistItem.objects.filter(customer=shopper).count() == 1
    assert services.remove_from_wishlist(shopper, product.pk)
    assert not services.remove_from_wishlist(shopper, product.pk)
    assert list(WishlistItem.objects.values_list("customer", flat=True)) == [other.pk]


def test_the_buttons_and_the_account_page(client, shopper, other):
    product = make_product(name="Wool Scarf", stock=3)
    services.add_to_wishlist(other, make_product(name="Someone Else's Lamp"))
    client.force_login(shopper)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Save to wishlist" in page
    response = client.post(
        reverse("needs:wishlist_add", args=[product.pk]), {"next": "//evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'data-needs="saved"' in page
    mine = client.get(reverse("needs:wishlist")).content.decode()
    assert "Wool Scarf" in mine and "Someone Else" not in mine
    client.post(reverse("needs:wishlist_remove", args=[product.pk]))
    assert not WishlistItem.objects.filter(customer=shopper).exists()
    assert WishlistItem.objects.filter(customer=other).exists()


@pytest.mark.parametrize("next_value", ["-1", "nan", "storefront:account"])
def test_save_and_unsave_with_a_next_that_is_not_a_path_go_to_their_usual_pages(
    client, shopper, next_value
):
    # given
    product = make_product(name="Wool Scarf", stock=3)
    client.force_login(shopper)
    # when
    saved = client.post(reverse("needs:wishlist_add", args=[product.pk]), {"next": next_value})
    removed = client.post(reverse("needs:wishlist_remove", args=[product.pk]), {"next": next_value})
    # then
    assert saved.status_code == 302 and saved["Location"] == product.get_absolute_url()
    assert removed.status_code == 302 and removed["Location"] == reverse("needs:wishlist")
    assert not WishlistItem.objects.filter(customer=shopper).exists()


def test_unsaving_a_product_id_too_large_for_the_database_removes_nothing(client, shopper):
    # given
    product = make_product(name="Wool Scarf")
    services.add_to_wishlist(shopper, product)
    client.force_login(shopper)
    # when
    response = client.post(f"/products/{'9' * 40}/unsave/")
    # then
    assert response.status_code == 302 and response["Location"] == reverse("needs:wishlist")
    assert WishlistItem.objects.filter(customer=shopper, product=product).exists()


def test_a_guest_is_sent_to_log_in(client):
    product = make_product()
    response = client.post(reverse("needs:wishlist_add", args=[product.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not WishlistItem.objects.exists()


def test_the_product_page_costs_one_query_for_the_signed_in_state(
    client, shopper, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product = make_product(stock=3)
    client.force_login(shopper)
    client.get(product.get_absolute_url())  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        client.get(product.get_absolute_url())
    ours = [q["sql"] for q in queries if "needs_" in q["sql"]]
    assert len(ours) == 1
    client.logout()
    client.get(product.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(product.get_absolute_url())
    assert not [q for q in queries if "needs_" in q["sql"]]

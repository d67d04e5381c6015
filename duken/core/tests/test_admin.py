"""Every admin page answers a malformed request as the admin answers any bad input."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from duken.core.admin import RobustAdminMixin, RobustFormsMixin
from duken.testing.accounts import login_verified
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    login_verified(client, get_user_model().objects.create_superuser("root@duken.example", "x"))
    return client


def test_every_admin_page_has_the_robust_base():
    # given every model admin of the site, the shop's and the ones Django and the queue bring
    model_admins = admin.site._registry.values()
    inlines = [inline for m in model_admins for inline in m.inlines]
    # then
    assert [type(m).__name__ for m in model_admins if not isinstance(m, RobustAdminMixin)] == []
    assert [i.__name__ for i in inlines if not issubclass(i, RobustFormsMixin)] == []


@pytest.mark.parametrize("view", ["change", "delete"])
def test_an_empty_to_field_is_the_primary_key_on_every_admin_page(staff_client, view):
    # given one product (so a real object is asked for too)
    product = make_product()
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{product.pk}/{view}/"
        # when
        response = staff_client.get(url + "?_to_field=")
        # then the page, a refusal or "no such object": never a server error
        assert response.status_code in (200, 302, 403), url


def test_a_search_of_60000_characters_lists_nothing_instead_of_failing(staff_client):
    # given rows, so SQLite evaluates the search's LIKE patterns
    make_product(name="Red Mug")
    # when
    users = staff_client.get("/admin/customers/user/", {"q": "a" * 60_000})
    products = staff_client.get("/admin/catalog/product/", {"q": "a" * 60_000})
    # then
    assert users.status_code == 200 and products.status_code == 200
    assert products.context["cl"].result_count == 0


def test_the_autocomplete_takes_a_term_of_60000_characters(staff_client):
    # given a category to match against
    make_product()
    # when the product form's category picker asks
    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "term": "a" * 60_000,
            "app_label": "catalog",
            "model_name": "product",
            "field_name": "primary_category",
        },
    )
    # then
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("category", ["abc", "1.5", "\x00", "9" * 40])
def test_a_posted_category_that_can_be_no_key_is_a_form_error(staff_client, category):
    # given a product form whose category is picked with the autocomplete
    product = make_product(name="Red Mug")
    # when its category is posted as something no category's key can be
    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {"name": "Red Mug", "primary_category": category},
    )
    # then the form is shown again with the error, nothing chosen, nothing saved
    assert response.status_code == 200
    assert "primary_category" in response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.primary_category_id is not None


@pytest.mark.parametrize("category", ["abc", "²", "9" * 40])
def test_a_posted_list_of_categories_with_one_that_can_be_no_key_is_a_form_error(
    staff_client, category
):
    # given a product and its categories, chosen from a list
    product = make_product(name="Red Mug")
    first = product.primary_category
    # when the list comes back with a value no category's key can be
    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {"name": "Red Mug", "primary_category": first.pk, "categories": [first.pk, category]},
    )
    # then the form is shown again with the error, nothing saved
    assert response.status_code == 200
    assert "categories" in response.context["adminform"].form.errors
    assert list(product.categories.all()) == [first]

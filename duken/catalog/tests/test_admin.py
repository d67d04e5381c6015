import io

import pytest
from django.urls import reverse
from PIL import Image

from duken.catalog.models import Product, SearchQuery
from duken.customers.models import User
from duken.testing.accounts import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser("admin@duken.example", "a-long-admin-password")
    login_verified(client, admin)
    return client


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), (10, 120, 200)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "photo.png"
    return buffer


def product_form(product, **extra):
    data = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "description": "",
        "is_active": "on",
        "primary_category": product.primary_category_id,
        "categories": [product.primary_category_id],
        "price": "1990",
        "currency": "KZT",
        "stock": "7",
        "allow_backorder": "on",
        "restock_days": "14",
        "weight_grams": "300",
        "created_at_0": "2011-01-10",
        "created_at_1": "10:00:00",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-alt": "",
        "images-0-position": "0",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "name",
    ["catalog_product_changelist", "catalog_category_changelist", "catalog_searchquery_changelist"],
)
def test_catalog_admin_pages_open(staff_client, make_product, name):
    # given
    make_product()
    SearchQuery.objects.create(query="heart", normalized="heart", result_count=1)

    # when
    response = staff_client.get(reverse(f"admin:{name}"))

    # then
    assert response.status_code == 200


def test_admin_filters_out_of_stock(staff_client, make_product):
    # given
    make_product("Sold Out Mug", stock=0)
    make_product("Full Mug", stock=9)

    # when
    response = staff_client.get(reverse("admin:catalog_product_changelist") + "?stock=out")

    # then
    assert b"Sold Out Mug" in response.content and b"Full Mug" not in response.content


def test_admin_upload_stores_image_and_thumbnail(staff_client, make_product):
    # given
    product = make_product()
    url = reverse("admin:catalog_product_change", args=[product.pk])

    # when
    response = staff_client.post(url, product_form(product, **{"images-0-image": png_bytes()}))

    # then
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    product.refresh_from_db()
    assert product.stock == 7
    image = product.images.get()
    assert image.thumbnail.name.endswith(".webp")


def test_admin_upload_stores_the_reencoded_image_not_the_uploaded_bytes(staff_client, make_product):
    # given a PNG with a web page after its end
    upload = png_bytes()
    polyglot = io.BytesIO(upload.read() + b"<html><script>alert(1)</script></html>")
    polyglot.name = "photo.png"
    product = make_product()
    url = reverse("admin:catalog_product_change", args=[product.pk])

    # when
    response = staff_client.post(url, product_form(product, **{"images-0-image": polyglot}))

    # then
    assert response.status_code == 302
    with product.images.get().image.open("rb") as stored:
        data = stored.read()
    assert b"<script" not in data and data.endswith(b"IEND\xaeB`\x82")


def test_admin_refuses_a_fake_image(staff_client, make_product):
    # given
    product = make_product()
    fake = io.BytesIO(b"MZ\x90\x00 definitely not a picture")
    fake.name = "photo.jpg"
    url = reverse("admin:catalog_product_change", args=[product.pk])

    # when
    response = staff_client.post(url, product_form(product, **{"images-0-image": fake}))

    # then
    assert response.status_code == 200
    assert product.images.count() == 0
    assert Product.objects.get(pk=product.pk).stock == 10


def test_search_queries_are_read_only(staff_client):
    # given
    query = SearchQuery.objects.create(query="heart", normalized="heart", result_count=1)

    # when
    response = staff_client.post(
        reverse("admin:catalog_searchquery_change", args=[query.pk]), {"query": "x"}
    )

    # then
    assert response.status_code == 403
    assert SearchQuery.objects.get().query == "heart"

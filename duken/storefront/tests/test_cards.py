from decimal import Decimal

from django.urls import reverse

from duken.catalog.models import Product


def test_a_cached_tile_follows_price_and_stock_changes_at_once(client, small_catalog):
    # given a category page that has been shown (its tiles are cached)
    url = reverse("storefront:category", args=["mugs"])
    assert "1\u00a0200\u00a0₸" in client.get(url).content.decode()

    # when the back office changes the price and sells out the stock
    product = Product.objects.get(sku="M-001")
    product.price = Decimal("1350")
    product.stock = 0
    product.save()

    # then the next page shows the new price and stock state, not the cached tile
    page = client.get(url).content.decode()
    assert "1\u00a0350\u00a0₸" in page
    assert "1\u00a0200\u00a0₸" not in page


def test_product_links_point_at_the_product_pages(small_catalog):
    product = Product.objects.get(sku="M-001")
    assert product.get_absolute_url() == reverse("storefront:product", args=[product.slug])
    category = small_catalog["mugs"]
    assert category.get_absolute_url() == reverse("storefront:category", args=["mugs"])

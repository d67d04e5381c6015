import time
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone

from duken.catalog.models import Category, Product
from duken.orders.downloads import DownloadUnavailable, download_url, downloads_for
from duken.orders.models import Order, OrderLine


def _digital_line(*, status="paid", paid=True, content=b"%PDF-1.4 the guide"):
    category = Category.objects.create(slug="books", name="Books")
    product = Product(
        sku="EBOOK-1",
        slug="ebook",
        name="The Guide",
        primary_category=category,
        price=Decimal("3000"),
        is_digital=True,
        created_at=timezone.now(),
    )
    product.digital_file.save("guide.pdf", ContentFile(content), save=False)
    product.save()
    order = Order.objects.create(
        number="DK-TEST0001",
        email="buyer@example.com",
        status=status,
        subtotal=Decimal("3000"),
        total=Decimal("3000"),
        payment_method="card",
        placed_at=timezone.now(),
        paid_at=timezone.now() if paid else None,
    )
    return OrderLine.objects.create(
        order=order,
        product=product,
        product_name=product.name,
        sku=product.sku,
        unit_price=product.price,
        quantity=1,
        line_total=product.price,
        is_digital=True,
    )


@pytest.mark.django_db
def test_valid_link_streams_the_file(client):
    # given a paid order with a digital product
    line = _digital_line()
    # when
    url = download_url(line)
    response = client.get(url)
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the guide"
    assert "attachment" in response["Content-Disposition"]
    assert "guide" in response["Content-Disposition"]


@pytest.mark.django_db
def test_downloads_for_lists_the_paid_orders_files():
    line = _digital_line()
    assert [item for item, _url in downloads_for(line.order)] == [line]


@pytest.mark.django_db
def test_tampered_link_is_forbidden(client):
    # given a valid link with one character of its signature changed
    line = _digital_line()
    url = download_url(line)
    token = url.rstrip("/").split("/")[-1]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    # when
    response = client.get(url.replace(token, forged), HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 403
    assert "not valid" in response.content.decode()


@pytest.mark.django_db
def test_link_for_another_line_cannot_be_forged(client):
    # given a link signed with another key
    line = _digital_line()
    token = signing.TimestampSigner(
        key="not-our-secret", salt="duken.shipping.download"
    ).sign_object({"line": line.pk, "order": line.order.number})
    # when / then
    assert client.get(f"/download/{token}/").status_code == 403


@pytest.mark.django_db
def test_expired_link_is_gone(client, settings):
    # given a link older than its lifetime
    line = _digital_line()
    settings.DUKEN_DOWNLOAD_MAX_AGE = 1
    url = download_url(line)
    time.sleep(2.1)
    # when
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 410
    assert "expired" in response.content.decode()


@pytest.mark.django_db
def test_unpaid_order_gets_no_link_and_no_file(client):
    # given an order awaiting payment
    line = _digital_line(status="awaiting_payment", paid=False)
    # when / then no link is made
    with pytest.raises(DownloadUnavailable):
        download_url(line)
    assert downloads_for(line.order) == []
    # and a link made while paid stops working once the order is refunded
    line.order.status, line.order.paid_at = "paid", timezone.now()
    line.order.save()
    url = download_url(line)
    line.order.status = "refunded"
    line.order.save()
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_order_downloads_tag_lists_links_only_for_paid_orders():
    from django.template import Context, Template

    template = Template("{% load downloads %}{% order_downloads order %}")
    line = _digital_line()
    html = template.render(Context({"order": line.order}))
    assert "/download/" in html and "The Guide" in html
    line.order.status, line.order.paid_at = "awaiting_payment", None
    assert "/download/" not in template.render(Context({"order": line.order}))

"""Free-text path segments never hold a NUL byte (PostgreSQL cannot look one up)."""

import pytest
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404


def _route_texts(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _route_texts(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


@pytest.mark.parametrize(
    "path",
    [
        "/account/orders/DK-1\x00/",
        "/checkout/done/\x00/",
        "/recommendations/product/red-mug\x00/",
        "/recommendations/customer/1\x00/",
        "/payments/\x00/",
        "/download/\x00/",
        "/chat/continue/\x00/",
    ],
)
def test_a_segment_with_a_nul_byte_matches_no_page(path):
    with pytest.raises(Resolver404):
        resolve(path)


def test_no_route_of_the_shop_takes_free_text_that_may_hold_a_nul_byte():
    # given the shop's routes (Django's password reset link decodes its segments first)
    texts = [t for t in _route_texts(get_resolver().url_patterns) if not t.startswith("admin/")]
    # then none uses the plain str converter
    assert [t for t in texts if "<str:" in t] == []


@pytest.mark.django_db
def test_an_order_number_with_a_nul_byte_is_not_found(client):
    # when
    response = client.get("/account/orders/DK-1%00/")
    # then
    assert response.status_code == 404

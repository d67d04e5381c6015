"""``safe_next``: a form sends the visitor back only to a page of this shop."""

import pytest
from django.test import RequestFactory

from duken.core.redirects import safe_next

DEFAULT = "/account/"


def _post(next_value=None, **meta):
    data = {} if next_value is None else {"next": next_value}
    return RequestFactory().post("/somewhere/", data, **meta)


@pytest.mark.parametrize(
    "given, expected",
    [
        ("/cart/", "/cart/"),
        ("/c/mugs/?page=2#top", "/c/mugs/?page=2#top"),
        ("http://testserver/c/mugs/?page=2", "/c/mugs/?page=2"),
    ],
)
def test_a_page_of_this_shop_is_where_the_visitor_goes_back(given, expected):
    # when
    target = safe_next(_post(given), DEFAULT)
    # then
    assert target == expected


@pytest.mark.parametrize(
    "given",
    [
        "-1",
        "x",
        "abc",
        "storefront:account",
        "//evil.example/",
        "http://evil.example/cart/",
        "https:evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\x00/cart/",
        "/" + "a" * 60_000,
        "",
    ],
)
def test_anything_else_falls_back_to_the_default(given):
    # when
    target = safe_next(_post(given), DEFAULT)
    # then
    assert target == DEFAULT


def test_the_query_next_counts_when_the_form_has_none():
    # given
    request = RequestFactory().post("/somewhere/?next=/cart/")
    # when / then
    assert safe_next(request, DEFAULT) == "/cart/"


def test_the_referer_counts_only_when_asked_and_only_on_this_site():
    # given
    own = _post(HTTP_REFERER="http://testserver/p/red-mug/")
    foreign = _post(HTTP_REFERER="http://evil.example/p/red-mug/")
    # then
    assert safe_next(own, DEFAULT) == DEFAULT
    assert safe_next(own, DEFAULT, or_referer=True) == "/p/red-mug/"
    assert safe_next(foreign, DEFAULT, or_referer=True) == DEFAULT

from decimal import Decimal

import pytest

from duken.core.money import Money, format_money, quantize


def test_quantize_rounds_half_up_to_currency_precision():
    assert quantize("10.005", "KZT") == Decimal("10.01")
    assert quantize(Decimal("7.5"), "JPY") == Decimal("8")


def test_quantize_refuses_non_numbers():
    with pytest.raises(ValueError):
        quantize("abc")


def test_money_refuses_mixed_currencies():
    with pytest.raises(ValueError):
        Money(Decimal(1), "KZT") + Money(Decimal(1), "USD")


def test_format_money_groups_thousands_and_shows_tenge_sign():
    assert format_money(Decimal("1234567"), "KZT") == "1\u00a0234\u00a0567\u00a0₸"
    assert format_money(Decimal("12.5"), "KZT") == "12,50\u00a0₸"

from decimal import Decimal

import pytest

from duken.shipping.models import DeliveryMethod, DeliveryRate, Zone
from duken.shipping.services import (
    DeliveryUnavailable,
    Destination,
    delivery_options,
    quote,
    rate_cost,
)

ALMATY = Destination(country="Kazakhstan", region="", city="Алматы")
KARAGANDA = Destination(country="Kazakhstan", region="Карагандинская область", city="Темиртау")
LONDON = Destination(country="United Kingdom", region="", city="London")


def _codes(options):
    return [option.code for option in options]


def test_flat_rate():
    # given a flat rate
    rate = DeliveryRate(base_price=Decimal("1500"), price_per_kg=0)
    # when / then weight does not matter
    assert rate_cost(rate, weight_grams=0, subtotal=100) == Decimal("1500.00")
    assert rate_cost(rate, weight_grams=25_000, subtotal=100) == Decimal("1500.00")


def test_weight_rate_counts_every_started_kilogram():
    # given a base price plus 300 per started kg
    rate = DeliveryRate(base_price=Decimal("1800"), price_per_kg=Decimal("300"))
    # when / then
    assert rate_cost(rate, weight_grams=0, subtotal=0) == Decimal("1800.00")
    assert rate_cost(rate, weight_grams=1, subtotal=0) == Decimal("2100.00")
    assert rate_cost(rate, weight_grams=1000, subtotal=0) == Decimal("2100.00")
    assert rate_cost(rate, weight_grams=1001, subtotal=0) == Decimal("2400.00")


def test_free_from_a_threshold():
    rate = DeliveryRate(base_price=Decimal("1500"), free_from=Decimal("25000"))
    assert rate_cost(rate, weight_grams=500, subtotal=Decimal("24999.99")) == Decimal("1500.00")
    assert rate_cost(rate, weight_grams=500, subtotal=Decimal("25000")) == Decimal("0.00")


@pytest.mark.usefixtures("store")
def test_almaty_gets_own_courier_pickup_courier_service_and_post():
    # when
    options = delivery_options(destination=ALMATY, weight_grams=1200, subtotal=Decimal("8000"))
    # then
    assert _codes(options) == ["own-courier", "pickup", "courier-service", "kazpost"]
    by_code = {option.code: option for option in options}
    assert by_code["own-courier"].cost == Decimal("1500.00")
    assert by_code["courier-service"].cost == Decimal("2400.00")  # 1800 + 2 started kg x 300
    assert by_code["pickup"].cost == Decimal("0.00")
    assert by_code["pickup"].needs_address is False
    assert {p.city for p in by_code["pickup"].pickup_points} == {"Almaty"}
    assert all(p.address and p.opening_hours for p in by_code["pickup"].pickup_points)


@pytest.mark.usefixtures("store")
def test_own_courier_is_free_from_its_threshold():
    options = delivery_options(destination=ALMATY, weight_grams=500, subtotal=Decimal("30000"))
    assert {o.code: o.cost for o in options}["own-courier"] == Decimal("0.00")


@pytest.mark.usefixtures("store")
def test_region_has_no_own_courier_or_pickup():
    options = delivery_options(destination=KARAGANDA, weight_grams=500, subtotal=Decimal("5000"))
    assert _codes(options) == ["courier-service", "kazpost"]


@pytest.mark.usefixtures("store")
def test_heavy_order_gets_the_transport_company_and_loses_weight_limited_methods():
    # given 45 kg: above the courier (30 kg) and post (20 kg) limits
    options = delivery_options(destination=KARAGANDA, weight_grams=45_000, subtotal=50_000)
    # then only freight remains, priced per started kg
    assert _codes(options) == ["transport"]
    assert options[0].cost == Decimal("11950.00")  # 7000 + 45 x 110


@pytest.mark.usefixtures("store")
def test_max_weight_is_inclusive():
    # post takes up to 20 kg
    at_limit = delivery_options(destination=KARAGANDA, weight_grams=20_000, subtotal=1)
    over = delivery_options(destination=KARAGANDA, weight_grams=20_001, subtotal=1)
    assert "kazpost" in _codes(at_limit)
    assert "kazpost" not in _codes(over)


@pytest.mark.usefixtures("store")
def test_international_gets_courier_service_and_post_by_weight():
    options = delivery_options(destination=LONDON, weight_grams=2500, subtotal=Decimal("20000"))
    assert {o.code: o.cost for o in options} == {
        "courier-service": Decimal("25500.00"),  # 12000 + 3 x 4500
        "kazpost": Decimal("19000.00"),  # 8500 + 3 x 3500
    }


@pytest.mark.usefixtures("store")
def test_digital_only_cart_gets_only_electronic_delivery_without_address():
    # given a cart of digital products only, and no address
    options = delivery_options(
        destination=Destination(),
        weight_grams=0,
        subtotal=5000,
        has_physical=False,
        has_digital=True,
    )
    # then
    assert _codes(options) == ["electronic"]
    assert options[0].cost == Decimal("0.00")
    assert options[0].needs_address is False


@pytest.mark.usefixtures("store")
def test_mixed_cart_gets_physical_methods_only():
    options = delivery_options(
        destination=ALMATY, weight_grams=500, subtotal=5000, has_physical=True, has_digital=True
    )
    assert "electronic" not in _codes(options)
    assert "own-courier" in _codes(options)


@pytest.mark.usefixtures("store")
def test_quote_recomputes_and_refuses_unavailable_methods():
    # when
    option = quote("courier-service", destination=KARAGANDA, weight_grams=999, subtotal=1000)
    # then
    assert option.cost == Decimal("2850.00")  # 2400 + 1 x 450
    with pytest.raises(DeliveryUnavailable):
        quote("own-courier", destination=KARAGANDA, weight_grams=999, subtotal=1000)
    with pytest.raises(DeliveryUnavailable):
        quote("electronic", destination=ALMATY, weight_grams=999, subtotal=1000)


@pytest.mark.usefixtures("store")
def test_inactive_method_is_not_offered():
    DeliveryMethod.objects.filter(code="own-courier").update(is_active=False)
    options = delivery_options(destination=ALMATY, weight_grams=500, subtotal=5000)
    assert "own-courier" not in _codes(options)


@pytest.mark.django_db
def test_zone_rate_beats_the_everywhere_rate():
    # given a method priced everywhere and, differently, in one zone
    zone = Zone.objects.create(code="almaty", name="Almaty", cities="Almaty\nАлматы")
    method = DeliveryMethod.objects.create(code="c", kind="courier_service", name="C")
    DeliveryRate.objects.create(method=method, zone=None, base_price=5000)
    DeliveryRate.objects.create(method=method, zone=zone, base_price=1000)
    # when
    here = delivery_options(destination=ALMATY, weight_grams=1, subtotal=1)
    elsewhere = delivery_options(destination=KARAGANDA, weight_grams=1, subtotal=1)
    # then
    assert here[0].cost == Decimal("1000.00")
    assert elsewhere[0].cost == Decimal("5000.00")

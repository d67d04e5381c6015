from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from duken.shipping.models import DeliveryMethod, DeliveryRate, PickupPoint, Zone


def _snapshot():
    return {
        model.__name__: sorted(model.objects.values_list(), key=lambda row: row[0])
        for model in (Zone, DeliveryMethod, DeliveryRate, PickupPoint)
    }


@pytest.mark.django_db
def test_setup_store_seeds_kazakhstan():
    # when
    call_command("setup_store", stdout=StringIO())
    # then: 3 cities, 17 regions, the rest of the country, international
    assert Zone.objects.count() == 22
    assert {"abai", "jetisu", "ulytau", "almaty", "astana", "shymkent"} <= set(
        Zone.objects.values_list("code", flat=True)
    )
    assert Zone.objects.get(is_fallback=True).code == "international"
    assert set(DeliveryMethod.objects.values_list("kind", flat=True)) == set(
        DeliveryMethod.Kind.values
    )
    assert all(m.name_ru and m.name_kk for m in DeliveryMethod.objects.all())
    assert set(PickupPoint.objects.values_list("city", flat=True)) == {"Almaty", "Astana"}


@pytest.mark.django_db
def test_setup_store_twice_changes_nothing(django_assert_max_num_queries):
    # given
    call_command("setup_store", stdout=StringIO())
    before = _snapshot()
    # when run again
    out = StringIO()
    with django_assert_max_num_queries(6):
        call_command("setup_store", stdout=out)
    # then the same rows, and it says so
    assert _snapshot() == before
    assert "nothing to add" in out.getvalue()


@pytest.mark.django_db
def test_setup_store_keeps_staff_changes():
    # given staff changed a price and removed a pickup point
    call_command("setup_store", stdout=StringIO())
    rate = DeliveryRate.objects.get(method__code="own-courier", zone__code="almaty")
    rate.base_price = Decimal("999")
    rate.save()
    PickupPoint.objects.filter(name__contains="Sayakhat").delete()
    # when
    call_command("setup_store", stdout=StringIO())
    # then
    rate.refresh_from_db()
    assert rate.base_price == Decimal("999")
    assert not PickupPoint.objects.filter(name__contains="Sayakhat").exists()

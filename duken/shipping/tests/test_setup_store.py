import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from duken.shipping.models import DeliveryMethod, DeliveryRate, PickupPoint, Zone
from duken.shipping.setup import setup_store


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
    # when run again (the delivery set-up, then the whole command)
    with django_assert_max_num_queries(6):
        created = setup_store()
    out = StringIO()
    call_command("setup_store", stdout=out)
    # then the same rows, and it says so
    assert not any(created.values())
    assert _snapshot() == before
    assert "nothing to add" in out.getvalue()
    assert "Staff roles are complete." in out.getvalue()


@pytest.mark.django_db
def test_setup_store_creates_and_completes_the_staff_roles():
    # given a shop whose Support group was deleted and whose Manager lost a permission
    Group.objects.filter(name="Support").delete()
    manager = Group.objects.get(name="Manager")
    manager.permissions.remove(Permission.objects.get(codename="change_order"))
    out = StringIO()
    # when
    call_command("setup_store", stdout=out)
    # then both are back, and it says which role it created
    assert Group.objects.filter(name="Support").exists()
    assert manager.permissions.filter(codename="change_order").exists()
    assert "Staff roles created: Support." in out.getvalue()


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


@pytest.mark.django_db
def test_another_shops_set_up_file_is_read(tmp_path):
    # given a shop that delivers only in its own city, described in its own file
    from duken.shipping.models import DeliveryMethod, DeliveryRate, Zone

    own = tmp_path / "tashkent.json"
    own.write_text(
        json.dumps(
            {
                "zones": [{"code": "tashkent", "name": "Tashkent", "cities": ["Tashkent"]}],
                "methods": [{"code": "bike", "kind": "own_courier", "name": "Bike courier"}],
                "rates": [{"method": "bike", "zone": "tashkent", "base_price": "990.50"}],
            }
        )
    )
    # when
    call_command("setup_store", "--file", str(own), stdout=StringIO())
    # then
    assert Zone.objects.get().cities == "Tashkent"
    assert DeliveryMethod.objects.get().name == "Bike courier"
    assert DeliveryRate.objects.get().base_price == Decimal("990.50")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content", ["{not json", '{"zones": 3}', '{"methods": [{"kind": "post"}]}']
)
def test_a_broken_set_up_file_says_why_and_adds_nothing(tmp_path, content):
    from django.core.management.base import CommandError

    from duken.shipping.models import DeliveryMethod, Zone

    broken = tmp_path / "broken.json"
    broken.write_text(content)
    with pytest.raises(CommandError, match="broken.json"):
        call_command("setup_store", "--file", str(broken), stdout=StringIO())
    assert not Zone.objects.exists() and not DeliveryMethod.objects.exists()

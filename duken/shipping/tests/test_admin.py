import pytest

from duken.shipping.models import DeliveryMethod, Zone


@pytest.mark.django_db
@pytest.mark.usefixtures("store")
def test_delivery_admin_pages_render(admin_client):
    # given the seeded delivery set-up
    method = DeliveryMethod.objects.get(code="pickup")
    zone = Zone.objects.get(code="almaty")
    # when / then the lists and the method page with its rates and points render
    for url in [
        "/admin/shipping/deliverymethod/",
        f"/admin/shipping/deliverymethod/{method.pk}/change/",
        "/admin/shipping/zone/",
        f"/admin/shipping/zone/{zone.pk}/change/",
        "/admin/shipping/pickuppoint/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    page = admin_client.get(f"/admin/shipping/deliverymethod/{method.pk}/change/").content.decode()
    assert "Dostyk" in page  # a pickup point, inline

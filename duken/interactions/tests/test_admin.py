import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duken.interactions.models import Event, Kind
from duken.testing.accounts import login_verified
from duken.testing.factories import make_product

pytestmark = pytest.mark.django_db


def test_staff_can_browse_and_filter_events_but_not_edit_them(client):
    # given
    staff = get_user_model().objects.create_superuser("boss@example.com", "pw-123456789")
    login_verified(client, staff)
    product = make_product()
    Event.objects.create(kind=Kind.PRODUCT_VIEW, obj=product, visitor_id="b" * 32)
    Event.objects.create(kind=Kind.SEARCH, visitor_id="c" * 32, properties={"query": "mug"})
    url = reverse("admin:interactions_event_changelist")
    # when
    everything = client.get(url)
    searches = client.get(url, {"kind__exact": Kind.SEARCH})
    by_visitor = client.get(url, {"q": "b" * 32})
    # then
    assert everything.status_code == 200
    assert searches.context["cl"].result_count == 1
    assert by_visitor.context["cl"].result_count == 1
    assert client.get(reverse("admin:interactions_event_add")).status_code == 403

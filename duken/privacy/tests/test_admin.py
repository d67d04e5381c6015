import pytest
from django.contrib.auth import get_user_model

from duken.privacy.models import ConsentRecord, Purpose, Source
from duken.testing.accounts import login_verified


@pytest.fixture
def staff_client(client, db):
    admin = get_user_model().objects.create_superuser("staff@duken.example", "staff-pass-12345")
    login_verified(client, admin)
    return client


def test_staff_see_consent_records_read_only_with_filters(staff_client, customer):
    # given
    record = ConsentRecord.objects.create(
        user=customer,
        purpose=Purpose.ANALYTICS,
        granted=False,
        wording_version="2026-11",
        source=Source.ACCOUNT_PAGE,
    )
    # when
    listing = staff_client.get("/admin/privacy/consentrecord/?purpose__exact=analytics")
    # then
    page = listing.content.decode()
    assert listing.status_code == 200 and "aliya@example.kz" in page
    assert "By purpose" in page and "By where given" in page
    assert staff_client.get("/admin/privacy/consentrecord/add/").status_code == 403
    assert (
        staff_client.post(
            f"/admin/privacy/consentrecord/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_a_logged_in_customer_choosing_is_sent_to_the_account_page(client, customer):
    # given
    client.force_login(customer)
    # when
    response = client.get("/privacy/consent/")
    # then
    assert response.status_code == 302 and response["Location"] == "/account/privacy/"

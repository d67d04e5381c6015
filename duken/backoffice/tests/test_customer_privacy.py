import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from duken.customers.tests.timeline_factories import make_staff
from duken.orders.models import Order
from duken.outbox.models import Message
from duken.privacy import erase
from duken.privacy.models import ConsentRecord, DataExport
from duken.privacy.tests.rights_data import rich_customer
from duken.testing.accounts import login_verified

User = get_user_model()
VIEW = ["customers.view_user"]


@pytest.fixture
def aliya(db):
    return rich_customer("aliya@example.kz", name="Aliya", visitor="v-aliya")[0]


@pytest.fixture
def daulet(db):
    return rich_customer("daulet@example.kz", name="Daulet", visitor="v-daulet")[0]


def _timeline(customer):
    return reverse("backoffice:customer_timeline", args=[customer.pk])


def test_staff_with_the_permission_export_a_customer_and_download_it_here(
    client, aliya, daulet, django_capture_on_commit_callbacks
):
    # given a clerk who may export
    clerk = make_staff("clerk@duken.example", [*VIEW, "privacy.export_customer_data"])
    login_verified(client, clerk)
    page = client.get(_timeline(aliya)).content.decode()
    assert reverse("backoffice:customer_export", args=[aliya.pk]) in page
    # when they ask for Aliya's export (the worker's task runs on the commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:customer_export", args=[aliya.pk]))
    assert response.status_code == 302
    made = DataExport.objects.get(user=aliya)
    assert made.by_staff and made.requested_by == clerk and made.status == "ready"
    # then nobody is e-mailed
    assert not Message.objects.filter(kind="data_export_ready").exists()
    # and the timeline links the download, which holds Aliya's data only
    page = client.get(_timeline(aliya)).content.decode()
    url = reverse("backoffice:customer_export_download", args=[aliya.pk, made.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    everything = "".join(archive.read(name).decode() for name in archive.namelist())
    assert "aliya@example.kz" in everything and "Daulet" not in everything
    # and the customer's own download link does not open a staff export
    client.force_login(aliya)
    from duken.privacy import export

    assert client.get(export.download_url(made)).status_code == 404
    # nor does another customer's path open it for staff
    login_verified(client, clerk)
    other = reverse("backoffice:customer_export_download", args=[daulet.pk, made.pk])
    assert client.get(other).status_code == 404


def test_staff_without_the_permissions_are_refused_and_nothing_changes(client, aliya):
    # given a clerk who may only look
    clerk = make_staff("clerk@duken.example", VIEW)
    login_verified(client, clerk)
    page = client.get(_timeline(aliya)).content.decode()
    assert "customer-privacy" not in page
    # when they try anyway
    responses = [
        client.post(reverse("backoffice:customer_export", args=[aliya.pk])),
        client.get(reverse("backoffice:customer_erase", args=[aliya.pk])),
        client.post(reverse("backoffice:customer_erase", args=[aliya.pk]), {"confirm": "yes"}),
    ]
    # then
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert not DataExport.objects.exists()
    aliya.refresh_from_db()
    assert not erase.is_erased(aliya)


def test_a_customer_is_refused_the_staff_pages(client, aliya):
    client.force_login(aliya)
    response = client.post(
        reverse("backoffice:customer_erase", args=[aliya.pk]), {"confirm": "yes"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    aliya.refresh_from_db()
    assert not erase.is_erased(aliya)


def test_staff_delete_a_customer_after_a_confirmation_step(client, aliya, daulet):
    # given a clerk who may delete customers
    clerk = make_staff("clerk@duken.example", [*VIEW, "customers.delete_user"])
    login_verified(client, clerk)
    url = reverse("backoffice:customer_erase", args=[aliya.pk])
    assert url in client.get(_timeline(aliya)).content.decode()
    assert "id_confirm" in client.get(url).content.decode()
    # when they submit without ticking the confirmation
    response = client.post(url, {})
    # then nothing happens
    assert response.status_code == 400
    aliya.refresh_from_db()
    assert not erase.is_erased(aliya)
    # when they confirm
    response = client.post(url, {"confirm": "yes"})
    # then the account is anonymized, the orders kept
    assert response.status_code == 302
    aliya.refresh_from_db()
    assert erase.is_erased(aliya) and aliya.first_name == ""
    order = Order.objects.get(user=aliya)
    assert order.ship_street == "" and order.email == aliya.email
    # and Daulet is untouched
    daulet.refresh_from_db()
    assert daulet.email == "daulet@example.kz"
    # and doing it again says so
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "already deleted" in response.content.decode()


def test_a_superuser_deletes_a_customer_in_the_admin_and_it_anonymizes(client, aliya):
    # given a superuser who passed the second factor, and a customer with orders and consents
    admin = User.objects.create_superuser("boss@duken.example", "Steppe-Winds-2026")
    login_verified(client, admin)
    assert ConsentRecord.objects.filter(user=aliya).exists()
    url = reverse("admin:customers_user_delete", args=[aliya.pk])
    # when they open the delete page and confirm
    page = client.get(url)
    assert page.status_code == 200
    assert "Cannot delete" not in page.content.decode()
    response = client.post(url, {"post": "yes"})
    # then the admin reports success and the customer is erased, not deleted
    assert response.status_code == 302
    aliya.refresh_from_db()
    assert erase.is_erased(aliya) and not aliya.is_active
    assert Order.objects.filter(user=aliya).count() == 1
    assert ConsentRecord.objects.filter(user=aliya).exists()


def test_the_admins_bulk_delete_anonymizes_too(client, aliya, daulet):
    admin = User.objects.create_superuser("boss@duken.example", "Steppe-Winds-2026")
    login_verified(client, admin)
    response = client.post(
        reverse("admin:customers_user_changelist"),
        {"action": "delete_selected", "_selected_action": [aliya.pk, daulet.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert User.objects.filter(email__endswith="@deleted.invalid").count() == 2
    assert Order.objects.count() == 2


def test_the_admin_history_no_longer_names_the_erased_customer(client, aliya):
    from django.contrib.admin.models import LogEntry

    admin = User.objects.create_superuser("boss@duken.example", "Steppe-Winds-2026")
    login_verified(client, admin)
    client.post(reverse("admin:customers_user_delete", args=[aliya.pk]), {"post": "yes"})
    entries = LogEntry.objects.filter(object_id=str(aliya.pk))
    assert entries.exists()
    assert not entries.filter(object_repr__icontains="aliya").exists()


def test_privacy_officers_may_export_and_delete_customers(db):
    from django.contrib.auth.models import Group

    from duken.customers.groups import ensure_staff_groups

    ensure_staff_groups()
    officer = make_staff("officer@duken.example")
    officer.groups.add(Group.objects.get(name="Privacy officers"))
    officer = User.objects.get(pk=officer.pk)  # fresh permission cache
    assert officer.has_perm("privacy.export_customer_data")
    assert officer.has_perm("customers.delete_user")
    assert not officer.has_perm("customers.change_user")

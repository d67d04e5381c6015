"""The staff's read-only view of the background work: schedules and workers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from duken.core.models import RunStatus, Schedule, WorkerHeartbeat
from duken.customers.models import User
from duken.testing.accounts import login_verified

pytestmark = pytest.mark.django_db

PAGES = ("/admin/core/schedule/", "/admin/core/workerheartbeat/")


@pytest.fixture
def background_work():
    now = timezone.now()
    Schedule.objects.create(
        name="payments.expire-stale",
        task_path="duken.payments.tasks.expire_stale_payments_task",
        interval_seconds=300,
        last_run_at=now - timedelta(minutes=2),
        last_status=RunStatus.SUCCESSFUL,
        next_run_at=now + timedelta(minutes=3),
    )
    WorkerHeartbeat.objects.create(
        worker_id="worker-on-shop-1", host="shop-1", pid=4242, started_at=now, last_seen=now
    )


def staff(group):
    user = User.objects.create_user(
        f"{group.split()[0].lower()}@duken.example", None, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def test_a_shop_manager_sees_the_schedules_and_the_workers(client, background_work):
    login_verified(client, staff("Manager"))
    schedules = client.get(PAGES[0])
    assert schedules.status_code == 200
    html = schedules.content.decode()
    assert "payments.expire-stale" in html and "5\xa0minutes" in html and "Succeeded" in html
    workers = client.get(PAGES[1])
    assert workers.status_code == 200
    assert "worker-on-shop-1" in workers.content.decode()


def test_nobody_edits_them(client, background_work):
    login_verified(client, User.objects.create_superuser("boss@duken.example", None))
    schedule = Schedule.objects.get()
    assert client.get(PAGES[0]).status_code == 200
    assert client.get("/admin/core/schedule/add/").status_code == 403
    response = client.post(
        f"/admin/core/schedule/{schedule.pk}/change/", {"name": "x", "interval_seconds": 1}
    )
    assert response.status_code == 403
    assert (
        client.post(f"/admin/core/schedule/{schedule.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Schedule.objects.get().interval_seconds == 300


def test_a_catalog_editor_is_refused(client, background_work):
    login_verified(client, staff("Catalog editors"))
    for page in PAGES:
        assert client.get(page).status_code == 403, page


def test_a_customer_is_sent_to_the_staff_login(client, background_work):
    client.force_login(User.objects.create_user("aliya@example.kz", None))
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/admin/login/")

import pytest
from django.contrib.auth.models import Group

from duken.customers.groups import GROUPS, ensure_staff_groups
from duken.customers.models import User


@pytest.mark.django_db
def test_staff_groups_exist_after_migrate_with_sensible_permissions():
    # given a freshly migrated database (post_migrate ran)
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions")}
    # then
    assert set(GROUPS) <= set(groups)
    editors = {p.codename for p in groups["Catalog editors"].permissions.all()}
    assert {"add_product", "change_product", "change_category"} <= editors
    assert "change_order" not in editors
    handlers = {p.codename for p in groups["Order handlers"].permissions.all()}
    assert {"view_order", "change_order", "view_payment"} <= handlers
    assert "delete_order" not in handlers and "change_product" not in handlers
    managers = {p.codename for p in groups["Shop managers"].permissions.all()}
    assert {"delete_product", "change_order", "change_deliverymethod"} <= managers
    assert "delete_user" not in managers


@pytest.mark.django_db
def test_ensure_staff_groups_is_idempotent():
    before = {g.name: g.permissions.count() for g in Group.objects.all()}
    ensure_staff_groups()
    ensure_staff_groups()
    after = {g.name: g.permissions.count() for g in Group.objects.all()}
    assert before == after


@pytest.mark.django_db
def test_admin_user_pages_render_and_add_form_creates_an_email_user(client):
    # given
    admin = User.objects.create_superuser("boss@example.kz", "kokteM-2026!")
    User.objects.create_user(
        "buyer@example.kz", "kokteM-2026!", first_name="Dana", phone="+77010000000"
    )
    client.force_login(admin)
    # when / then: the list with search, the change page, the add page
    assert client.get("/admin/customers/user/?q=dana").status_code == 200
    assert client.get(f"/admin/customers/user/{admin.pk}/change/").status_code == 200
    assert client.get("/admin/customers/user/add/").status_code == 200
    response = client.post(
        "/admin/customers/user/add/",
        {
            "email": "New.Staff@Example.kz",
            "first_name": "New",
            "last_name": "Staff",
            "usable_password": "true",
            "password1": "kokteM-2026!x",
            "password2": "kokteM-2026!x",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    created = User.objects.get(email="new.staff@example.kz")
    assert created.check_password("kokteM-2026!x")
    password_page = client.get(f"/admin/customers/user/{created.pk}/password/")
    assert password_page.status_code == 200

import pytest
from django.contrib.auth.models import Group, Permission

from duken.customers.groups import GROUPS, ensure_staff_groups
from duken.customers.models import User
from duken.testing.accounts import login_verified


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
    login_verified(client, admin)
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


@pytest.fixture
def manager(client):
    """A member of "Shop managers", who may change customers' accounts."""
    user = User.objects.create_user("manager@example.kz", "kokteM-2026!m", is_staff=True)
    user.groups.add(Group.objects.get(name="Shop managers"))
    login_verified(client, user)
    return user


def _change_form(user, **extra):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "country": user.country,
        "language": user.language,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_a_manager_cannot_make_themselves_superuser(client, manager):
    # given every permission a superuser has, to be ticked on one's own account
    everything = [p.pk for p in Permission.objects.all()]
    owners = Group.objects.create(name="Everything")
    # when the manager posts their own change form with superuser status, groups and rights
    response = client.post(
        f"/admin/customers/user/{manager.pk}/change/",
        _change_form(
            manager,
            first_name="Mallory",
            is_staff="on",
            is_superuser="on",
            groups=[owners.pk],
            user_permissions=everything,
        ),
    )
    # then the harmless change is saved and the privileges are not
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.first_name == "Mallory"
    assert not manager.is_superuser
    assert list(manager.groups.values_list("name", flat=True)) == ["Shop managers"]
    assert manager.user_permissions.count() == 0
    # and the page does not even offer the fields
    page = client.get(f"/admin/customers/user/{manager.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page


@pytest.mark.django_db
def test_a_manager_cannot_make_a_customer_staff_or_give_them_groups(client, manager):
    customer = User.objects.create_user("accomplice@example.kz", "kokteM-2026!c")
    client.post(
        f"/admin/customers/user/{customer.pk}/change/",
        _change_form(customer, is_staff="on", is_superuser="on"),
    )
    customer.refresh_from_db()
    assert not customer.is_staff and not customer.is_superuser


@pytest.mark.django_db
def test_a_manager_cannot_change_a_superusers_password_or_account(client, manager):
    # given the shop's owner
    owner = User.objects.create_superuser("owner@example.kz", "kokteM-2026!o")
    # when the manager sets the owner's password
    response = client.post(
        f"/admin/customers/user/{owner.pk}/password/",
        {"password1": "taken-over-2026!", "password2": "taken-over-2026!"},
    )
    # then it is refused and the owner's password still works
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.check_password("kokteM-2026!o")
    # nor can they change the owner's e-mail (to reset the password themselves) or deactivate
    response = client.post(
        f"/admin/customers/user/{owner.pk}/change/",
        _change_form(owner, email="mallory@example.kz", is_active=""),
    )
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.email == "owner@example.kz" and owner.is_active


@pytest.mark.django_db
def test_a_superuser_still_manages_privileges(client):
    owner = User.objects.create_superuser("owner@example.kz", "kokteM-2026!o")
    staff = User.objects.create_user("helper@example.kz", "kokteM-2026!h")
    login_verified(client, owner)
    support = Group.objects.get(name="Support")
    response = client.post(
        f"/admin/customers/user/{staff.pk}/change/",
        _change_form(staff, is_staff="on", groups=[support.pk]),
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.is_staff and list(staff.groups.all()) == [support]

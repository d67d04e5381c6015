import pytest
from django.contrib.auth.models import Group, Permission

from duken.customers.groups import GROUPS, ROLES, ensure_staff_groups, role_permissions
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
    managers = {p.codename for p in groups["Manager"].permissions.all()}
    assert {"delete_product", "change_order", "change_deliverymethod"} <= managers
    assert "delete_user" not in managers


@pytest.mark.django_db
def test_the_roles_keep_to_least_privilege():
    # given a freshly migrated database
    perms = {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()}
        for g in Group.objects.prefetch_related("permissions__content_type")
    }
    # then the owner runs the shop, short of a superuser's powers over staff
    assert {"payments.change_payment", "customers.delete_user", "core.view_schedule"} <= perms[
        "Owner"
    ]
    assert {"otp_totp.delete_totpdevice", "axes.delete_accessattempt"} <= perms["Owner"]
    assert "auth.change_group" not in perms["Owner"]
    assert not {p for p in perms["Owner"] if p.startswith(("sessions.", "contenttypes."))}
    # and the marketer reads the catalogue and demand, and nothing of payments or accounts
    assert {"catalog.view_product", "needs.view_productrequest"} <= perms["Marketer"]
    assert not {p for p in perms["Marketer"] if p.startswith(("payments.", "customers."))}
    assert not {p for p in perms["Marketer"] if not p.split(".")[1].startswith("view_")}
    # and support works the inbox, reads orders and customers, changes neither
    assert {"conversations.change_promise", "customers.add_customernote"} <= perms["Support"]
    assert {"orders.view_order", "customers.view_user"} <= perms["Support"]
    assert (
        not {"orders.change_order", "customers.change_user", "payments.view_payment"}
        & perms["Support"]
    )


@pytest.mark.django_db
def test_a_role_may_name_a_permission_that_does_not_exist_yet():
    # given a spec naming the audit log's permission (if not installed) and an app that is not
    spec = {
        "core": {"auditentry": ("view",), "schedule": ("view",)},
        "campaigns": {"*": ("view",)},
    }
    # when
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in role_permissions(spec)}
    # then what exists is granted, the rest skipped without an error
    installed = Permission.objects.filter(codename="view_auditentry").exists()
    assert granted == {"core.view_schedule"} | ({"core.view_auditentry"} if installed else set())
    assert ROLES["Owner"]["core"]["auditentry"] == ("view",)


@pytest.mark.django_db
def test_the_shop_managers_group_becomes_the_manager_role_with_its_members():
    # given a shop from before the roles: "Shop managers" with a member, no "Manager" yet
    from importlib import import_module

    from django.apps import apps as global_apps
    from django.db import connection

    migration = import_module("duken.customers.migrations.0007_rename_shop_managers_to_manager")
    Group.objects.filter(name="Manager").update(name="Shop managers")
    member = User.objects.create_user("old.manager@example.kz", "kokteM-2026!o", is_staff=True)
    member.groups.add(Group.objects.get(name="Shop managers"))

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    # when the data migration runs
    migration.forwards(global_apps, editor)
    # then the group is renamed and keeps its member and permissions
    assert not Group.objects.filter(name="Shop managers").exists()
    assert list(member.groups.values_list("name", flat=True)) == ["Manager"]
    assert Group.objects.get(name="Manager").permissions.filter(codename="change_order").exists()
    # and where both groups exist, the old one's members join "Manager" and it goes
    old = Group.objects.create(name="Shop managers")
    other = User.objects.create_user("other.manager@example.kz", "kokteM-2026!o", is_staff=True)
    other.groups.add(old)
    migration.forwards(global_apps, editor)
    assert not Group.objects.filter(name="Shop managers").exists()
    assert list(other.groups.values_list("name", flat=True)) == ["Manager"]


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
    """A member of "Manager", who may change customers' accounts."""
    user = User.objects.create_user("manager@example.kz", "kokteM-2026!m", is_staff=True)
    user.groups.add(Group.objects.get(name="Manager"))
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
    assert list(manager.groups.values_list("name", flat=True)) == ["Manager"]
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
def test_a_manager_cannot_change_the_shop_owners_or_another_staff_members_account(client, manager):
    # given the Owner role's member and a colleague in Support
    owner = User.objects.create_user("boss@example.kz", "kokteM-2026!o", is_staff=True)
    owner.groups.add(Group.objects.get(name="Owner"))
    colleague = User.objects.create_user("helpdesk@example.kz", "kokteM-2026!s", is_staff=True)
    customer = User.objects.create_user("buyer2@example.kz", "kokteM-2026!c")
    for target in (owner, colleague):
        # when the manager sets their password, changes their e-mail or deletes them
        password = client.post(
            f"/admin/customers/user/{target.pk}/password/",
            {"password1": "taken-over-2026!", "password2": "taken-over-2026!"},
        )
        change = client.post(
            f"/admin/customers/user/{target.pk}/change/",
            _change_form(target, email="mallory@example.kz"),
        )
        delete = client.post(f"/admin/customers/user/{target.pk}/delete/", {"post": "yes"})
        # then each is refused and nothing changes
        assert [password.status_code, change.status_code, delete.status_code] == [403] * 3
        target.refresh_from_db()
        assert target.email != "mallory@example.kz" and target.check_password(
            "kokteM-2026!o" if target == owner else "kokteM-2026!s"
        )
    # while a customer's account is still theirs to change
    response = client.post(
        f"/admin/customers/user/{customer.pk}/change/", _change_form(customer, first_name="Dana")
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.first_name == "Dana"


@pytest.mark.django_db
def test_the_owner_deletes_customers_but_no_staff_member(client):
    # given a member of the Owner role, a manager and a customer
    owner = User.objects.create_user("boss@example.kz", "kokteM-2026!o", is_staff=True)
    owner.groups.add(Group.objects.get(name="Owner"))
    manager = User.objects.create_user("manager@example.kz", "kokteM-2026!m", is_staff=True)
    customer = User.objects.create_user("buyer3@example.kz", "kokteM-2026!c")
    login_verified(client, owner)
    # when the owner deletes both at once
    both = {"action": "delete_selected", "_selected_action": [customer.pk, manager.pk]}
    response = client.post("/admin/customers/user/", {**both, "post": "yes"})
    # then it is refused as a whole
    assert response.status_code == 403
    assert User.objects.filter(pk__in=[customer.pk, manager.pk]).count() == 2
    assert User.objects.filter(email="buyer3@example.kz").exists()
    # and the manager's password is not theirs to set
    response = client.post(
        f"/admin/customers/user/{manager.pk}/password/",
        {"password1": "taken-over-2026!", "password2": "taken-over-2026!"},
    )
    assert response.status_code == 403
    # when the owner deletes the customer alone, it is done
    response = client.post(
        "/admin/customers/user/",
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    assert response.status_code == 302
    # (deleting a customer erases their personal data and keeps the orders)
    customer.refresh_from_db()
    assert customer.email.endswith("@deleted.invalid") and not customer.has_usable_password()


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


@pytest.mark.django_db
def test_the_groups_list_shows_each_role_by_its_label(client):
    # given a superuser in the admin, and a group of the shop's own beside the roles
    admin = User.objects.create_superuser("root@example.kz", "kokteM-2026!r")
    Group.objects.create(name="Night shift")
    login_verified(client, admin)
    # when they list the groups
    page = client.get("/admin/auth/group/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then each role's label (translated) is in the role column, and the shop's own group
    # shows its name there
    for name in ["Shop owner", "Manager", "Support", "Marketer", "Night shift"]:
        assert f'<td class="field-role">{name}</td>' in page, name

"""The back office's audit log page: who may see it, the filters, the pages, the state of the
chain; and the admin's audit pages, which only show."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from duken.core import audit
from duken.core.audit import chain
from duken.core.models import AuditEntry
from duken.customers.models import User
from duken.testing.accounts import login_verified
from duken.testing.audit import triggers_lifted

pytestmark = pytest.mark.django_db

URL = reverse("backoffice:audit_log")


def staff(email, *perms):
    user = User.objects.create_user(email, None, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def auditor(client):
    user = staff("auditor@duken.example", "core.view_auditentry")
    login_verified(client, user)
    return user


def entry(action, *, actor=None, object_type="", object_id="", repr_="", when=None, **kw):
    if when is not None:  # written at another time (record() always writes "now")
        return AuditEntry.objects.create(
            action=action,
            actor_id=actor.pk if actor else None,
            actor_username=actor.email if actor else "",
            object_type=object_type,
            object_id=str(object_id),
            object_repr=repr_,
            created_at=when,
        )
    return audit.record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        object_repr=repr_,
        **kw,
    )


def shown(response):
    """The object names of the listed entries, top to bottom."""
    return re.findall(r'<span class="audit-object">(.*?)</span>', response.content.decode())


# Who may look -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_without_the_permission_are_refused_and_only_the_owner_role_has_it(client):
    # given a manager (every permission of the Manager role)
    manager = staff("manager@duken.example")
    manager.groups.add(Group.objects.get(name="Manager"))
    login_verified(client, User.objects.get(pk=manager.pk))
    # when they open the audit log, then they are refused, and it is not in their menu
    assert client.get(URL).status_code == 403
    menu = client.get(reverse("backoffice:customer_search"))
    assert URL.encode() not in menu.content
    holders = Group.objects.filter(permissions__codename="view_auditentry")
    assert list(holders.values_list("name", flat=True)) == ["Owner"]


def test_the_permission_opens_the_page_from_the_back_office_menu(client, auditor):
    entry(audit.CUSTOMER_VIEW, object_type="customers.user", object_id=3, repr_="Dana")
    response = client.get(URL)
    assert f'href="{URL}"'.encode() in response.content  # in the back office's menu
    assert response.status_code == 200
    assert "Dana" in response.content.decode()


def test_a_superuser_sees_it_and_it_is_translated(admin_client):
    entry(audit.ORDER_STATUS, object_type="orders.order", object_id=1, repr_="DK-00000001")
    response = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert "DK-00000001" in response.content.decode()


# The list and its filters ---------------------------------------------------------------------


def test_newest_first_with_who_what_and_the_changes(client, auditor):
    clerk = staff("clerk@duken.example")
    entry(audit.ORDER_STATUS, actor=clerk, object_type="orders.order", object_id=1, repr_="First")
    entry(
        audit.PRODUCT_PRICE,
        actor=clerk,
        object_type="catalog.product",
        object_id=9,
        repr_="Second",
        changes={"price": ("1000.00", "1200.00")},
    )
    response = client.get(URL)
    html = response.content.decode()
    assert shown(response) == ["Second", "First"]
    assert "clerk@duken.example" in html and "Price changed" in html
    assert "1000.00 → 1200.00" in html


def test_filters_by_person_action_object_and_dates(client, auditor):
    # given entries by two clerks, of two kinds, on three days
    aru, bolat = staff("aru@duken.example"), staff("bolat@duken.example")
    now = timezone.now()
    entry(audit.CUSTOMER_VIEW, actor=aru, object_type="customers.user", object_id=5, repr_="A1")
    entry(audit.ORDER_STATUS, actor=bolat, object_type="orders.order", object_id=5, repr_="B1")
    entry(
        audit.ORDER_STATUS,
        actor=aru,
        object_type="orders.order",
        object_id=6,
        repr_="A2",
        when=now - dt.timedelta(days=3),
    )
    entry(
        audit.CUSTOMER_VIEW,
        actor=bolat,
        object_type="customers.user",
        object_id=5,
        repr_="B2",
        when=now - dt.timedelta(days=10),
    )
    day = timezone.localdate(now)
    # then each filter keeps only its entries
    assert shown(client.get(URL, {"person": aru.pk})) == ["A2", "A1"]
    assert shown(client.get(URL, {"action": audit.ORDER_STATUS})) == ["A2", "B1"]
    assert shown(client.get(URL, {"type": "customers.user", "object": "5"})) == ["B2", "A1"]
    assert shown(client.get(URL, {"type": "orders.order"})) == ["A2", "B1"]
    since = (day - dt.timedelta(days=5)).isoformat()
    assert shown(client.get(URL, {"from": since})) == ["A2", "B1", "A1"]
    until = (day - dt.timedelta(days=1)).isoformat()
    assert shown(client.get(URL, {"from": since, "to": until})) == ["A2"]
    assert shown(client.get(URL, {"person": bolat.pk, "action": audit.CUSTOMER_VIEW})) == ["B2"]


def test_bad_filters_are_said_and_left_out(client, auditor):
    entry(audit.CUSTOMER_VIEW, repr_="Kept")
    response = client.get(URL, {"from": "yesterday", "action": "drop.tables", "person": "x'"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a date (YYYY-MM-DD)" in html
    assert "There is no such action" in html and "There is no such person" in html
    assert shown(response) == ["Kept"]
    reversed_ = client.get(URL, {"from": "2026-05-02", "to": "2026-05-01"})
    assert "The start is after the end" in reversed_.content.decode()
    assert shown(reversed_) == ["Kept"]


def test_the_list_is_paged(client, auditor):
    for number in range(55):
        entry(audit.CUSTOMER_SEARCH, repr_=f"search {number}")
    first, second = client.get(URL), client.get(URL, {"page": 2})
    assert len(shown(first)) == 50 and shown(first)[0] == "search 54"
    assert shown(second) == [f"search {n}" for n in range(4, -1, -1)]
    assert "1 / 2" in first.content.decode()


# The chain at the top --------------------------------------------------------------------------


def test_the_page_says_whether_the_chain_is_intact(client, auditor):
    # given a sealed chain, checked in full, and one entry waiting
    for number in range(3):
        entry(audit.CUSTOMER_SEARCH, repr_=f"search {number}")
    chain.verify_and_remember()
    entry(audit.CUSTOMER_SEARCH, repr_="waiting")
    html = client.get(URL).content.decode()
    assert "The chain is intact" in html and "the chain ends at #3" in html
    assert "Last full check:" in html and "1 entry waits to be sealed" in html
    # when someone with the database edits entry #2
    with triggers_lifted(connection):
        AuditEntry.objects.filter(seq=2).update(object_repr="rewritten")
    # then the page says the chain is broken and where
    html = client.get(URL).content.decode()
    assert "The chain is broken" in html and "at entry #2 an entry was edited" in html


# The admin shows, never changes ---------------------------------------------------------------


def test_not_even_a_superuser_can_add_change_or_delete_an_entry_in_the_admin(admin_client):
    made = entry(audit.CUSTOMER_VIEW, repr_="Dana")
    chain.seal()
    listing = admin_client.get(reverse("admin:core_auditentry_changelist"))
    assert listing.status_code == 200 and b"Dana" in listing.content
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    delete = reverse("admin:core_auditentry_delete", args=[made.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:core_auditentry_change", args=[made.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and b'name="object_repr"' not in page.content
    admin_client.post(change, {"object_repr": "Someone else"})
    bulk = admin_client.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [made.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    made.refresh_from_db()
    assert made.object_repr == "Dana"
    assert AuditEntry.objects.filter(action=audit.CUSTOMER_VIEW).count() == 1

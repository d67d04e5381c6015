"""The role matrix: every staff page (the back office, the admin of every registered model,
the staff pages of other apps), found from the URLconf and the admin site, opened by one user
of each staff role, a superuser, staff with no role, a customer and a guest. Each answer is
held to the table below, written from the roles' description (README, "Staff roles") and not
from ``customers/groups.py``: a page too open or too closed fails here, and so does a staff
page nobody put in the table."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from duken.testing.accounts import login_verified
from duken.testing.factories import make_order, make_product, make_shipping

ANONYMOUS, CUSTOMER, NO_ROLE, SUPERUSER = "anonymous", "customer", "staff, no role", "superuser"
OWNER, MANAGER, SUPPORT, MARKETER = "Owner", "Manager", "Support", "Marketer"
HANDLER, EDITOR, PRIVACY = "Order handlers", "Catalog editors", "Privacy officers"
ROLES = [OWNER, MANAGER, SUPPORT, MARKETER, HANDLER, EDITOR, PRIVACY]
WHO = [ANONYMOUS, CUSTOMER, NO_ROLE, *ROLES, SUPERUSER]

ALLOWED, REFUSED, LOGIN = "allowed", "refused", "to the login"

# What the admin offers at all, to anyone (a superuser): v view, a add, c change, d delete.
# Read-only records (payments' callbacks, consents, the outbox, the schedules) offer no more.
ADMIN_OFFERS = {
    "auth.group": "vacd",
    "django_tasks_database.dbtaskresult": "v",
    "core.schedule": "v",
    "core.workerheartbeat": "v",
    # The audit log: read only, by everyone, a superuser included.
    "core.auditentry": "v",
    "axes.accesslog": "vcd",
    "axes.accessfailurelog": "vcd",
    "axes.accessattempt": "vcd",
    "otp_totp.totpdevice": "vacd",
    "catalog.category": "vacd",
    "catalog.product": "vacd",
    "catalog.searchquery": "vd",
    "customers.user": "vacd",
    "customers.address": "vacd",
    "customers.customertag": "vd",
    "customers.customernote": "vd",
    "customers.recoverycodes": "vd",
    "checkout.cart": "vd",
    "orders.order": "vc",
    "payments.payment": "vc",
    "payments.paymentcallback": "v",
    "payments.sandboxcharge": "vd",
    "shipping.deliverymethod": "vacd",
    "shipping.zone": "vacd",
    "shipping.pickuppoint": "vacd",
    "privacy.consentrecord": "v",
    "interactions.event": "vd",
    "conversations.review": "vcd",
    "conversations.question": "vcd",
    "conversations.promise": "vcd",
    "conversations.productrating": "vcd",
    "needs.productrequest": "vacd",
    "needs.backinstockrequest": "vacd",
    "needs.wishlistitem": "vacd",
    "recommendations.trainingrun": "vd",
    "outbox.message": "v",
}

# What each role may do with each model in the admin (whatever the admin offers of it).
# A model not named is closed to the role.
_EVERYTHING = "vacd"
ROLE_ADMIN = {
    # Everything but the staff's own privileges: groups are only read, a second factor only
    # seen and reset.
    OWNER: {
        **{model: _EVERYTHING for model in ADMIN_OFFERS},
        "auth.group": "v",
        "otp_totp.totpdevice": "vd",
        "customers.recoverycodes": "vd",
    },
    MANAGER: {
        "catalog.category": "vacd",
        "catalog.product": "vacd",
        "catalog.searchquery": "vacd",
        "orders.order": "vacd",
        "payments.payment": "vc",
        "payments.paymentcallback": "vc",
        "payments.sandboxcharge": "vc",
        "shipping.deliverymethod": "vacd",
        "shipping.zone": "vacd",
        "shipping.pickuppoint": "vacd",
        "checkout.cart": "v",
        "conversations.review": "vacd",
        "conversations.question": "vacd",
        "conversations.promise": "vacd",
        "conversations.productrating": "vacd",
        "customers.user": "vac",
        "customers.address": "vacd",
        "customers.customernote": "vacd",
        "customers.customertag": "vacd",
        "needs.productrequest": "v",
        "needs.backinstockrequest": "v",
        "needs.wishlistitem": "v",
        "recommendations.trainingrun": "v",
        "outbox.message": "vc",
        "axes.accessattempt": "vd",
        "core.schedule": "v",
        "core.workerheartbeat": "v",
        "django_tasks_database.dbtaskresult": "v",
    },
    SUPPORT: {
        "conversations.review": "vacd",
        "conversations.question": "vacd",
        "conversations.promise": "vacd",
        "conversations.productrating": "vacd",
        "catalog.product": "v",
        "customers.user": "v",
        "customers.customernote": "va",
        "orders.order": "v",
    },
    # No payments, no customers' accounts, addresses or phones.
    MARKETER: {
        "catalog.category": "v",
        "catalog.product": "v",
        "catalog.searchquery": "v",
        "needs.productrequest": "v",
        "needs.backinstockrequest": "v",
        "needs.wishlistitem": "v",
        "recommendations.trainingrun": "v",
    },
    HANDLER: {
        "orders.order": "vc",
        "payments.payment": "vc",
        "payments.paymentcallback": "v",
        "shipping.deliverymethod": "v",
        "shipping.zone": "v",
        "shipping.pickuppoint": "v",
        "catalog.product": "v",
        "catalog.category": "v",
        "customers.user": "v",
        "customers.address": "vc",
        "customers.customernote": "va",
        "outbox.message": "v",
    },
    # Customers' requests for a copy of their data or their erasure, and the consent history.
    PRIVACY: {
        "customers.user": "vd",
        "privacy.consentrecord": "v",
    },
    EDITOR: {
        "catalog.category": "vacd",
        "catalog.product": "vacd",
        "catalog.searchquery": "v",
    },
}

_INBOX = {OWNER, MANAGER, SUPPORT}
_CUSTOMERS = {OWNER, MANAGER, SUPPORT, HANDLER, PRIVACY}
_NOTES = {OWNER, MANAGER, SUPPORT, HANDLER}
_TAGGERS = {OWNER, MANAGER, HANDLER}
_CATALOG_READERS = {OWNER, MANAGER, SUPPORT, MARKETER, HANDLER, EDITOR}

# Every other staff page: (the roles allowed, a superuser always unless None; POST or GET;
# what it is given). Arguments and
# posted data are built from the module's rows (``world``) and the user asking.
PAGES = {
    "backoffice:customer_search": (_CUSTOMERS, "GET", lambda w, u: ([], {})),
    "backoffice:customer_timeline": (_CUSTOMERS, "GET", lambda w, u: ([w["customer"].pk], {})),
    "backoffice:customer_note_add": (
        _NOTES,
        "POST",
        lambda w, u: ([w["customer"].pk], {"text": "Prefers calls after six"}),
    ),
    # One's own note (another's is refused to everyone but by the note rule, not the role).
    "backoffice:customer_note_delete": (
        _CUSTOMERS,
        "POST",
        lambda w, u: ([w["customer"].pk, _own_note(w, u).pk], {}),
    ),
    "backoffice:customer_tags": (
        _TAGGERS,
        "POST",
        lambda w, u: ([w["customer"].pk], {"action": "add", "name": "wholesale"}),
    ),
    # The audit log: the owner's (and a superuser's).
    "backoffice:audit_log": ({OWNER}, "GET", lambda w, u: ([], {})),
    # A copy of a customer's data for them, and erasing their account.
    "backoffice:customer_export": (
        {OWNER, PRIVACY},
        "POST",
        lambda w, u: ([w["customer"].pk], {}),
    ),
    "backoffice:customer_export_download": (
        {OWNER, PRIVACY},
        "GET",
        lambda w, u: ([w["customer"].pk, _staff_export(w).pk], {}),
    ),
    "backoffice:customer_erase": ({OWNER, PRIVACY}, "GET", lambda w, u: ([w["customer"].pk], {})),
    "backoffice:inbox": (_INBOX, "GET", lambda w, u: ([], {})),
    "backoffice:inbox_question": (_INBOX, "GET", lambda w, u: ([w["question"].pk], {})),
    "backoffice:inbox_promise": (_INBOX, "GET", lambda w, u: ([w["promise"].pk], {})),
    "backoffice:inbox_take": (_INBOX, "POST", lambda w, u: ([w["promise"].pk], {})),
    "backoffice:inbox_chat": (_INBOX, "GET", lambda w, u: ([w["chat"].pk], {})),
    "backoffice:inbox_chat_close": (
        _INBOX,
        "POST",
        lambda w, u: ([w["chat"].pk], {"text": "Sent today."}),
    ),
    "backoffice:inbox_reviews": (_INBOX, "GET", lambda w, u: ([], {})),
    "backoffice:inbox_review_moderate": (
        _INBOX,
        "POST",
        lambda w, u: ([w["review"].pk], {"action": "approve"}),
    ),
    "backoffice:needs": (_CATALOG_READERS, "GET", lambda w, u: ([], {})),
    "backoffice:needs_searches": (_CATALOG_READERS, "GET", lambda w, u: ([], {})),
    "backoffice:fact_from_message": (
        _NOTES,
        "POST",
        lambda w, u: ([], {"source": "question", "id": w["question"].pk, "text": "Has a dog"}),
    ),
    "backoffice:fact_add": (
        _NOTES,
        "POST",
        lambda w, u: ([w["customer"].pk], {"text": "Buys for a cafe"}),
    ),
    "recommendations:staff_customer": (
        _CUSTOMERS,
        "GET",
        lambda w, u: ([str(w["customer"].pk)], {}),
    ),
    # The order's move through its states (POSTed from its admin page): changing orders.
    "admin:orders_order_transition": (
        {OWNER, MANAGER, HANDLER},
        "POST",
        lambda w, u: ([w["order"].pk], {"to_status": "cancelled"}),
    ),
    # A staff member's password, set from the admin: changing customers' accounts.
    "admin:auth_user_password_change": (
        {OWNER, MANAGER},
        "GET",
        lambda w, u: ([w["customer"].pk], {}),
    ),
    # The authenticator's key and QR code are never shown in the admin, to anyone at all.
    "admin:otp_totp_totpdevice_config": (None, "GET", lambda w, u: ([w["device"].pk], {})),
    "admin:otp_totp_totpdevice_qrcode": (None, "GET", lambda w, u: ([w["device"].pk], {})),
    # The admin's home: any staff member (it lists what they may open).
    "admin:index": (set(ROLES) | {NO_ROLE}, "GET", lambda w, u: ([], {})),
}

# Admin pages that are not a model's nor a permission's: the login and logout, one's own
# password, the admin's translations, the autocomplete (which checks the model admin's view
# permission itself), "view on site" redirects and an app's index (which lists only the
# models one may open).
NOT_PERMISSION_PAGES = {
    "admin_login",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:view_on_site",
    "admin:app_list",
}

ADMIN_ACTIONS = ("changelist", "add", "change", "delete", "history")

# The bulk actions of the admin's lists, and what each needs of its model (v a c d, as in
# ROLE_ADMIN). Django offers an action without permissions to anyone who may see the list,
# so each one names what it changes.
_MOVES = [f"move_to_{s}" for s in ("packed", "shipped", "delivered", "completed", "cancelled")]
BULK_ACTIONS = {
    "catalog.category": {"recount_products": "c"},
    "catalog.product": {"activate": "c", "deactivate": "c"},
    "conversations.review": {"approve_reviews": "c"},
    "conversations.question": {"hide": "c", "show": "c"},
    "axes.accessattempt": {"lift_lockouts": "d"},
    "orders.order": {"mark_paid_action": "c", **{move: "c" for move in _MOVES}},
    # Sending again is changing a message's state; the outbox admin itself edits nothing.
    "outbox.message": {"send_again": "c"},
    "payments.payment": {"confirm_bank_transfer": "c", "confirm_cash_received": "c"},
    # Starting a training run: adding one.
    "recommendations.trainingrun": {"retrain": "a"},
}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield (
                prefix + str(pattern.pattern),
                (namespace + pattern.name if pattern.name else None),
            )


def staff_url_names() -> set[str]:
    """The name of every staff page in the URLconf: under /admin/ and /backoffice/, and any
    other path with "staff" in it. (The admin's unnamed patterns redirect to named ones.)"""
    return {
        name
        for route, name in _walk(get_resolver().url_patterns)
        if name and (route.startswith(("admin/", "backoffice/")) or "staff" in route)
    }


def admin_cases():
    """(url name, model label, action) for each action of each registered model admin."""
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for action in ADMIN_ACTIONS:
            yield f"{info}_{action}", model._meta.label_lower, action


def expected_admin(who, label, action) -> str:
    if who in (ANONYMOUS, CUSTOMER):
        return LOGIN
    offered = ADMIN_OFFERS[label]
    held = offered if who == SUPERUSER else ROLE_ADMIN.get(who, {}).get(label, "")
    if action in ("changelist", "change", "history"):
        # Django opens these with the view or the change permission.
        may = bool({"v", "c"} & set(held) & set(offered))
    else:
        letter = {"add": "a", "delete": "d"}[action]
        may = letter in held and letter in offered
    return ALLOWED if may else REFUSED


def expected_page(who, allowed) -> str:
    """``allowed`` None: nobody, not even a superuser."""
    if who in (ANONYMOUS, CUSTOMER):
        return LOGIN
    if allowed is None:
        return REFUSED
    return ALLOWED if who == SUPERUSER or who in allowed else REFUSED


def outcome(response) -> str:
    if response.status_code == 302 and "/login/" in response["Location"]:
        return LOGIN
    if response.status_code == 403:
        return REFUSED
    if response.status_code in (200, 302, 400):
        return ALLOWED
    return f"HTTP {response.status_code}"


def _own_note(world, user):
    from duken.customers.models import CustomerNote

    return CustomerNote.objects.create(customer=world["customer"], author=user, text="Own note")


def _staff_export(world):
    """A copy of the customer's data made for staff, ready to download (made in the test, whose
    private storage folder is its own)."""
    from duken.privacy import export

    made = export.request_export(world["customer"], requested_by=world["users"][SUPERUSER])
    export.build(made.pk)
    return made


def _make_world():
    """One row of every model the admin shows, and the rows the back-office pages open."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    from duken.catalog.models import SearchQuery
    from duken.checkout.models import Cart
    from duken.conversations import chat, questions
    from duken.conversations.models import ProductRating, Promise, Review
    from duken.core.models import Schedule, WorkerHeartbeat
    from duken.customers.models import Address, CustomerNote, CustomerTag, RecoveryCodes
    from duken.interactions.models import Event
    from duken.needs.models import BackInStockRequest, ProductRequest, WishlistItem
    from duken.orders.models import OrderStatus
    from duken.outbox.models import Message
    from duken.payments.models import Payment, PaymentCallback, SandboxCharge
    from duken.privacy.models import ConsentRecord
    from duken.recommendations.models import TrainingRun

    User = get_user_model()
    now = timezone.now()
    w = {}
    w["customer"] = customer = User.objects.create_user(
        "aruzhan@example.kz", "Steppe-Winds-2026", first_name="Aruzhan", phone="+77010000001"
    )
    product = make_product(name="Felt Slippers", price="5400")
    make_shipping()
    w["order"] = order = make_order(
        lines=[(product, 1, 0)], status=OrderStatus.AWAITING_PAYMENT, user=customer
    )
    w["question"] = questions.ask(customer, product, "Do they run small?")
    w["promise"] = Promise.objects.get(kind=Promise.Kind.QUESTION)
    w["chat"] = chat.start(text="Where is my parcel?", customer=customer)
    w["review"] = Review.objects.create(product=product, user=customer, rating=5, text="Warm.")
    ProductRating.objects.get_or_create(product=product)
    SearchQuery.objects.create(query="yurt", normalized="yurt", result_count=0)
    Address.objects.create(
        user=customer, full_name="Aruzhan S", phone="+77010000001", region="Almaty",
        city="Almaty", street="Abay 1",
    )  # fmt: skip
    CustomerTag.objects.create(name="Regular", key="regular")
    CustomerNote.objects.create(customer=customer, text="Called about sizes")
    w["device"] = TOTPDevice.objects.create(user=customer, name="Phone", confirmed=False)
    RecoveryCodes.objects.create(user=customer, name="Recovery codes")
    Cart.objects.create()
    Payment.objects.create(
        order=order, provider="bank_transfer", amount=Decimal("5400"), reference="BT-1"
    )
    PaymentCallback.objects.create(provider="sandbox", payload={}, accepted=True)
    SandboxCharge.objects.create(
        idempotency_key=uuid.uuid4(), reference="SB-1", amount=Decimal("1"), currency="KZT",
        outcome="success",
    )  # fmt: skip
    ConsentRecord.objects.create(
        user=customer, purpose="marketing", granted=True, wording_version="1", source="test"
    )
    Event.objects.create(kind="view")
    ProductRequest.objects.create(text="A dombra", normalized="dombra")
    BackInStockRequest.objects.create(product=product, email="aruzhan@example.kz")
    WishlistItem.objects.create(customer=customer, product=product)
    TrainingRun.objects.create(kind=TrainingRun.Kind.FULL, started_at=now)
    Message.objects.create(
        key="k-1", kind="order", sender="shop@duken.example", to="a@example.kz", subject="Hi"
    )
    Schedule.objects.create(name="matrix", task_path="x.y", interval_seconds=60)
    WorkerHeartbeat.objects.create(worker_id="w-1", host="h", pid=1, started_at=now, last_seen=now)
    DBTaskResult.objects.create(
        args_kwargs={}, task_path="x.y", backend_name="default",
        run_after=now + dt.timedelta(days=1), exception_class_path="", traceback="",
    )  # fmt: skip
    for log in (AccessLog, AccessFailureLog):
        log.objects.create(user_agent="ua", http_accept="*/*", path_info="/login/")
    AccessAttempt.objects.create(
        user_agent="ua", http_accept="*/*", path_info="/login/", get_data="", post_data="",
        failures_since_start=1,
    )  # fmt: skip
    # One entry of the audit log (a staff member read this customer's timeline).
    from duken.core import audit

    audit.record(audit.CUSTOMER_VIEW, obj=customer)
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The rows and one signed-in browser per kind of user, made once for the module and
    rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        w = _make_world()
        User = get_user_model()
        users, clients = {}, {}
        for who in WHO:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if who == ANONYMOUS:
                users[who] = None
            elif who == CUSTOMER:
                users[who] = w["customer"]
                client.force_login(w["customer"])
            else:
                email = f"{who.replace(' ', '-').replace(',', '')}@duken.example".lower()
                if who == SUPERUSER:
                    user = User.objects.create_superuser(email, "Steppe-Winds-2026")
                else:
                    user = User.objects.create_user(email, "Steppe-Winds-2026", is_staff=True)
                if who in ROLES:
                    user.groups.add(Group.objects.get(name=who))
                users[who] = user
                login_verified(client, user)
            clients[who] = client
        w["users"], w["clients"] = users, clients
        yield w
        transaction.set_rollback(True)


def _admin_url(world, label, action):
    name = f"admin:{label.replace('.', '_')}_{action}"
    if action in ("changelist", "add"):
        return reverse(name)
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    obj = world["customer"] if label == "customers.user" else model._default_manager.first()
    assert obj is not None, f"the matrix needs one {label} row: add it to _make_world"
    return reverse(name, args=[obj.pk])


def _ask(world, who, method, url, data):
    # Each request in a savepoint undone after it: a refused one must change nothing, and an
    # allowed one (a note, a closed chat) must not change what the next user finds.
    with transaction.atomic():
        client = world["clients"][who]
        response = client.post(url, data) if method == "POST" else client.get(url)
        transaction.set_rollback(True)
    return outcome(response)


def test_every_staff_page_is_in_the_matrix():
    # given every named staff URL of the URLconf
    names = staff_url_names()
    covered = {name for name, _label, _action in admin_cases()} | set(PAGES)
    # then each is checked below, or is one of the admin's pages that need no permission
    assert names - covered - NOT_PERMISSION_PAGES == set()
    # and the tables name nothing that is gone, and every registered model
    assert covered - names == set()
    assert set(ADMIN_OFFERS) == {m._meta.label_lower for m in admin.site._registry}


def matrix_size() -> tuple[int, int]:
    return len(list(admin_cases())) + len(PAGES), len(WHO)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "label", "action"),
    list(admin_cases()),
    ids=[name for name, _l, _a in admin_cases()],
)
def test_admin_page_per_role(world, name, label, action):
    # given the model admin's page for one row (or its list, or its add form)
    url = _admin_url(world, label, action)
    # when each kind of user opens it
    got = {who: _ask(world, who, "GET", url, {}) for who in WHO}
    # then each is let in or refused as the roles say
    assert got == {who: expected_admin(who, label, action) for who in WHO}, url


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_staff_page_per_role(world, name):
    allowed, method, build = PAGES[name]
    got, want = {}, {}
    for who in WHO:
        # given the page's arguments (and posted data) for this user
        args, data = build(world, world["users"][who])
        url = reverse(name, args=args)
        # when they open it (or post to it)
        got[who] = _ask(world, who, method, url, data)
        want[who] = expected_page(who, allowed)
    # then each is let in or refused as the roles say
    assert got == want, name


def expected_bulk_actions(who, label) -> set[str]:
    held = "vacd" if who == SUPERUSER else ROLE_ADMIN.get(who, {}).get(label, "")
    if not ({"v", "c"} & set(held)):
        return set()  # the list does not open at all
    wanted = {name for name, needs in BULK_ACTIONS.get(label, {}).items() if needs in held}
    if "d" in held and "d" in ADMIN_OFFERS[label]:
        wanted.add("delete_selected")
    return wanted


@pytest.mark.django_db
def test_bulk_actions_per_role(world, rf):
    # given every model admin, and the bulk actions it has for a superuser
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        request = rf.get("/")
        request.user = world["users"][SUPERUSER]
        every = set(model_admin.get_actions(request)) - {"delete_selected"}
        # then each is in the table
        assert every == set(BULK_ACTIONS.get(label, {})), label
        for who in [NO_ROLE, *ROLES, SUPERUSER]:
            # when a staff member of each role opens the list
            request.user = world["users"][who]
            offered = (
                set(model_admin.get_actions(request))
                if model_admin.has_view_or_change_permission(request)
                else set()
            )
            # then they are offered exactly the actions their role allows
            assert offered == expected_bulk_actions(who, label), (who, label)


def test_the_matrix_size():
    # given the pages and the kinds of users
    urls, users = matrix_size()
    # then (printed with -s; the report of the suite's run quotes it)
    print(f"\nrole matrix: {urls} staff URLs x {users} kinds of users = {urls * users} checks")
    assert urls >= 5 * len(ADMIN_OFFERS) and users == len(WHO) == 11

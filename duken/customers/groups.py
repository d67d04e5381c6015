"""Staff roles: one permission group per role, ensured after every migrate and by
``duken setup_store``. Least privilege: each role gets what its work needs and no more; only a
superuser grants staff status and groups (``customers/admin.py``).

A role's name is data (stable English, it is what the database and the code look up); the UI
shows ``LABELS`` in the reader's language. The matrix test (``backoffice/tests/
test_role_matrix.py``) holds every back-office page and admin action to a table of its own of
who may open it, so a spec that drifts from it fails there.

A spec maps app label -> model -> actions; ``"*"`` as the model means every model of the app.
A permission that does not exist (an app or model not installed yet, such as the audit log)
is skipped, so a role may name what a later capability brings."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

OWNER = "Owner"
MANAGER = "Manager"
SUPPORT = "Support"
MARKETER = "Marketer"
ORDER_HANDLERS = "Order handlers"
CATALOG_EDITORS = "Catalog editors"
PRIVACY_OFFICERS = "Privacy officers"

# Renamed roles: old name -> new name (the data migration of customers renames the group).
RENAMED = {"Shop managers": MANAGER}

# The apps whose every model the owner runs (not Django's own plumbing: content types,
# sessions, the permissions table, the admin's log entries).
SHOP_APPS = (
    "catalog",
    "checkout",
    "conversations",
    "interactions",
    "needs",
    "orders",
    "outbox",
    "payments",
    "privacy",
    "recommendations",
    "shipping",
    # Login lockouts, the task queue's results.
    "axes",
    "django_tasks_database",
)

ROLES = {
    # Everything in the shop short of a superuser's powers: a superuser's account, staff
    # status, groups and permissions of people stay with superusers.
    OWNER: {
        **{app: {"*": ALL} for app in SHOP_APPS},
        # A copy of a customer's data for them (the data export's own permission).
        "privacy": {"*": (*ALL, "export")},
        "customers": {
            "user": ALL,
            "address": ALL,
            "customernote": ALL,
            "customertag": ALL,
            "customertagging": ALL,
            "customerfact": ALL,
            "pendingregistration": ("view", "delete"),
            # A staff member's second factor: seen, and reset (deleted) when a phone is lost;
            # never made or changed for someone else.
            "recoverycodes": ("view", "delete"),
        },
        "otp_totp": {"totpdevice": ("view", "delete")},
        "auth": {"group": VIEW},
        # The background work, and the audit log (core.AuditEntry) once installed: reading it
        # only, as nobody may change or delete its entries.
        "core": {"schedule": ALL, "workerheartbeat": ALL, "auditentry": VIEW},
    },
    MANAGER: {
        "catalog": {"*": ALL},
        "orders": {"*": ALL},
        "payments": {"*": ("view", "change")},
        "shipping": {"*": ALL},
        "checkout": {"*": VIEW},
        "conversations": {"*": ALL},
        "customers": {
            "user": ("add", "change", "view"),
            "address": ALL,
            "customernote": ALL,
            "customertag": ALL,
            "customertagging": ALL,
        },
        "needs": {"*": VIEW},
        "recommendations": {"*": VIEW},
        "outbox": {"message": ("view", "change")},
        # Login lockouts: see them, and lift one by deleting its failed attempts.
        "axes": {"accessattempt": ("view", "delete")},
        # The background work: schedules with their last and next run, workers' heartbeats.
        "core": {"schedule": VIEW, "workerheartbeat": VIEW},
        "django_tasks_database": {"dbtaskresult": VIEW},
    },
    # The inbox (questions, chats, promises, reviews), customers' timelines and notes, orders
    # to answer about them; new promises go to its first member.
    SUPPORT: {
        "conversations": {"*": ALL},
        "catalog": {"product": VIEW},
        "customers": {"user": VIEW, "customernote": ("view", "add")},
        "orders": {"order": VIEW, "orderline": VIEW},
    },
    # Reads what shoppers look for and want; no payments, no customers' accounts (addresses,
    # phones).
    MARKETER: {
        "catalog": {"*": VIEW},
        "needs": {"productrequest": VIEW, "backinstockrequest": VIEW, "wishlistitem": VIEW},
        "recommendations": {"trainingrun": VIEW},
        # Later capabilities add their permissions here: customer segments, campaigns,
        # analytics (e.g. "segments": {"*": ALL}). Never "payments", never "customers" models
        # holding addresses or phones.
    },
    ORDER_HANDLERS: {
        "orders": {"order": ("view", "change"), "orderline": VIEW, "orderevent": VIEW},
        "payments": {"payment": ("view", "change"), "paymentcallback": VIEW},
        "shipping": {"*": VIEW},
        "catalog": {"product": VIEW, "category": VIEW},
        "customers": {
            "user": VIEW,
            "address": ("view", "change"),
            "customernote": ("view", "add"),
            "customertagging": ("view", "add", "delete"),
        },
        "outbox": {"message": VIEW},
    },
    # Customers' privacy requests: a copy of a customer's data, the erasure of an account
    # (which anonymizes it and keeps the orders), the consent history.
    PRIVACY_OFFICERS: {
        "customers": {"user": ("view", "delete")},
        "privacy": {"dataexport": ("view", "export"), "consentrecord": VIEW},
    },
    CATALOG_EDITORS: {
        "catalog": {
            "category": ALL,
            "product": ALL,
            "productimage": ALL,
            "searchquery": VIEW,
        },
    },
}

# The name of each role in the reader's language, where the UI shows it.
LABELS = {
    OWNER: _("Shop owner"),
    MANAGER: _("Manager"),
    SUPPORT: _("Support"),
    MARKETER: _("Marketer"),
    ORDER_HANDLERS: _("Order handlers"),
    CATALOG_EDITORS: _("Catalog editors"),
}

# The name kept for code that still imports it.
GROUPS = ROLES


def label(name: str) -> str:
    """A group's name as the UI shows it: a role's translated label, any other group's name."""
    return str(LABELS.get(name, name))


def role_permissions(spec, using=DEFAULT_DB_ALIAS, apps=global_apps):
    """The permissions a role's spec names that exist (missing ones are skipped)."""
    Permission = apps.get_model("auth", "Permission")
    wanted = set()
    for app_label, models in spec.items():
        for model, actions in models.items():
            perms = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if model != "*":
                perms = perms.filter(content_type__model=model)
            wanted |= {p for p in perms if p.codename.split("_", 1)[0] in actions}
    return wanted


def ensure_staff_groups(using=DEFAULT_DB_ALIAS):
    """Create (or complete) the staff roles' groups. Safe to run any number of times; adds
    missing permissions and never takes one away (a shop may have widened a role)."""
    Group = global_apps.get_model("auth", "Group")
    # Permissions of apps migrated after this one do not exist yet during post_migrate.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    created = []
    for name, spec in ROLES.items():
        group, made = Group.objects.using(using).get_or_create(name=name)
        if made:
            created.append(name)
        group.permissions.add(*role_permissions(spec, using=using))
    return created


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    ensure_staff_groups(using=using)

"""Staff permission groups, ensured after every migrate."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

# app label -> model -> actions; "*" means every model of the app.
ALL = ("add", "change", "delete", "view")
GROUPS = {
    "Shop managers": {
        "catalog": {"*": ALL},
        "orders": {"*": ALL},
        "payments": {"*": ("view", "change")},
        "shipping": {"*": ALL},
        "checkout": {"*": ("view",)},
        "conversations": {"*": ALL},
        "customers": {
            "user": ("add", "change", "view"),
            "address": ALL,
            "customernote": ALL,
            "customertag": ALL,
            "customertagging": ALL,
        },
        "outbox": {"message": ("view", "change")},
        # Login lockouts: see them, and lift one by deleting its failed attempts.
        "axes": {"accessattempt": ("view", "delete")},
        # The background work: schedules with their last and next run, workers' heartbeats.
        "core": {"schedule": ("view",), "workerheartbeat": ("view",)},
        "django_tasks_db": {"dbtaskresult": ("view",)},
    },
    "Order handlers": {
        "orders": {"order": ("view", "change"), "orderline": ("view",), "orderevent": ("view",)},
        "payments": {"payment": ("view", "change"), "paymentcallback": ("view",)},
        "shipping": {"*": ("view",)},
        "catalog": {"product": ("view",), "category": ("view",)},
        "customers": {
            "user": ("view",),
            "address": ("view", "change"),
            "customernote": ("view", "add"),
            "customertagging": ("view", "add", "delete"),
        },
        "outbox": {"message": ("view",)},
    },
    # Answer questions and chats, moderate reviews; new promises go to its first member.
    "Support": {
        "conversations": {"*": ALL},
        "catalog": {"product": ("view",)},
        "customers": {"user": ("view",), "customernote": ("view", "add")},
        "orders": {"order": ("view",), "orderline": ("view",)},
    },
    # Customers' privacy requests: a copy of a customer's data, the erasure of an account
    # (which anonymizes it and keeps the orders), the consent history.
    "Privacy officers": {
        "customers": {"user": ("view", "delete")},
        "privacy": {"dataexport": ("view", "export"), "consentrecord": ("view",)},
    },
    "Catalog editors": {
        "catalog": {
            "category": ALL,
            "product": ALL,
            "productimage": ALL,
            "searchquery": ("view",),
        },
    },
}


def ensure_staff_groups(using=DEFAULT_DB_ALIAS):
    """Create (or complete) the staff groups. Safe to run any number of times."""
    Group = global_apps.get_model("auth", "Group")
    Permission = global_apps.get_model("auth", "Permission")
    # Permissions of apps migrated after this one do not exist yet during post_migrate.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    for name, spec in GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = []
        for app_label, models in spec.items():
            for model, actions in models.items():
                perms = Permission.objects.using(using).filter(content_type__app_label=app_label)
                if model != "*":
                    perms = perms.filter(content_type__model=model)
                wanted += [p for p in perms if p.codename.split("_", 1)[0] in actions]
        group.permissions.add(*wanted)


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    ensure_staff_groups(using=using)

"""The database of needs (wishlist, back-in-stock and product requests) and what customers
told us about themselves, shown to staff and to the customer."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "duken.needs"
    label = "needs"
    verbose_name = _("Customer needs")

    def ready(self):
        from duken.core import recurring
        from duken.customers.timeline import register_panel

        from . import memory, privacy_rights, signals

        signals.connect()
        memory.register()
        privacy_rights.register()
        recurring.register(
            "needs.back-in-stock-sweep", "duken.needs.tasks.notify_all_waiting_task", every=3600
        )
        # Beside the staff's customer timeline: what the customer told us about themselves.
        register_panel("facts", "needs/_staff_facts.html", _facts_panel_context)


def _facts_panel_context(customer, request) -> dict:
    from duken.customers.facts import facts_for

    user = getattr(request, "user", None)
    return {
        "facts": facts_for(customer, include_inactive=True),
        "may_add_fact": bool(user and user.has_perm(FACT_PERMISSION)),
    }


# Staff who may write notes about a customer may also keep what the customer told us.
FACT_PERMISSION = "customers.add_customernote"

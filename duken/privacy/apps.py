from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "duken.privacy"
    label = "privacy"

    def ready(self):
        from duken.core import recurring
        from duken.customers import erasure
        from duken.customers.figures import register_line_filter
        from duken.interactions import gates
        from duken.interactions.visitor import register_keep_check

        from . import erase, export, forgotten, signals  # noqa: F401
        from .services import has_analytics_consent, may_keep_visitor_id

        register_keep_check(may_keep_visitor_id)
        # What the interaction log may keep is privacy's decision (the log never imports it).
        gates.register(
            analytics_allowed=has_analytics_consent,
            refuses=forgotten.refuses,
            unwanted=forgotten.unwanted,
            covered=forgotten.covered_history,
        )
        register_line_filter(forgotten.forgotten_lines)
        # The admin's delete of a customer anonymizes, as the customer's own request does.
        erasure.register(erase.erase_customer)
        recurring.register(
            "privacy.expire-exports", "duken.privacy.tasks.expire_data_exports", every=3600
        )
        recurring.register(
            "privacy.retention",
            "duken.privacy.tasks.apply_retention",
            every=lambda: 24 * 3600,
        )

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "duken.recommendations"
    label = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self):
        from duken.core import recurring
        from duken.customers.timeline import register_panel
        from duken.privacy.erase import register_eraser

        from . import memory, signals
        from .models import CustomerRecommendations

        signals.connect()
        memory.register()
        # An erased customer's personal recommendations go with the account's history.
        register_eraser(
            "recommendations",
            lambda user, email: CustomerRecommendations.objects.filter(user_id=user.pk).delete(),
        )
        recurring.register(
            "recommendations.retrain",
            "duken.recommendations.tasks.train_recommendations",
            every=lambda: settings.DUKEN_RECS_RETRAIN_HOURS * 3600,  # 0: no scheduled retrain
        )
        # Beside the staff's customer timeline: what the customer would be recommended, why.
        register_panel(
            "recommendations", "recommendations/_staff_customer.html", _staff_panel_context
        )


def _staff_panel_context(customer, request) -> dict:
    from .services import recommendations_for_customer

    return {"view": recommendations_for_customer(customer)}

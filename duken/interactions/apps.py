from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "duken.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self):
        from . import signals  # noqa: F401

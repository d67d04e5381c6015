from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CustomersConfig(AppConfig):
    name = "duken.customers"
    label = "customers"

    def ready(self):
        from . import figures, timeline_sources
        from .groups import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="customers-staff-groups")
        timeline_sources.register()
        figures.register()

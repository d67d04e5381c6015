from django.apps import AppConfig
from django.conf import settings
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

DAY = 24 * 3600


class CoreConfig(AppConfig):
    name = "duken.core"
    label = "core"
    # The app's only models are the worker's: schedules of recurring work and heartbeats.
    verbose_name = _("Background work")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers Duken's system checks)
            recurring,
        )
        from .converters import TextConverter

        register_converter(TextConverter, "text")
        # What `duken clearsessions` does, daily, without cron.
        recurring.register(
            "core.clear-sessions", "duken.core.tasks.clear_expired_sessions", every=DAY
        )
        # A backup a day into DUKEN_BACKUP_DIR, only when that is set.
        recurring.register(
            "core.backup",
            "duken.core.tasks.back_up",
            every=lambda: DAY if settings.DUKEN_BACKUP_DIR else 0,
        )

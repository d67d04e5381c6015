from django.apps import AppConfig
from django.conf import settings
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

DAY = 24 * 3600


class CoreConfig(AppConfig):
    name = "duken.core"
    label = "core"
    # The app's models: the worker's schedules and heartbeats, and the audit log.
    verbose_name = _("Background work and audit log")

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
        # The audit log's entries are chained within a minute of being written.
        recurring.register("core.audit-seal", "duken.core.tasks.seal_audit_log", every=60)

from django.apps import AppConfig
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

        # What `duken clearsessions` does, daily, without cron.
        recurring.register(
            "core.clear-sessions", "duken.core.tasks.clear_expired_sessions", every=DAY
        )

from django.apps import AppConfig

DAY = 24 * 3600


class CoreConfig(AppConfig):
    name = "duken.core"
    label = "core"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers Duken's system checks)
            recurring,
        )

        # What `duken clearsessions` does, daily, without cron.
        recurring.register(
            "core.clear-sessions", "duken.core.tasks.clear_expired_sessions", every=DAY
        )

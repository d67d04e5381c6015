from django.core.management.base import BaseCommand

from duken.privacy import export, retention


class Command(BaseCommand):
    help = (
        "Delete now what is past its retention period (DUKEN_RETENTION_RAW_EVENTS_DAYS, "
        "DUKEN_RETENTION_ANONYMOUS_DAYS) and the files of expired data exports, as the worker "
        "does daily. Safe to run at any time."
    )

    def handle(self, *args, **options):
        counts = retention.purge()
        expired = export.expire_exports()
        self.stdout.write(
            f"Deleted {counts['events']} old events, {counts['anonymous_events']} anonymous "
            f"events and {counts['anonymous_consents']} anonymous consent records; unlinked "
            f"{counts['searches_unlinked']} searches from their sessions; expired {expired} "
            "data exports."
        )

"""Read-only admin pages for the background work: the schedules of recurring work (last and
next run) and the workers with their last heartbeat. Staff see them with the view_schedule /
view_workerheartbeat permission (the "Shop managers" group has both); nobody edits them here:
the schedules come from the code, the heartbeats from the workers."""

from datetime import timedelta

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from . import workers
from .models import Schedule, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "every",
        "enabled",
        "last_run_at",
        "last_status",
        "next_run_at",
        "task_path",
    )
    list_filter = ("enabled", "last_status")
    fields = (
        "name",
        "task_path",
        "every",
        "enabled",
        "last_run_at",
        "last_status",
        "last_result",
        "next_run_at",
    )
    readonly_fields = fields

    @admin.display(description=_("every"))
    def every(self, schedule):
        now = timezone.now()
        return timesince(now - timedelta(seconds=schedule.interval_seconds), now, depth=2)

    @admin.display(description=_("last run's task result"))
    def last_result(self, schedule):
        if not schedule.last_result_id:
            return self.get_empty_value_display()
        try:  # the database queue's results have admin pages of their own
            url = reverse(
                "admin:django_tasks_db_dbtaskresult_change", args=[schedule.last_result_id]
            )
        except NoReverseMatch:
            return schedule.last_result_id
        return format_html('<a href="{}">{}</a>', url, schedule.last_result_id)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "host", "pid", "started_at", "last_seen", "answering")
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("answering"), boolean=True)
    def answering(self, heartbeat):
        return timezone.now() - heartbeat.last_seen <= timedelta(seconds=workers.timeout())

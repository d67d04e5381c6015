"""The base of every admin page of the shop: a malformed request gets the admin's usual answer,
never a server error. Each app's model admins and inlines derive from the classes here (a test
holds every registered one to it); Django's group admin and the task queue's admin are
registered again below with the same base.

Below them, read-only pages for the background work: the schedules of recurring work (last and
next run) and the workers with their last heartbeat (view_schedule / view_workerheartbeat; the
"Manager" group has both). Nobody edits them here: the schedules come from the code, the
heartbeats from the workers."""

from datetime import timedelta

from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin as TasksDBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from . import workers
from .models import Schedule, WorkerHeartbeat

# Longer than anything searched for in the admin. SQLite refuses a LIKE pattern over 50,000
# bytes ("LIKE or GLOB pattern too complex"), and a term is matched with LIKE on every field.
SEARCH_TERM_MAX_LENGTH = 200


def _key_field(model, to_field_name=None):
    return model._meta.get_field(to_field_name or model._meta.pk.name)


def _may_be_key(key_field, value) -> bool:
    """Whether a posted ``value`` can be a value of the key at all: "abc" or a number beyond
    the column's range cannot, and a database lookup with one fails (ValueError; OverflowError
    on SQLite, a DataError on PostgreSQL) instead of finding nothing."""
    try:
        key_field.run_validators(key_field.to_python(value))
    except ValidationError:
        return False
    return True


class _KeysOnlyMixin:
    def optgroups(self, name, value, attr=None):
        # A posted value that can be no key is shown as nothing chosen (the form says the
        # choice is not valid); Django's widget looks every one up as it is.
        remote = self.field.remote_field
        key = _key_field(remote.model, getattr(remote, "field_name", None))
        return super().optgroups(name, [v for v in value if _may_be_key(key, v)], attr)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # Django checks each key's form but looks them all up in one IN query, which fails on
        # a number beyond the column's range; such a value is not a valid choice.
        key = _key_field(self.queryset.model, self.to_field_name)
        try:
            bad = [v for v in frozenset(value) if not _may_be_key(key, v)]
        except TypeError:  # not a list: Django says so
            bad = []
        if bad:
            raise ValidationError(
                self.error_messages["invalid_pk_value"],
                code="invalid_pk_value",
                params={"pk": bad[0]},
            )
        return super()._check_values(value)


class AutocompleteSelect(_KeysOnlyMixin, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_KeysOnlyMixin, widgets.AutocompleteSelectMultiple):
    pass


class RobustFormsMixin:
    """Admin forms, of a model admin or an inline, that redisplay any posted value."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RobustAdminMixin(RobustFormsMixin):
    def get_search_results(self, request, queryset, search_term):
        """The changelist's search and the autocomplete, with the term cut to a sane length."""
        return super().get_search_results(request, queryset, search_term[:SEARCH_TERM_MAX_LENGTH])

    def get_object(self, request, object_id, from_field=None):
        # Django lets an empty "?_to_field=" through its check of the field and then looks up
        # a field named "" (FieldDoesNotExist); empty means the primary key, as when absent.
        return super().get_object(request, object_id, from_field or None)


class ModelAdmin(RobustAdminMixin, admin.ModelAdmin):
    pass


class TabularInline(RobustFormsMixin, admin.TabularInline):
    pass


class StackedInline(RobustFormsMixin, admin.StackedInline):
    pass


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(RobustAdminMixin, DjangoGroupAdmin):
    pass


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class DBTaskResultAdmin(RobustAdminMixin, TasksDBTaskResultAdmin):
    pass


class ReadOnlyAdmin(ModelAdmin):
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


# Third-party admin pages get the same robust base: the login lockouts' log (django-axes) and
# the authenticator apps (django-otp); the lockouts themselves are the customers app's page.
def _rebase(model, admin_class):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(admin_class.__name__, (RobustAdminMixin, admin_class), {}))


_rebase(AccessLog, AccessLogAdmin)
_rebase(AccessFailureLog, AccessFailureLogAdmin)
_rebase(TOTPDevice, TOTPDeviceAdmin)

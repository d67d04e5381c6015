"""The base of every admin page of the shop: a malformed request gets the admin's usual answer,
never a server error, and every add, change and delete is written to the audit log. Each app's model admins and inlines derive from the classes here (a test
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
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.admin import DBTaskResultAdmin as TasksDBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from . import audit, workers
from .models import AuditEntry, Schedule, WorkerHeartbeat

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


def _old_value(form, name):
    """A field's value before the form changed it, as the log shows it (a chosen object by its
    name, not its key)."""
    old = form.initial.get(name)
    field = form.fields.get(name)
    if isinstance(field, forms.ModelChoiceField) and not isinstance(
        field, forms.ModelMultipleChoiceField
    ):
        if old is not None and not isinstance(old, models.Model):
            key = field.to_field_name or "pk"
            old = field.queryset.model._default_manager.filter(**{key: old}).first() or old
    return old


def form_changes(form) -> dict:
    """``{field: (old, new)}`` for every field the admin form changed."""
    return {
        name: (_old_value(form, name), form.cleaned_data.get(name))
        for name in form.changed_data
        if name in form.cleaned_data
    }


def _inline_summary(formsets) -> str:
    parts = []
    for formset in formsets:
        name = formset.model._meta.verbose_name
        parts += [f"{name} «{obj}» added" for obj in getattr(formset, "new_objects", [])]
        parts += [
            f"{name} «{obj}» changed ({', '.join(fields)})"
            for obj, fields in getattr(formset, "changed_objects", [])
        ]
        parts += [f"{name} «{obj}» deleted" for obj in getattr(formset, "deleted_objects", [])]
    return "; ".join(parts)


class AuditedAdminMixin:
    """Every add, change and delete through an admin page goes into the audit log, with the
    fields changed (old → new; passwords and other secrets only as "changed").

    ``audit_field_actions`` maps fields to an action of their own (a product's price, a user's
    rights): when one of them changes, a second entry with just those fields is recorded, so
    the log can be filtered by that action."""

    audit_field_actions: dict[str, str] = {}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        changes = form_changes(form)
        summary = _inline_summary(formsets)
        if change and not changes and not summary:
            return
        audit.record(
            audit.ADMIN_CHANGE if change else audit.ADMIN_ADD,
            obj=obj,
            request=request,
            changes=changes,
            summary=summary,
        )
        by_action: dict[str, dict] = {}
        for name, values in changes.items():
            if name in self.audit_field_actions:
                by_action.setdefault(self.audit_field_actions[name], {})[name] = values
        for action, fields in by_action.items():
            audit.record(action, obj=obj, request=request, changes=fields)

    def delete_model(self, request, obj):
        audit.record(audit.ADMIN_DELETE, obj=obj, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(audit.ADMIN_DELETE, obj=obj, request=request)
        super().delete_queryset(request, queryset)


class RobustAdminMixin(AuditedAdminMixin, RobustFormsMixin):
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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log, to look at only: nobody adds, changes or deletes an entry here (the
    database would refuse it anyway). The back office's audit page has the filters."""

    list_display = ("seq", "created_at", "actor_username", "action", "object_type", "object_repr")
    list_filter = ("action",)
    search_fields = ("actor_username", "object_repr", "object_id")
    fields = (
        "seq",
        "created_at",
        "actor_id",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "summary",
        "changes",
        "ip",
        "user_agent",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
    show_full_result_count = False

"""The base of every admin page of the shop: a malformed request gets the admin's usual answer,
never a server error. Each app's ModelAdmin derives from ``ModelAdmin`` here (a test holds every
registered one to it); Django's group admin and the task queue's admin are registered again
below with the same base."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django_tasks_db.admin import DBTaskResultAdmin as TasksDBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

# Longer than anything searched for in the admin. SQLite refuses a LIKE pattern over 50,000
# bytes ("LIKE or GLOB pattern too complex"), and a term is matched with LIKE on every field.
SEARCH_TERM_MAX_LENGTH = 200


class RobustAdminMixin:
    def get_search_results(self, request, queryset, search_term):
        """The changelist's search and the autocomplete, with the term cut to a sane length."""
        return super().get_search_results(request, queryset, search_term[:SEARCH_TERM_MAX_LENGTH])

    def get_object(self, request, object_id, from_field=None):
        # Django lets an empty "?_to_field=" through its check of the field and then looks up
        # a field named "" (FieldDoesNotExist); empty means the primary key, as when absent.
        return super().get_object(request, object_id, from_field or None)


class ModelAdmin(RobustAdminMixin, admin.ModelAdmin):
    pass


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(RobustAdminMixin, DjangoGroupAdmin):
    pass


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class DBTaskResultAdmin(RobustAdminMixin, TasksDBTaskResultAdmin):
    pass

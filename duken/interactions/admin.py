from django.contrib import admin

from duken.core import admin as core_admin

from .models import Event


@admin.register(Event)
class EventAdmin(core_admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "kind",
        "user",
        "visitor_id",
        "content_type",
        "object_id",
        "device",
    )
    list_filter = ("kind", "device")
    search_fields = ("visitor_id", "user__email")
    date_hierarchy = "occurred_at"
    list_select_related = ("user", "content_type")
    raw_id_fields = ("user",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

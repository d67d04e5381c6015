from django.contrib import admin

from duken.core import admin as core_admin

from .models import ConsentRecord


@admin.register(ConsentRecord)
class ConsentRecordAdmin(core_admin.ModelAdmin):
    """Read-only: consent records are evidence and are never edited or deleted by hand."""

    list_display = [
        "created_at",
        "user",
        "visitor_id",
        "purpose",
        "granted",
        "wording_version",
        "source",
    ]
    list_filter = ["purpose", "granted", "source", "wording_version", "created_at"]
    search_fields = ["user__email", "visitor_id"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

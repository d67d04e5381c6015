from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from duken.core import admin as core_admin

from . import services
from .models import Message


@admin.register(Message)
class MessageAdmin(core_admin.ModelAdmin):
    """What the shop sent or is about to send. Read-only: a message is never edited once it
    is queued; a failed one can be sent again."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["to", "subject", "reference", "=key"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    raw_id_fields = ["user"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("outbox.change_message")

    @admin.action(description=_("Send again"), permissions=["retry"])
    def send_again(self, request, queryset):
        count = services.retry(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed message will be sent again.",
                "%(count)d failed messages will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

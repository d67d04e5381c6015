from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from duken.core import admin as core_admin

from . import services
from .models import Payment, PaymentCallback, SandboxCharge


class CallbackInline(core_admin.TabularInline):
    model = PaymentCallback
    extra = 0
    can_delete = False
    fields = ["received_at", "accepted", "reason", "remote_addr"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(core_admin.ModelAdmin):
    list_display = ["reference", "order", "provider", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["reference", "order__number", "order__email", "provider_reference"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "order",
        "provider",
        "amount",
        "currency",
        "status",
        "reference",
        "idempotency_key",
        "provider_reference",
        "expires_at",
        "confirmed_by",
        "created_at",
        "updated_at",
    ]
    inlines = [CallbackInline]
    actions = ["confirm_bank_transfer", "confirm_cash_received"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _confirm(self, request, queryset, confirm):
        done = 0
        for payment in queryset.select_related("order"):
            try:
                confirm(payment, actor=request.user)
                done += 1
            except services.PaymentError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d payment confirmed; its order is paid.",
                    "%(count)d payments confirmed; their orders are paid.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Confirm bank transfer received"), permissions=["change"])
    def confirm_bank_transfer(self, request, queryset):
        self._confirm(request, queryset, services.confirm_bank_transfer)

    @admin.action(description=_("Confirm cash received on delivery"), permissions=["change"])
    def confirm_cash_received(self, request, queryset):
        self._confirm(request, queryset, services.confirm_cash_received)


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(core_admin.ModelAdmin):
    """The audit trail of provider callbacks: read-only."""

    list_display = ["received_at", "provider", "payment", "accepted", "reason", "remote_addr"]
    list_filter = ["accepted", "provider"]
    search_fields = ["payment__reference", "reason"]
    list_select_related = ["payment"]
    readonly_fields = [
        "payment",
        "provider",
        "payload",
        "accepted",
        "reason",
        "remote_addr",
        "received_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SandboxCharge)
class SandboxChargeAdmin(core_admin.ModelAdmin):
    """What the test-mode card gateway charged (outcomes only, no card data)."""

    list_display = ["reference", "amount", "currency", "outcome", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["reference"]
    readonly_fields = [
        "idempotency_key",
        "reference",
        "amount",
        "currency",
        "outcome",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

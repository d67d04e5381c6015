"""Carts in the back office, read-only: they belong to the shoppers."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from duken.core import admin as core_admin

from .models import Cart, CartLine


class CartLineInline(core_admin.TabularInline):
    model = CartLine
    fields = ("product", "quantity", "added_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Cart)
class CartAdmin(core_admin.ModelAdmin):
    """Carts are read-only here: they belong to the shoppers."""

    list_display = ("token", "user", "status", "line_count", "updated_at")
    list_filter = ("status", "updated_at")
    search_fields = ("token", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("token", "user", "status", "created_at", "updated_at")
    inlines = (CartLineInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_lines=Count("lines"))

    @admin.display(description=_("lines"), ordering="n_lines")
    def line_count(self, obj):
        return obj.n_lines

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

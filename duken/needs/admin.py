from django.contrib import admin

from duken.core import admin as core_admin

from .models import BackInStockRequest, ProductRequest, WishlistItem


@admin.register(ProductRequest)
class ProductRequestAdmin(core_admin.ModelAdmin):
    list_display = ["text", "customer", "email", "query", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["text", "normalized", "email"]
    raw_id_fields = ["customer", "promise"]
    date_hierarchy = "created_at"


@admin.register(BackInStockRequest)
class BackInStockRequestAdmin(core_admin.ModelAdmin):
    list_display = ["product", "customer", "email", "created_at", "notified_at"]
    list_filter = ["notified_at", "created_at"]
    search_fields = ["product__name", "email"]
    raw_id_fields = ["customer", "product", "promise"]


@admin.register(WishlistItem)
class WishlistItemAdmin(core_admin.ModelAdmin):
    list_display = ["product", "customer", "added_at"]
    search_fields = ["product__name"]
    raw_id_fields = ["customer", "product"]

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from duken.core import admin as core_admin

from .models import DeliveryMethod, DeliveryRate, PickupPoint, Zone


class DeliveryRateInline(core_admin.TabularInline):
    model = DeliveryRate
    extra = 0
    autocomplete_fields = ["zone"]
    fields = [
        "zone",
        "base_price",
        "price_per_kg",
        "free_from",
        "min_weight_grams",
        "max_weight_grams",
        "days_min",
        "days_max",
    ]


class PickupPointInline(core_admin.TabularInline):
    model = PickupPoint
    extra = 0
    fields = ["name", "city", "address", "opening_hours", "is_active"]


@admin.register(DeliveryMethod)
class DeliveryMethodAdmin(core_admin.ModelAdmin):
    list_display = ["name", "code", "kind", "is_active", "position", "rate_count"]
    list_editable = ["is_active", "position"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "name_ru", "name_kk", "code"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["code", "kind", "is_active", "position"]}),
        (_("Names"), {"fields": ["name", "name_ru", "name_kk"]}),
        (_("Descriptions"), {"fields": ["description", "description_ru", "description_kk"]}),
    ]
    inlines = [DeliveryRateInline, PickupPointInline]

    @admin.display(description=_("rates"))
    def rate_count(self, obj):
        return obj.rates.count()


@admin.register(Zone)
class ZoneAdmin(core_admin.ModelAdmin):
    list_display = ["name", "code", "position", "is_fallback"]
    list_editable = ["position"]
    search_fields = ["name", "code", "cities", "regions", "countries"]
    prepopulated_fields = {"code": ["name"]}
    fields = ["code", "name", "position", "cities", "regions", "countries", "is_fallback"]


@admin.register(PickupPoint)
class PickupPointAdmin(core_admin.ModelAdmin):
    list_display = ["name", "city", "address", "opening_hours", "method", "is_active"]
    list_filter = ["city", "is_active", "method"]
    list_editable = ["is_active"]
    search_fields = ["name", "city", "address"]

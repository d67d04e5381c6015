from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from duken.core import admin as core_admin
from duken.core import audit
from duken.core.files import PrivateFileInput

from . import services
from .images import make_thumbnail, prepare_upload
from .models import Category, Product, ProductImage, SearchQuery


@admin.register(Category)
class CategoryAdmin(core_admin.ModelAdmin):
    list_display = ["name", "name_ru", "name_kk", "slug", "position", "product_count", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "name_ru", "name_kk", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["product_count"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "position", "is_active"]}),
        (_("Translations"), {"fields": ["name_ru", "name_kk"]}),
        (_("Statistics"), {"fields": ["product_count"]}),
    ]
    actions = ["recount_products"]

    @admin.action(description=_("Recount products of all categories"), permissions=["change"])
    def recount_products(self, request, queryset):
        services.refresh_category_counts()
        self.message_user(request, _("Product counts are up to date."), messages.SUCCESS)


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["image", "alt", "position"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # Only a new upload needs checking; a kept image was checked (and re-encoded) when it
        # arrived. What is stored is the re-encoded image, never the uploaded bytes.
        if image and hasattr(image, "content_type"):
            try:
                return prepare_upload(image)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return image


class ProductImageInline(core_admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description=_("thumbnail"))
    def preview(self, obj):
        if obj and obj.thumbnail:
            return format_html('<img src="{}" width="80" height="80" alt="">', obj.thumbnail.url)
        return "—"


class StockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", _("out of stock")), ("low", _("5 or fewer")), ("in", _("in stock"))]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(stock__lte=0)
        if self.value() == "low":
            return queryset.filter(stock__gt=0, stock__lte=5)
        if self.value() == "in":
            return queryset.filter(stock__gt=0)
        return queryset


@admin.register(Product)
class ProductAdmin(core_admin.ModelAdmin):
    list_display = ["name", "sku", "price", "stock", "primary_category", "popularity", "is_active"]
    list_editable = ["price", "stock", "is_active"]
    # Price and stock changes have audit entries of their own (also from the list's edits).
    audit_field_actions = {"price": audit.PRODUCT_PRICE, "stock": audit.PRODUCT_STOCK}
    list_filter = ["is_active", StockFilter, "is_digital", "primary_category"]
    list_select_related = ["primary_category"]
    search_fields = ["name", "=sku", "slug"]
    autocomplete_fields = ["primary_category"]
    filter_horizontal = ["categories"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["source_name", "popularity", "updated_at"]
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [ProductImageInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "sku", "description", "is_active"]}),
        (_("Categories"), {"fields": ["primary_category", "categories"]}),
        (
            _("Price and stock"),
            {"fields": ["price", "currency", "stock", "allow_backorder", "restock_days"]},
        ),
        (_("Shipping"), {"fields": ["weight_grams", "is_digital", "digital_file"]}),
        (_("History"), {"fields": ["created_at", "popularity", "source_name", "updated_at"]}),
    ]
    actions = ["activate", "deactivate"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "digital_file":
            kwargs["widget"] = PrivateFileInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        product = form.instance
        # A product always belongs to its main category's listing too.
        if (
            product.primary_category_id
            and not product.categories.filter(pk=product.primary_category_id).exists()
        ):
            product.categories.add(product.primary_category_id)
        services.refresh_category_counts()

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProductImage:
            for image_form in formset.forms:
                obj = image_form.instance
                if obj.pk and "image" in image_form.changed_data:
                    make_thumbnail(obj)

    @admin.action(description=_("Put on sale"), permissions=["change"])
    def activate(self, request, queryset):
        services.set_products_active(queryset, True)

    @admin.action(description=_("Take off sale"), permissions=["change"])
    def deactivate(self, request, queryset):
        services.set_products_active(queryset, False)


class FoundFilter(admin.SimpleListFilter):
    title = _("results")
    parameter_name = "found"

    def lookups(self, request, model_admin):
        return [("no", _("found nothing")), ("yes", _("found something"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(result_count=0)
        if self.value() == "yes":
            return queryset.filter(result_count__gt=0)
        return queryset


@admin.register(SearchQuery)
class SearchQueryAdmin(core_admin.ModelAdmin):
    list_display = ["query", "normalized", "result_count", "language", "user", "created_at"]
    list_filter = [FoundFilter, "language"]
    search_fields = ["query", "normalized"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

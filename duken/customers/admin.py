from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import Address, User


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0
    fields = [
        ("full_name", "phone"),
        ("country", "region"),
        ("city", "postcode"),
        "street",
        "is_default",
    ]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    inlines = [AddressInline]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "country",
        "is_demo",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_demo", "groups", "country"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    ordering = ["-date_joined"]
    readonly_fields = ["last_login", "date_joined", "external_id"]
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Personal information"),
            {"fields": ["first_name", "last_name", "phone", "country", "language"]},
        ),
        (_("Marketing"), {"fields": ["accepts_marketing", "is_demo", "external_id"]}),
        (
            _("Permissions"),
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "classes": ["collapse"],
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    filter_horizontal = ["groups", "user_permissions"]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["full_name", "user", "city", "region", "country", "is_default"]
    list_filter = ["is_default", "country", "region"]
    search_fields = ["full_name", "phone", "city", "street", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

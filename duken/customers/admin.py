from axes.admin import AccessAttemptAdmin
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from duken.core import admin as core_admin
from duken.core import audit

from . import erasure, groups, lockout
from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import Address, CustomerNote, CustomerTag, RecoveryCodes, User


class AddressInline(core_admin.StackedInline):
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
class UserAdmin(core_admin.RobustAdminMixin, DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    change_form_template = "customers/admin/user_change_form.html"
    change_list_template = "customers/admin/user_change_list.html"
    inlines = [AddressInline]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "country",
        "is_demo",
        "is_staff",
        "date_joined",
        "timeline_link",
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
    # What makes someone staff or more: only a superuser grants or takes it away.
    PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]
    # A change of someone's rights has an audit entry of its own (besides the admin change).
    audit_field_actions = dict.fromkeys(PRIVILEGE_FIELDS, audit.PERMISSIONS_CHANGE)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.PRIVILEGE_FIELDS
        return fields

    def _guards_superuser(self, request, obj) -> bool:
        """A superuser's account, or another staff member's (password included), is changed
        or deleted only by a superuser: a role that may change customers' accounts does not
        reach the accounts of staff above or beside it. One's own account stays one's own."""
        if obj is None or request.user.is_superuser:
            return False
        return obj.is_superuser or (obj.is_staff and obj.pk != request.user.pk)

    def has_change_permission(self, request, obj=None):
        if self._guards_superuser(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._guards_superuser(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    # "Delete" anonymizes the account (``erasure``, privacy's erasure) instead of deleting
    # rows: the shop keeps the orders and payments, without the person, and nothing cascades.
    def get_deleted_objects(self, objs, request):
        erased = [
            _("%(customer)s: personal data erased, orders kept anonymously") % {"customer": obj}
            for obj in objs
        ]
        return erased, {}, set(), []

    def delete_model(self, request, obj):
        if self._guards_superuser(request, obj):
            raise PermissionDenied
        erasure.erase(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        if not request.user.is_superuser and (
            queryset.filter(is_superuser=True).exists()
            or queryset.filter(is_staff=True).exclude(pk=request.user.pk).exists()
        ):
            raise PermissionDenied
        for user in queryset:
            erasure.erase(user, by=request.user)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if self._guards_superuser(request, target):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and target is not None:
            # Set, not shown: the log never holds a password or its hash.
            audit.record(audit.PASSWORD_SET, obj=target, request=request)
        return response

    @admin.display(description=_("customer timeline"))
    def timeline_link(self, obj):
        url = reverse("backoffice:customer_timeline", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Timeline"))


@admin.register(Address)
class AddressAdmin(core_admin.ModelAdmin):
    list_display = ["full_name", "user", "city", "region", "country", "is_default"]
    list_filter = ["is_default", "country", "region"]
    search_fields = ["full_name", "phone", "city", "street", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(CustomerTag)
class CustomerTagAdmin(core_admin.ModelAdmin):
    """Tags are put on customers on their timeline; here they can be looked up or deleted."""

    list_display = ["name", "created_at"]
    search_fields = ["name", "key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CustomerNote)
class CustomerNoteAdmin(core_admin.ModelAdmin):
    """Read-only: notes are written and deleted on the customer's timeline."""

    list_display = ["customer", "author", "created_at", "text"]
    list_select_related = ["customer", "author"]
    search_fields = ["text", "customer__email"]
    raw_id_fields = ["customer", "author"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LockoutAdmin(core_admin.RobustAdminMixin, AccessAttemptAdmin):
    """Failed logins still counting, and the lockouts they make (``lockout``): staff see who
    is locked out, from where and until when, and lift a lockout (both limits) for an
    address."""

    list_display = ["attempt_time", "ip_address", "username", "failures_since_start", "state"]
    list_filter = ["attempt_time"]
    actions = ["lift_lockouts"]

    def get_queryset(self, request):
        recent = AccessAttempt.objects.filter(
            attempt_time__gte=timezone.now() - get_cool_off()
        ).order_by()

        def failures(**match):
            rows = (
                recent.filter(**match).values("ip_address").annotate(n=Sum("failures_since_start"))
            )
            return Subquery(rows.values("n")[:1])

        return (
            super()
            .get_queryset(request)
            .annotate(
                account_failures=failures(
                    ip_address=OuterRef("ip_address"), username=OuterRef("username")
                ),
                address_failures=failures(ip_address=OuterRef("ip_address")),
            )
        )

    @admin.display(description=_("lockout"))
    def state(self, obj):
        until = obj.attempt_time + get_cool_off()
        if until <= timezone.now():
            return _("over")
        at = formats.time_format(timezone.localtime(until))
        if (obj.account_failures or 0) >= lockout.per_account():
            return _("this account from this address, until %(time)s") % {"time": at}
        if (obj.address_failures or 0) >= lockout.per_address():
            return _("every account from this address, until %(time)s") % {"time": at}
        return _("not locked")

    @admin.action(description=_("Lift the lockout of these addresses"), permissions=["delete"])
    def lift_lockouts(self, request, queryset):
        count = lockout.lift(queryset.values_list("ip_address", flat=True), by=request.user)
        self.message_user(
            request, _("Lockout lifted: %(count)d failed attempts forgotten.") % {"count": count}
        )


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockoutAdmin)


@admin.register(RecoveryCodes)
class RecoveryCodesAdmin(core_admin.ModelAdmin):
    """Whose recovery codes exist (never the codes: only their hashes are kept). Deleting them,
    with the user's TOTP device, makes the user set up a second factor again."""

    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    fields = ["user", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The staff groups with each role's name in the reader's language (the group's own name stays
# the stable English one the code looks up).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(core_admin.GroupAdmin):
    list_display = ["name", "role"]

    @admin.display(description=_("role"))
    def role(self, group):
        return groups.label(group.name)

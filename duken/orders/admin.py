"""Orders in the back office: list, search, the timeline, and the state machine's moves.

Every move calls ``orders.services.transition`` (or ``mark_paid``) with the staff user as the
actor; the admin never writes a status itself."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from duken.core import admin as core_admin
from duken.core.money import format_money

from . import services
from .models import Order, OrderEvent, OrderLine, OrderStatus, Receipt


class OrderLineInline(core_admin.TabularInline):
    model = OrderLine
    fields = (
        "product_name",
        "sku",
        "unit_price",
        "quantity",
        "line_total",
        "backordered_quantity",
        "expected_date",
        "is_digital",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("line")
    verbose_name_plural = _("lines")


class OrderEventInline(core_admin.TabularInline):
    model = OrderEvent
    fields = ("created_at", "from_label", "to_label", "actor", "note", "notified_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("created_at", "pk")
    verbose_name = _("timeline event")
    verbose_name_plural = _("timeline")

    @admin.display(description=_("from"))
    def from_label(self, obj):
        return _status_label(obj.from_status) if obj.from_status else "—"

    @admin.display(description=_("to"))
    def to_label(self, obj):
        return _status_label(obj.to_status)


def _status_label(value):
    try:
        return OrderStatus(value).label
    except ValueError:
        return value


def _move_action(status):
    def action(modeladmin, request, queryset):
        modeladmin.apply_moves(request, queryset, status)

    action.__name__ = f"move_to_{status}"
    action.short_description = _("Move selected orders to “%(status)s”") % {
        "status": OrderStatus(status).label
    }
    action.allowed_permissions = ("change",)
    return action


@admin.action(description=_("Mark selected orders as paid"), permissions=["change"])
def mark_paid_action(modeladmin, request, queryset):
    modeladmin.apply_moves(request, queryset, OrderStatus.PAID)


@admin.register(Order)
class OrderAdmin(core_admin.ModelAdmin):
    list_display = (
        "order_number",
        "customer",
        "status_badge",
        "order_total",
        "payment_method",
        "placed_at",
        "source",
    )
    list_display_links = ("order_number",)
    list_filter = ("status", "source", "payment_method", "delivery_method", "placed_at")
    search_fields = ("number", "email", "user__email", "phone", "ship_full_name")
    date_hierarchy = "placed_at"
    list_select_related = ("user",)
    list_per_page = 50
    ordering = ("-placed_at",)
    inlines = (OrderLineInline, OrderEventInline)
    change_form_template = "admin/orders/order/change_form.html"
    actions = [
        mark_paid_action,
        *(
            _move_action(s)
            for s in (
                OrderStatus.PACKED,
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
                OrderStatus.COMPLETED,
                OrderStatus.CANCELLED,
            )
        ),
    ]
    fieldsets = (
        (
            None,
            {"fields": ("number", "status", "source", "placed_at", "paid_at", "language")},
        ),
        (_("Customer"), {"fields": ("user", "email", "phone", "customer_note")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "delivery_name",
                    "pickup_point",
                    "ship_full_name",
                    "ship_country",
                    "ship_region",
                    "ship_city",
                    "ship_street",
                    "ship_postcode",
                )
            },
        ),
        (
            _("Money"),
            {
                "fields": (
                    "payment_method",
                    "currency",
                    "subtotal",
                    "shipping_cost",
                    "total",
                    "receipt_link",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Orders change only through their state machine; nothing is edited by hand.
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("number"), ordering="number")
    def order_number(self, obj):
        return format_html('<span class="nowrap">{}</span>', obj.number)

    @admin.display(description=_("total"), ordering="total")
    def order_total(self, obj):
        return format_html('<span class="nowrap">{}</span>', format_money(obj.total, obj.currency))

    @admin.display(description=_("receipt"))
    def receipt_link(self, obj):
        receipt = Receipt.objects.filter(order=obj).first()
        if receipt is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">PDF</a> ({})',
            reverse("storefront:receipt", args=[obj.number]),
            _("signed receipt"),
            reverse("storefront:receipt_pdf", args=[obj.number]),
            _("key %(key)s") % {"key": receipt.key_id},
        )

    @admin.display(description=_("customer"), ordering="email")
    def customer(self, obj):
        if obj.user_id:
            return obj.user.get_full_name() or obj.user.email
        return obj.email

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        # The colours are in backoffice/staff.css, one class per status.
        return format_html(
            '<span class="order-badge order-badge-{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    # --- moves ---------------------------------------------------------------------------

    def apply_moves(self, request, queryset, status, note=""):
        moved, refused = 0, []
        for order in queryset.order_by("pk"):
            try:
                if status == OrderStatus.PAID:
                    services.mark_paid(order, actor=request.user, note=note)
                else:
                    services.transition(order, status, actor=request.user, note=note)
            except services.IllegalTransition as error:
                refused.append(error.message)
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                _("%(count)d order(s) moved to “%(status)s”.")
                % {"count": moved, "status": OrderStatus(status).label},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.ERROR)
        return moved, refused

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(require_POST(self.transition_view)),
                name=f"{info[0]}_{info[1]}_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id):
        # The admin's own lookup: an id that is no order's ("abc", "..") is a 404, as for a
        # missing one.
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        status = request.POST.get("to_status", "")
        note = (request.POST.get("note") or "").strip()[:2000]
        self.apply_moves(request, Order.objects.filter(pk=order.pk), status, note=note)
        return redirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[order.pk])
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            moves = services.allowed_transitions(obj)
            if (
                obj.paid_at is None
                and OrderStatus.PAID not in moves
                and obj.status
                in (
                    OrderStatus.AWAITING_STOCK,
                    OrderStatus.PACKED,
                    OrderStatus.SHIPPED,
                    OrderStatus.DELIVERED,
                )
            ):
                moves = [OrderStatus.PAID, *moves]
            context["order_moves"] = [(s, OrderStatus(s).label) for s in moves]
            context["can_move"] = self.has_change_permission(request, obj)
            # Orders change through their moves only: no save buttons.
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
            context["transition_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_transition", args=[obj.pk]
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

"""Admin lists of reviews, questions and promises. Changes go through the services (actions and
the back-office inbox), so ratings, caches and e-mails stay right; the records are read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from duken.core import admin as core_admin

from . import questions, reviews
from .models import Answer, ProductRating, Promise, Question, Review


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Review)
class ReviewAdmin(ReadOnlyMixin, core_admin.ModelAdmin):
    list_display = ("product", "user", "rating", "status", "helpful_count", "created_at")
    list_filter = ("status", "rating")
    search_fields = ("text", "title", "user__email", "product__name")
    list_select_related = ("product", "user")
    actions = ["approve_reviews"]

    @admin.action(description=_("Publish the selected reviews"), permissions=["change"])
    def approve_reviews(self, request, queryset):
        count = 0
        for review in queryset.exclude(status=Review.Status.APPROVED):
            reviews.approve(review, request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d review published.", "%(n)d reviews published.", count) % {"n": count},
            messages.SUCCESS,
        )


class AnswerInline(core_admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    readonly_fields = ("user", "text", "by_staff", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(ReadOnlyMixin, core_admin.ModelAdmin):
    list_display = ("text", "product", "user", "created_at", "answered_at", "is_hidden")
    list_filter = ("is_hidden", ("answered_at", admin.EmptyFieldListFilter))
    search_fields = ("text", "user__email", "product__name")
    list_select_related = ("product", "user")
    inlines = [AnswerInline]
    actions = ["hide", "show"]

    @admin.action(description=_("Hide from the product page"), permissions=["change"])
    def hide(self, request, queryset):
        for question in queryset:
            questions.set_hidden(question, True)

    @admin.action(description=_("Show on the product page"), permissions=["change"])
    def show(self, request, queryset):
        for question in queryset:
            questions.set_hidden(question, False)


@admin.register(Promise)
class PromiseAdmin(core_admin.ModelAdmin):
    list_display = ("kind", "customer", "owner", "said_at", "due_at", "status", "closed_at")
    list_filter = ("status", "kind", "owner")
    search_fields = ("words", "customer__email", "email")
    list_select_related = ("customer", "owner")
    fields = (
        "kind",
        "customer",
        "email",
        "words",
        "said_at",
        "said_where",
        "owner",
        "due_at",
        "status",
        "closed_at",
        "closed_by",
        "reply",
        "notified_at",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Only the owner and the due time are staff decisions; closing goes through the inbox.
        return [f for f in self.fields if f not in ("owner", "due_at")]


@admin.register(ProductRating)
class ProductRatingAdmin(ReadOnlyMixin, core_admin.ModelAdmin):
    list_display = ("product", "count", "total", "updated_at")
    list_select_related = ("product",)

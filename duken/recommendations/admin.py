from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from duken.core import admin as core_admin

from .models import TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(core_admin.ModelAdmin):
    list_display = ["started_at", "kind", "seconds", "products", "customers", "note"]
    list_filter = ["kind"]
    actions = ["retrain"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retrain_permission(self, request):
        # Starting a training run; the Owner role and superusers hold it.
        return request.user.has_perm("recommendations.add_trainingrun")

    @admin.action(
        description=_("Retrain recommendations now (in the background)"), permissions=["retrain"]
    )
    def retrain(self, request, queryset):
        from .tasks import train_recommendations

        train_recommendations.enqueue()
        self.message_user(request, _("The full retrain was queued; it takes under two minutes."))

from django.urls import path

from .views import audit

urlpatterns = [
    path("", audit.audit_log, name="audit_log"),
]

from django.urls import include, path

app_name = "backoffice"
urlpatterns = [
    path("audit/", include("duken.backoffice.audit_urls")),
    path("customers/", include("duken.backoffice.customers_urls")),
    path("inbox/", include("duken.backoffice.inbox_urls")),
    path("needs/", include("duken.backoffice.needs_urls")),
]

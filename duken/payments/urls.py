from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("payments/callback/<slug:provider>/", views.callback, name="callback"),
    path("payments/<text:token>/", views.status, name="status"),
    path("payments/<text:token>/retry/", views.retry, name="retry"),
    # The sandbox gateway's hosted payment page.
    path("pay/sandbox/<text:token>/", views.sandbox_page, name="sandbox_page"),
]

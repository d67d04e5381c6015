from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("payments/callback/<slug:provider>/", views.callback, name="callback"),
    path("payments/<str:token>/", views.status, name="status"),
    path("payments/<str:token>/retry/", views.retry, name="retry"),
    # The sandbox gateway's hosted payment page.
    path("pay/sandbox/<str:token>/", views.sandbox_page, name="sandbox_page"),
]

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("privacy/consent/", views.consent, name="consent"),
    path("account/privacy/", views.account_privacy, name="account"),
]

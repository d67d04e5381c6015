from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("privacy/consent/", views.consent, name="consent"),
    path("account/privacy/", views.account_privacy, name="account"),
    path("account/memory/", views.memory_page, name="memory"),
    path("account/memory/forget/", views.memory_forget, name="forget"),
    path(
        "account/memory/remember-again/",
        views.memory_remember_again,
        name="remember_again",
    ),
    path("account/profile/", views.profile, name="profile"),
]

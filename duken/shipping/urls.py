from django.urls import path

from . import views

app_name = "shipping"
urlpatterns = [
    path("download/<text:token>/", views.download, name="download"),
]

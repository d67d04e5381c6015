from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("download/<text:token>/", views.download, name="download"),
]

from django.urls import path

from . import views

app_name = "shipping"
urlpatterns = [
    path("download/<str:token>/", views.download, name="download"),
]

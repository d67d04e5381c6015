from django.urls import path

from .views import customers, privacy

urlpatterns = [
    path("", customers.customer_search, name="customer_search"),
    path("<int:pk>/", customers.customer_timeline, name="customer_timeline"),
    path("<int:pk>/notes/", customers.customer_note_add, name="customer_note_add"),
    path(
        "<int:pk>/notes/<int:note_pk>/delete/",
        customers.customer_note_delete,
        name="customer_note_delete",
    ),
    path("<int:pk>/tags/", customers.customer_tags, name="customer_tags"),
    path("<int:pk>/export/", privacy.customer_export, name="customer_export"),
    path(
        "<int:pk>/export/<int:export_pk>/download/",
        privacy.customer_export_download,
        name="customer_export_download",
    ),
    path("<int:pk>/delete/", privacy.customer_erase, name="customer_erase"),
]

from django.urls import path

from .views import needs

urlpatterns = [
    path("", needs.report, name="needs"),
    path("searches/", needs.searches, name="needs_searches"),
    path("facts/from-message/", needs.fact_from_message, name="fact_from_message"),
    path("facts/customer/<int:customer_pk>/", needs.fact_add, name="fact_add"),
]

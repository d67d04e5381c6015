from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "duken.payments"
    label = "payments"

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "duken.customers"
    label = "customers"

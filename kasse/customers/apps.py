from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kasse.customers"
    label = "customers"
    verbose_name = "Customers"

from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "kasse.sales"
    label = "sales"
    verbose_name = "Sales"

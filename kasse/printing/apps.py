from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "kasse.printing"
    label = "printing"
    verbose_name = "Printing"

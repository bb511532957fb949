from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "kasse.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

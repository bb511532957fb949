from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kasse.api"
    label = "api"
    verbose_name = "REST API"

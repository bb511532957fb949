from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "kasse.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

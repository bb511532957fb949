from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kasse.core"
    label = "core"
    verbose_name = "kasse core"

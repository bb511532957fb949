from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo shop: ``kasse demo`` and ``kasse seed``, their data and virtual devices (no models)."""

    name = "kasse.demo"
    label = "demo"
    verbose_name = "kasse demo"

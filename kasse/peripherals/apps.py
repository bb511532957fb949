from django.apps import AppConfig


class PeripheralsConfig(AppConfig):
    name = "kasse.peripherals"
    label = "peripherals"
    verbose_name = "Peripherals"

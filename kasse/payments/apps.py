from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kasse.payments"
    label = "payments"
    verbose_name = "Payments"

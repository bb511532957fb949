from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kasse.reports"
    label = "reports"
    verbose_name = "Reports"

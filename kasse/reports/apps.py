from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "kasse.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from kasse.reports.sqlite_triggers import ensure_triggers

        # A table another app's migration rebuilt on SQLite has lost the reports' triggers (sqlite_triggers.py).
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="kasse.reports.ensure_triggers")

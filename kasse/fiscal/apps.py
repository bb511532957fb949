from django.apps import AppConfig


class FiscalConfig(AppConfig):
    name = "kasse.fiscal"
    label = "fiscal"
    verbose_name = "Fiscal (TSE)"

    def ready(self) -> None:
        from kasse.fiscal import checks  # noqa: F401  (registers the start-up checks)

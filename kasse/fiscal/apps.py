from django.apps import AppConfig


class FiscalConfig(AppConfig):
    name = "kasse.fiscal"
    label = "fiscal"
    verbose_name = "Fiscal (TSE)"

    def ready(self) -> None:
        from kasse.fiscal import checks  # noqa: F401  (registers the start-up checks)
        from kasse.fiscal.receivers import register_a_new_register
        from kasse.tenancy.signals import register_saved

        register_saved.connect(register_a_new_register, dispatch_uid="fiscal.register_a_new_register")

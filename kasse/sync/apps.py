from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class SyncConfig(AppConfig):
    name = "kasse.sync"
    label = "sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        # Every app declares its synced tables in its own ``syncing`` module (kasse.sync.engine.registry.register).
        autodiscover_modules("syncing")

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "kasse.sync"
    label = "sync"
    verbose_name = "Sync"

from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "kasse.bookkeeping"
    label = "bookkeeping"
    verbose_name = "Bookkeeping"

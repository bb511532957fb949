from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kasse.catalog"
    label = "catalog"
    verbose_name = "Catalog"

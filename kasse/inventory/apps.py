from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "kasse.inventory"
    label = "inventory"
    verbose_name = "Inventory"

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "kasse.marketing"
    label = "marketing"
    verbose_name = "Marketing"

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "kasse.loyalty"
    label = "loyalty"
    verbose_name = "Loyalty"

from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "kasse.promotions"
    label = "promotions"
    verbose_name = "Promotions"

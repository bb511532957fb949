from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "kasse.vouchers"
    label = "vouchers"
    verbose_name = "Gift cards and vouchers"

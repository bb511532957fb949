from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "kasse.register"
    label = "register"
    verbose_name = "Register"

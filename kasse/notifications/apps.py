from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kasse.notifications"
    label = "notifications"
    verbose_name = "Notifications"

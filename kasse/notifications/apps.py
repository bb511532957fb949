from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kasse.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.conf import settings

        # The VAPID key pair is made at the cloud's first start and kept in the data directory (vapid.py).
        if settings.KASSE_ROLE == "cloud" and not getattr(settings, "TESTING", False):
            from kasse.notifications.vapid import ensure_keys

            ensure_keys()

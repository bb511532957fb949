"""Events that happened in an organization and the webhooks that carry them to integrators (docs/notifications.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class Event(OrganizationScopedModel):
    """One thing that happened (a sale completed, a shift closed ...), as published after its commit.

    Written by the background worker from the task the commit enqueued (``events.publish``), so the
    request that caused it never waits for more than that one enqueue. ``id`` is the event's id in every
    webhook (``webhook-id``) and notification made from it.
    """

    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["organization", "-occurred_at"])]


class WebhookEndpoint(OrganizationScopedModel):
    """An integrator's URL that receives the organization's events it subscribed to, signed with its secret
    as the Standard Webhooks specification describes."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)  # event kinds, see events.WEBHOOK_EVENTS
    secret = models.CharField(max_length=80)  # "whsec_" + base64 of 32 random bytes
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RETRYING = "retrying", _("failed, will retry")
    SUCCEEDED = "succeeded", _("delivered")
    FAILED = "failed", _("given up")


# Allowed transitions, the one place they are written down. A manual redelivery puts a finished delivery
# back to pending.
DELIVERY_TRANSITIONS: dict[str, set[str]] = {
    DeliveryStatus.PENDING: {DeliveryStatus.SUCCEEDED, DeliveryStatus.RETRYING, DeliveryStatus.FAILED},
    DeliveryStatus.RETRYING: {DeliveryStatus.SUCCEEDED, DeliveryStatus.RETRYING, DeliveryStatus.FAILED},
    DeliveryStatus.SUCCEEDED: {DeliveryStatus.PENDING},
    DeliveryStatus.FAILED: {DeliveryStatus.PENDING},
}


class WebhookDelivery(OrganizationScopedModel):
    """One event for one endpoint: what was sent, what came back, how often it was tried.

    Due when ``next_attempt_at`` has passed and the status is pending or retrying; a worker that takes it
    moves ``next_attempt_at`` ahead by a lease first, so a worker that dies mid-request leaves it due again
    once the lease has run out (at least once: receivers dedupe by ``webhook-id``).
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    request_body = models.TextField(blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "retrying"]),
            ),
            models.Index(fields=["endpoint", "-created_at"]),
        ]


class NotificationPreference(OrganizationScopedModel):
    """How a user wants to hear of one kind of event, in one store (``store`` None: every store they may
    see; a store's own row wins over it). ``min_amount``: a sale's total, or a Z report's cash difference
    (either sign), below which nothing is sent."""

    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=60)
    in_app = models.BooleanField(_("in the app"), default=True)
    push = models.BooleanField(_("push"), null=True, blank=True)  # None: as in the app
    email = models.BooleanField(_("e-mail"), default=False)
    min_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind", "store"], name="notification_pref_unique"),
            models.UniqueConstraint(
                fields=["user", "organization", "kind"],
                condition=models.Q(store__isnull=True),
                name="notification_pref_all_stores_unique",
            ),
        ]


class Notification(OrganizationScopedModel):
    """One event in one user's notification centre (unread until they open it)."""

    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event_id = models.UUIDField()
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["user", "organization"], name="notification_unread", condition=models.Q(read_at__isnull=True)
            ),
            models.Index(fields=["user", "organization", "-created_at"], name="notification_user_recent"),
        ]
        constraints = [models.UniqueConstraint(fields=["user", "event_id"], name="notification_once_per_event")]


class PushSubscription(OrganizationScopedModel):
    """One browser or phone a user allowed to receive Web Push (RFC 8030) for one organization: the push
    service's endpoint and the keys the payload is encrypted to (RFC 8291). A push service that answers
    404 or 410 ended it: it is kept (``expired_at``) so the user sees why that device went quiet, and never
    sent to again."""

    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=100)  # the browser's P-256 public key, base64url
    auth = models.CharField(max_length=40)  # the 16-byte authentication secret, base64url
    label = models.CharField(_("device"), max_length=120, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "organization", "endpoint"], name="push_once")]


class QuietHours(OrganizationScopedModel):
    """A user's quiet hours in one organization: from ``starts`` to ``ends`` (local time in ``time_zone``;
    over midnight when ``ends`` is earlier) no push and no e-mail; the app still shows everything. What came
    in is summed up in one message per channel when they end (docs/notifications.md)."""

    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    time_zone = models.CharField(max_length=60, default="Europe/Berlin")

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="quiet_hours_once")]


class Channel(models.TextChoices):
    PUSH = "push", _("push")
    EMAIL = "email", _("e-mail")


class OutgoingStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    HELD = "held", _("held for quiet hours")
    RETRYING = "retrying", _("failed, will retry")
    SENT = "sent", _("sent")
    FAILED = "failed", _("given up")
    EXPIRED = "expired", _("device gone")


OUTGOING_TRANSITIONS: dict[str, set[str]] = {
    OutgoingStatus.PENDING: {
        OutgoingStatus.SENT,
        OutgoingStatus.RETRYING,
        OutgoingStatus.FAILED,
        OutgoingStatus.EXPIRED,
    },
    OutgoingStatus.HELD: {OutgoingStatus.SENT, OutgoingStatus.RETRYING, OutgoingStatus.FAILED, OutgoingStatus.EXPIRED},
    OutgoingStatus.RETRYING: {
        OutgoingStatus.SENT,
        OutgoingStatus.RETRYING,
        OutgoingStatus.FAILED,
        OutgoingStatus.EXPIRED,
    },
}


class OutgoingNotification(OrganizationScopedModel):
    """One event for one user by push (to one of their subscriptions) or by e-mail, sent by the background
    worker. ``held`` ones arrived in the user's quiet hours and are due when they end, summed up with the
    others held for the same device or address."""

    user = models.ForeignKey("tenancy.User", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subscription = models.ForeignKey(PushSubscription, null=True, blank=True, on_delete=models.CASCADE)
    store = models.ForeignKey("tenancy.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event_id = models.UUIDField()
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=OutgoingStatus.choices, default=OutgoingStatus.PENDING)
    held = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("outgoing notification")
        verbose_name_plural = _("outgoing notifications")
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outgoing_due",
                condition=models.Q(status__in=["pending", "held", "retrying"]),
            ),
            models.Index(fields=["user", "organization", "-created_at"], name="outgoing_user_recent"),
        ]

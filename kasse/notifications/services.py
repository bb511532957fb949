"""Webhook endpoints and events: every write of the notifications app (docs/notifications.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.ids import uuid7
from kasse.core.services import tenant_service
from kasse.notifications import outbound, signing
from kasse.notifications.events import TEST_EVENT, WEBHOOK_EVENTS
from kasse.notifications.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from kasse.tenancy.models import Organization

MAX_ENDPOINTS = 20


def clean_endpoint_url(url: str) -> str:
    """The URL as stored, or a translated ``ValidationError``: http(s), and in production not an address
    of this machine or a private network (names are resolved and checked before every request, not here:
    no DNS lookup holds up the page)."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": _("Please enter a full http:// or https:// address.")}) from exc
    try:
        outbound.check_url(url, allow_loopback=settings.KASSE_WEBHOOKS_ALLOW_LOOPBACK, resolve=False)
    except outbound.Refused as exc:
        raise ValidationError(
            {"url": _("This address cannot receive webhooks: it is not a public internet address.")}
        ) from exc
    return url


def clean_events(events: list[str]) -> list[str]:
    chosen = [e for e in WEBHOOK_EVENTS if e in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationError({"events": _("Please choose at least one of the listed events.")})
    return chosen


@tenant_service
def save_webhook_endpoint(
    *,
    actor: Actor,
    organization: Organization,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
    endpoint: WebhookEndpoint | None = None,
) -> WebhookEndpoint:
    """Create an endpoint (with a new secret) or change one; switching it on again clears why it was off."""
    url = clean_endpoint_url(url)
    chosen = clean_events(events)
    creating = endpoint is None
    if endpoint is None:
        if WebhookEndpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS:
            raise ValidationError(_("An organization can have at most %(n)d webhook endpoints.") % {"n": MAX_ENDPOINTS})
        endpoint = WebhookEndpoint(organization=organization, secret=signing.new_secret())
    endpoint.url = url
    endpoint.events = chosen
    endpoint.description = (description or "").strip()[:200]
    if is_active and not endpoint.is_active:
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
    elif not is_active and endpoint.is_active:
        endpoint.disabled_reason = _("switched off by %(who)s") % {"who": actor.label}
        endpoint.disabled_at = timezone.now()
    endpoint.is_active = is_active
    endpoint.save()
    log_action(
        organization,
        actor,
        "notifications.webhook.created" if creating else "notifications.webhook.changed",
        endpoint,
        {"url": url, "events": chosen, "active": is_active},
    )
    if is_active:
        transaction.on_commit(_wake_deliveries, robust=True)  # deliveries held while it was off
    return endpoint


@tenant_service
def delete_webhook_endpoint(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    log_action(endpoint.organization, actor, "notifications.webhook.deleted", None, {"url": endpoint.url})
    endpoint.delete()


@tenant_service
def rotate_webhook_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    log_action(endpoint.organization, actor, "notifications.webhook.secret_rotated", endpoint, {})
    return endpoint


@tenant_service
def send_test_event(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for this endpoint alone (even when it is off: to try it first)."""
    event = Event.objects.create(
        organization_id=endpoint.organization_id,
        kind=TEST_EVENT,
        payload={"message": "kasse test event", "endpoint_id": str(endpoint.pk)},
    )
    delivery = WebhookDelivery.objects.create(organization_id=endpoint.organization_id, endpoint=endpoint, event=event)
    log_action(endpoint.organization, actor, "notifications.webhook.test_sent", endpoint, {"event": str(event.pk)})
    transaction.on_commit(_wake_deliveries, robust=True)
    return delivery


@tenant_service
def redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivered or given-up event again, with the same ``webhook-id`` (receivers dedupe by it)."""
    if delivery.status not in {DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED}:
        raise ValidationError(_("This delivery is still being tried."))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.first_attempt_at = None  # the 24 hours of retries count again
    delivery.save(update_fields=["status", "next_attempt_at", "first_attempt_at", "updated_at"])
    log_action(delivery.organization, actor, "notifications.webhook.redelivered", delivery.endpoint, {})
    transaction.on_commit(_wake_deliveries, robust=True)
    return delivery


def _wake_deliveries() -> None:
    from kasse.notifications.tasks import wake_deliveries

    wake_deliveries()


def accept_event(message: dict[str, Any]) -> tuple[Event | None, int]:
    """Store one published event; see ``accept_events``. Returns the event (``None`` when it was stored
    before) and how many deliveries were queued."""
    stored, deliveries = accept_events([message])
    return (stored[0] if stored else None), deliveries


def accept_events(messages: list[dict[str, Any]]) -> tuple[list[Event], int]:
    """Store published events (each once: the id is the publisher's) and queue a delivery for every active
    endpoint of its organization subscribed to it; a few queries per organization, however many events (a
    node's upload brings hundreds). Returns the events stored now and how many deliveries were queued."""
    stored: list[Event] = []
    queued = 0
    by_organization: dict[Any, list[dict[str, Any]]] = {}
    for message in messages:
        by_organization.setdefault(message["organization_id"], []).append(message)
    for organization_id, theirs in by_organization.items():
        with scope(organization=organization_id), transaction.atomic():
            ids = [m["event_id"] for m in theirs]
            seen = {str(pk) for pk in Event.objects.filter(pk__in=ids).values_list("pk", flat=True)}
            new = [
                Event(
                    pk=m["event_id"],
                    organization_id=organization_id,
                    store_id=m["store_id"],
                    kind=m["kind"],
                    payload=m["payload"],
                    occurred_at=datetime.fromisoformat(m["occurred_at"]),
                )
                for m in dict((m["event_id"], m) for m in theirs if m["event_id"] not in seen).values()
            ]
            if not new:
                continue
            Event.objects.bulk_create(new, ignore_conflicts=True)
            endpoints = list(WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True))
            deliveries = [
                WebhookDelivery(id=uuid7(), organization_id=organization_id, endpoint=endpoint, event=event)
                for event in new
                for endpoint in endpoints
                if event.kind in endpoint.events
            ]
            WebhookDelivery.objects.bulk_create(deliveries)
        stored += new
        queued += len(deliveries)
    return stored, queued

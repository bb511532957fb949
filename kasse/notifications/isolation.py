"""Tenant-isolation cases of the webhook pages and push devices (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.core.ids import uuid7
from kasse.notifications.models import Event, PushSubscription, WebhookDelivery, WebhookEndpoint
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase


def _endpoint(org: Organization) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=org, url="https://shop.example/hook", events=["sale.completed"], secret="whsec_" + "A" * 44
    )


def _endpoint_id(org: Organization) -> dict[str, Any]:
    return {"pk": _endpoint(org).pk}


def _delivery_id(org: Organization) -> dict[str, Any]:
    event = Event.objects.create(organization=org, kind="webhook.test", payload={})
    delivery = WebhookDelivery.objects.create(
        id=uuid7(), organization=org, endpoint=_endpoint(org), event=event, status="succeeded"
    )
    return {"pk": delivery.pk}


def _push_device_id(org: Organization) -> dict[str, Any]:
    # A device of someone in org A: nobody else removes it (each user sees only their own devices).
    from kasse.testing.factories import UserFactory

    sub = PushSubscription.objects.create(
        organization=org,
        user=UserFactory(),
        endpoint="https://push.example/abc",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )
    return {"pk": sub.pk}


ENDPOINT_FORM = {"url": "https://other.example/hook", "events": ["sale.completed"], "is_active": "on"}

CASES = [
    IsolationCase("notifications:endpoint-detail", _endpoint_id, methods=("get", "post"), data=ENDPOINT_FORM),
    IsolationCase("notifications:endpoint-rotate-secret", _endpoint_id, methods=("post",)),
    IsolationCase("notifications:endpoint-send-test", _endpoint_id, methods=("post",)),
    IsolationCase("notifications:endpoint-delete", _endpoint_id, methods=("post",)),
    IsolationCase("notifications:delivery-detail", _delivery_id),
    IsolationCase("notifications:delivery-redeliver", _delivery_id, methods=("post",)),
    IsolationCase("notifications-centre:push-remove", _push_device_id, methods=("post",)),
]

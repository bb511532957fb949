"""Webhook endpoints through the API: list, create (the secret is in the answer), read, change, delete,
send a test event, the delivery log, redeliver. Writes go through ``kasse.notifications.services``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from kasse.api.types import ERRORS, ERRORS_WITH_ID
from kasse.core.actors import Actor
from kasse.notifications import services
from kasse.notifications.events import WEBHOOK_EVENTS
from kasse.notifications.models import WebhookDelivery, WebhookEndpoint
from kasse.tenancy.requests import ApiRequest

router = Router(tags=["webhooks"])
EVENTS_TEXT = "One or more of: " + ", ".join(WEBHOOK_EVENTS) + "."


class EndpointOut(Schema):
    id: UUID
    url: str = Field(..., examples=["https://shop.example/kasse-hook"])
    description: str
    events: list[str] = Field(..., description=EVENTS_TEXT, examples=[["sale.completed", "refund.created"]])
    secret: str = Field(..., description="Standard Webhooks signing secret (`whsec_…`).")
    is_active: bool
    disabled_reason: str
    created_at: datetime


class EndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(..., max_length=500, examples=["https://shop.example/kasse-hook"])
    events: list[str] = Field(..., min_length=1, max_length=20, description=EVENTS_TEXT)
    description: str = Field("", max_length=200)
    is_active: bool = True


class EndpointPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=500)
    events: list[str] | None = Field(None, min_length=1, max_length=20, description=EVENTS_TEXT)
    description: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: UUID
    event_id: UUID
    event_type: str
    status: str = Field(..., description="pending, retrying, succeeded or failed (given up after 24 hours).")
    attempts: int
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    response_status: int | None
    response_excerpt: str = Field(..., description="The first 1,000 characters of the receiver's answer.")
    duration_ms: int | None
    error: str
    request_body: str


def _endpoint_out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(
        id=endpoint.pk,
        url=endpoint.url,
        description=endpoint.description,
        events=list(endpoint.events),
        secret=endpoint.secret,
        is_active=endpoint.is_active,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
    )


def _delivery_out(d: WebhookDelivery) -> DeliveryOut:
    retrying = d.status in {"pending", "retrying"}
    return DeliveryOut(
        id=d.pk,
        event_id=d.event_id,
        event_type=d.event.kind,
        status=d.status,
        attempts=d.attempts,
        last_attempt_at=d.last_attempt_at,
        next_attempt_at=d.next_attempt_at if retrying else None,
        response_status=d.response_status,
        response_excerpt=d.response_excerpt,
        duration_ms=d.duration_ms,
        error=d.error,
        request_body=d.request_body,
    )


def _get(request: ApiRequest, endpoint_id: UUID) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, organization=request.organization, pk=endpoint_id)


def _save(request: ApiRequest, fields: dict[str, Any], endpoint: WebhookEndpoint | None) -> WebhookEndpoint:
    return services.save_webhook_endpoint(
        actor=Actor.for_api_token(request.api_token), organization=request.organization, endpoint=endpoint, **fields
    )


@router.get("/webhooks", response={200: list[EndpointOut], **ERRORS}, url_name="webhook_list")
def list_webhooks(request: ApiRequest) -> list[EndpointOut]:
    """The organization's webhook endpoints (at most 20)."""
    return [_endpoint_out(e) for e in WebhookEndpoint.objects.filter(organization=request.organization)]


@router.post("/webhooks", response={201: EndpointOut, **ERRORS}, url_name="webhook_list")
def create_webhook(request: ApiRequest, payload: EndpointIn) -> Status[EndpointOut]:
    """Register an endpoint; kasse creates its signing secret. The bodies of the events are described under
    *Webhooks* in this document."""
    return Status(201, _endpoint_out(_save(request, payload.dict(), None)))


@router.get("/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS_WITH_ID}, url_name="webhook_detail")
def get_webhook(request: ApiRequest, endpoint_id: UUID) -> EndpointOut:
    return _endpoint_out(_get(request, endpoint_id))


@router.patch("/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS_WITH_ID}, url_name="webhook_detail")
def update_webhook(request: ApiRequest, endpoint_id: UUID, payload: EndpointPatch) -> EndpointOut:
    """Change URL, events, description or switch it on or off (on again clears why it was off)."""
    endpoint = _get(request, endpoint_id)
    fields = {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "is_active": endpoint.is_active,
    }
    fields.update({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    return _endpoint_out(_save(request, fields, endpoint))


@router.delete("/webhooks/{endpoint_id}", response={204: None, **ERRORS_WITH_ID}, url_name="webhook_detail")
def delete_webhook(request: ApiRequest, endpoint_id: UUID) -> Status[None]:
    services.delete_webhook_endpoint(actor=Actor.for_api_token(request.api_token), endpoint=_get(request, endpoint_id))
    return Status(204, None)


@router.post("/webhooks/{endpoint_id}/test", response={202: DeliveryOut, **ERRORS_WITH_ID}, url_name="webhook_test")
def send_test_webhook(request: ApiRequest, endpoint_id: UUID) -> Status[DeliveryOut]:
    """Queue a `webhook.test` event for this endpoint alone."""
    sent = services.send_test_event(actor=Actor.for_api_token(request.api_token), endpoint=_get(request, endpoint_id))
    return Status(202, _delivery_out(sent))


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS_WITH_ID},
    url_name="webhook_deliveries",
)
def list_webhook_deliveries(request: ApiRequest, endpoint_id: UUID) -> list[DeliveryOut]:
    """The endpoint's last 100 deliveries, newest first."""
    endpoint = _get(request, endpoint_id)
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-created_at")[:100]
    return [_delivery_out(d) for d in rows]


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **ERRORS_WITH_ID},
    url_name="webhook_redeliver",
)
def redeliver_webhook(request: ApiRequest, delivery_id: UUID) -> Status[DeliveryOut]:
    """Send a delivered or given-up event again, with the same `webhook-id`."""
    delivery: WebhookDelivery = get_object_or_404(
        WebhookDelivery.objects.select_related("event"), organization=request.organization, pk=delivery_id
    )
    services.redeliver(actor=Actor.for_api_token(request.api_token), delivery=delivery)
    return Status(202, _delivery_out(delivery))

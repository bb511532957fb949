"""Back-office pages for webhook endpoints: list and create, edit, secret, test event, delivery log,
redelivery (who may manage integrations: ``Capability.MANAGE_API``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.notifications import services
from kasse.notifications.events import ALL_EVENTS
from kasse.notifications.forms import EndpointForm
from kasse.notifications.models import WebhookDelivery, WebhookEndpoint
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest

webhook_view = backoffice_view(Capability.MANAGE_API)
LOG_ROWS = 50


def _apply_errors(form: EndpointForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _save(request: BackofficeRequest, form: EndpointForm, endpoint: WebhookEndpoint | None) -> WebhookEndpoint | None:
    if not form.is_valid():
        return None
    try:
        return services.save_webhook_endpoint(
            actor=Actor.for_user(request.user),
            organization=request.organization,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
            is_active=form.cleaned_data["is_active"],
            endpoint=endpoint,
        )
    except ValidationError as exc:
        _apply_errors(form, exc)
        return None


def _list(request: BackofficeRequest, form: EndpointForm, status: int = 200) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.filter(organization=request.organization)
    return render(request, "notifications/endpoint_list.html", {"endpoints": endpoints, "form": form}, status=status)


@require_GET
@webhook_view
def endpoint_list(request: BackofficeRequest) -> HttpResponse:
    return _list(request, EndpointForm(initial={"is_active": True}))


@require_POST
@webhook_view
def endpoint_create(request: BackofficeRequest) -> HttpResponse:
    form = EndpointForm(request.POST)
    endpoint = _save(request, form, None)
    if endpoint is None:
        return _list(request, form, status=422)
    messages.success(request, _("The endpoint is saved. Copy its signing secret into the receiving system."))
    return redirect("notifications:endpoint-detail", pk=endpoint.pk)


def _endpoint(request: BackofficeRequest, pk: Any) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, organization=request.organization, pk=pk)


@require_http_methods(["GET", "POST"])
@webhook_view
def endpoint_detail(request: BackofficeRequest, pk: Any) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    status = 200
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if _save(request, form, endpoint) is not None:
            messages.success(request, _("The endpoint is saved."))
            return redirect("notifications:endpoint-detail", pk=endpoint.pk)
        status = 422
    else:
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
                "is_active": endpoint.is_active,
            }
        )
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-created_at")[:LOG_ROWS]
    )
    context = {"endpoint": endpoint, "form": form, "deliveries": deliveries, "event_names": ALL_EVENTS}
    return render(request, "notifications/endpoint_detail.html", context, status=status)


@require_POST
@webhook_view
def endpoint_rotate_secret(request: BackofficeRequest, pk: Any) -> HttpResponse:
    services.rotate_webhook_secret(actor=Actor.for_user(request.user), endpoint=_endpoint(request, pk))
    messages.success(request, _("A new signing secret is in place; the old one no longer signs."))
    return redirect("notifications:endpoint-detail", pk=pk)


@require_POST
@webhook_view
def endpoint_send_test(request: BackofficeRequest, pk: Any) -> HttpResponse:
    services.send_test_event(actor=Actor.for_user(request.user), endpoint=_endpoint(request, pk))
    messages.success(request, _("A test event is on its way; its delivery appears below."))
    return redirect("notifications:endpoint-detail", pk=pk)


@require_POST
@webhook_view
def endpoint_delete(request: BackofficeRequest, pk: Any) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.delete_webhook_endpoint(actor=Actor.for_user(request.user), endpoint=endpoint)
    messages.success(request, _("The endpoint is deleted."))
    return redirect("notifications:endpoint-list")


def _delivery(request: BackofficeRequest, pk: Any) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint", "event"), organization=request.organization, pk=pk
    )


@require_GET
@webhook_view
def delivery_detail(request: BackofficeRequest, pk: Any) -> HttpResponse:
    delivery = _delivery(request, pk)
    return render(request, "notifications/delivery_detail.html", {"delivery": delivery, "event_names": ALL_EVENTS})


@require_POST
@webhook_view
def delivery_redeliver(request: BackofficeRequest, pk: Any) -> HttpResponse:
    delivery = _delivery(request, pk)
    try:
        services.redeliver(actor=Actor.for_user(request.user), delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The event is sent again."))
    return redirect("notifications:endpoint-detail", pk=delivery.endpoint_id)

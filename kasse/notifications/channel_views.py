"""Push devices and quiet hours on the notification settings page, and the browser's subscribe calls."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.notifications import vapid
from kasse.notifications.devices import (
    device_label,
    remove_push_subscription,
    replace_push_subscription,
    save_push_subscription,
    save_quiet_hours,
)
from kasse.notifications.models import OutgoingNotification, OutgoingStatus, PushSubscription, QuietHours
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest

centre_view = backoffice_view(Capability.VIEW_REPORTS)
PROBLEMS_SHOWN = 5


def channel_context(request: BackofficeRequest) -> dict[str, Any]:
    """What the settings page shows about push devices, quiet hours and messages that did not go out."""
    user, organization = request.user, request.organization
    quiet = QuietHours.objects.filter(user=user, organization=organization).first()
    problems = OutgoingNotification.objects.filter(
        user=user,
        organization=organization,
        status__in=[OutgoingStatus.RETRYING, OutgoingStatus.FAILED, OutgoingStatus.EXPIRED],
    ).order_by("-created_at")[:PROBLEMS_SHOWN]
    return {
        "devices": PushSubscription.objects.filter(user=user, organization=organization).order_by("created_at"),
        "quiet": quiet,
        "problems": problems,
        "vapid_key": vapid.application_server_key(),
        "user_email": getattr(user, "email", ""),
    }


def _json_error(message: str, status: int = 422) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
@centre_view
def subscribe(request: BackofficeRequest) -> HttpResponse:
    """The page's script posts ``PushSubscription.toJSON()`` here after the user allowed notifications."""
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        data = None
    try:
        sub = save_push_subscription(
            user=request.user,
            organization=request.organization,
            data=data,
            label=device_label(request.headers.get("User-Agent", "")),
        )
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))
    return JsonResponse({"id": str(sub.pk), "label": sub.label}, status=201)


@require_GET
@centre_view
def push_key(request: BackofficeRequest) -> HttpResponse:
    """For the service worker, which has no page to read them from: the VAPID public key to subscribe with and
    a CSRF token for ``resubscribe``."""
    return JsonResponse({"key": vapid.application_server_key(), "csrf": get_token(request)})


@require_POST
@centre_view
def resubscribe(request: BackofficeRequest) -> HttpResponse:
    """The service worker posts ``{"old_endpoint": ..., "subscription": PushSubscription.toJSON()}`` here after
    the browser's ``pushsubscriptionchange``: the new subscription replaces the old one."""
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("old_endpoint") or "", str):
        return _json_error(_("This browser sent a push subscription that cannot be used."))
    try:
        sub = replace_push_subscription(
            user=request.user,
            organization=request.organization,
            old_endpoint=data.get("old_endpoint") or None,
            data=data.get("subscription"),
            label=device_label(request.headers.get("User-Agent", "")),
        )
    except ValidationError as exc:
        return _json_error(" ".join(exc.messages))
    return JsonResponse({"id": str(sub.pk), "label": sub.label}, status=201)


@require_POST
@centre_view
def unsubscribe(request: BackofficeRequest) -> HttpResponse:
    """The page's script posts the endpoint it unsubscribed in the browser."""
    try:
        endpoint = json.loads(request.body or b"{}").get("endpoint")
    except (ValueError, AttributeError):
        endpoint = None
    if not isinstance(endpoint, str):
        return _json_error(_("This browser sent a push subscription that cannot be used."))
    removed = remove_push_subscription(user=request.user, organization=request.organization, endpoint=endpoint)
    return JsonResponse({"removed": removed})


@require_POST
@centre_view
def remove_device(request: BackofficeRequest, pk: str) -> HttpResponse:
    if not remove_push_subscription(user=request.user, organization=request.organization, pk=pk):
        raise Http404
    messages.success(request, _("The device receives no more push notifications."))
    return redirect("notifications-centre:settings")


def _parse_time(value: str) -> time | None:
    value = (value or "").strip()
    if not value:
        return None
    hours, _sep, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(value)
    return time(int(hours), int(minutes))


@require_POST
@centre_view
def quiet_hours(request: BackofficeRequest) -> HttpResponse:
    """Set or clear the user's quiet hours (both times empty: none)."""
    try:
        starts = _parse_time(request.POST.get("quiet_from", ""))
        ends = _parse_time(request.POST.get("quiet_until", ""))
        if (starts is None) != (ends is None):
            raise ValueError("one of two")
    except ValueError:
        messages.error(request, _("Please enter both times of your quiet hours as HH:MM, or neither."))
        return redirect("notifications-centre:settings")
    # The time zone of the user's first store: the shop's clock, which is the owner's too as a rule.
    store = Store.objects.filter(organization=request.organization).order_by("name").first()
    zone = store.time_zone if store else django_settings.TIME_ZONE
    save_quiet_hours(user=request.user, organization=request.organization, starts=starts, ends=ends, time_zone=zone)
    messages.success(request, _("Your quiet hours are saved.") if starts else _("You have no quiet hours."))
    return redirect("notifications-centre:settings")

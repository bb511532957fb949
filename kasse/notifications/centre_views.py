"""The notification centre (``/notifications/``) and each user's choices (``/notifications/settings/``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.notifications.centre import AMOUNT_RULES, CAPABILITY, describe
from kasse.notifications.channel_views import channel_context
from kasse.notifications.events import ALL_EVENTS
from kasse.notifications.models import Notification
from kasse.notifications.preferences import mark_all_read, preference_rows, save_preferences
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import stores_with_capability

centre_view = backoffice_view(Capability.VIEW_REPORTS)
SHOWN = 100


@require_http_methods(["GET"])
@centre_view
def centre(request: BackofficeRequest) -> HttpResponse:
    """The newest notifications; those shown count as read."""
    rows = list(
        Notification.objects.filter(user=request.user, organization=request.organization).order_by("-created_at")[
            :SHOWN
        ]
    )
    items = [{"notification": n, "text": describe(n), "unread": n.read_at is None} for n in rows]
    if any(item["unread"] for item in items):
        mark_all_read(user=request.user, organization=request.organization)
    return render(request, "notifications/centre.html", {"items": items})


def _stores(request: BackofficeRequest) -> list[Store]:
    allowed = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    stores = Store.objects.filter(organization=request.organization).order_by("name")
    return [s for s in stores if allowed is None or s.pk in allowed]


@require_http_methods(["GET", "POST"])
@centre_view
def settings(request: BackofficeRequest) -> HttpResponse:
    """Per event (and, when chosen, per store): in the app or not, from which amount."""
    stores = _stores(request)
    store = None
    if request.GET.get("store"):
        store = next((s for s in stores if str(s.pk) == request.GET["store"]), None)
        if store is None:
            raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        rows: list[dict[str, Any]] = []
        for kind in CAPABILITY:
            amount = (request.POST.get(f"{kind}-min_amount") or "").strip().replace(",", ".")
            if amount:
                try:
                    if Decimal(amount) < 0 or Decimal(amount) > Decimal("999999.99") or not Decimal(amount).is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    errors[kind] = _("Please enter an amount in euros, e.g. 50 or 12,50.")
            rows.append(
                {
                    "kind": kind,
                    "in_app": request.POST.get(f"{kind}-in_app") == "on",
                    "push": request.POST.get(f"{kind}-push") == "on",
                    "email": request.POST.get(f"{kind}-email") == "on",
                    "min_amount": amount if kind in AMOUNT_RULES and kind not in errors else None,
                }
            )
        if not errors:
            save_preferences(user=request.user, organization=request.organization, store=store, rows=rows)
            messages.success(request, _("Your notification settings are saved."))
            return redirect(request.get_full_path())
    rows = preference_rows(request.user, request.organization, store)
    for row in rows:
        row["label"] = ALL_EVENTS[row["kind"]]
        row["has_amount"] = row["kind"] in AMOUNT_RULES
        row["error"] = errors.get(row["kind"], "")
        row["visible"] = _may_choose(request, row["kind"])
    context = {"rows": [r for r in rows if r["visible"]], "stores": stores, "store": store, **channel_context(request)}
    return render(request, "notifications/settings.html", context, status=422 if errors else 200)


def _may_choose(request: BackofficeRequest, kind: str) -> bool:
    allowed = stores_with_capability(request.employee, CAPABILITY[kind])
    return allowed is None or bool(allowed)


@require_POST
@centre_view
def read_all(request: BackofficeRequest) -> HttpResponse:
    mark_all_read(user=request.user, organization=request.organization)
    return redirect("notifications:centre")

"""Back-office pages of sync: store nodes (pairing, revoking), anomalies, customer conflicts, live sales."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import kasse
from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.sync.backoffice import selectors
from kasse.sync.cloud.review import mark_conflict_seen, release_quarantined_sale, resolve_anomaly
from kasse.sync.cloud.services import NODE_PAIRING_TTL, create_node_pairing_code, revoke_node
from kasse.sync.models import StoreNode, SyncAnomaly, SyncConflict
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest

PAGE_SIZE = 50


def _actor(request: BackofficeRequest) -> Actor:
    return Actor.for_user(request.user)


@backoffice_view(Capability.MANAGE_SETTINGS)
def node_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sync/backoffice/nodes.html",
        {
            "stores": selectors.nodes_by_store(),
            "counts": selectors.open_counts(),
            "cloud_version": kasse.__version__,
        },
    )


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def pairing_code(request: BackofficeRequest, store_id: uuid.UUID) -> HttpResponse:
    store = get_object_or_404(Store, pk=store_id)
    code = create_node_pairing_code(
        actor=_actor(request), store=store, give_up_waiting=request.POST.get("give_up_waiting") == "1"
    )
    return render(
        request,
        "sync/backoffice/pairing_code.html",
        {
            "store": store,
            "code": code,
            "cloud_url": settings.PUBLIC_URL.rstrip("/"),
            "hours": int(NODE_PAIRING_TTL.total_seconds() // 3600),
        },
    )


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def node_revoke(request: BackofficeRequest, node_id: uuid.UUID) -> HttpResponse:
    node = get_object_or_404(StoreNode, pk=node_id)
    revoke_node(actor=_actor(request), node=node)
    messages.success(request, _("The store node %(name)s can no longer sync.") % {"name": node.name})
    return redirect("sync-backoffice:node-list")


def _page(request: HttpRequest, queryset: object) -> object:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@backoffice_view(Capability.MANAGE_SETTINGS)
def anomaly_list(request: HttpRequest) -> HttpResponse:
    show_resolved = request.GET.get("resolved") == "1"
    page = _page(request, selectors.anomalies(resolved=show_resolved))
    return render(
        request,
        "sync/backoffice/anomalies.html",
        {
            "page": page,
            "rows": selectors.anomaly_rows(list(page)),  # type: ignore[call-overload]
            "show_resolved": show_resolved,
            "counts": selectors.open_counts(),
        },
    )


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def anomaly_resolve(request: BackofficeRequest, anomaly_id: uuid.UUID) -> HttpResponse:
    anomaly = get_object_or_404(SyncAnomaly, pk=anomaly_id)
    resolve_anomaly(actor=_actor(request), anomaly=anomaly)
    messages.success(request, _("The anomaly is marked as resolved."))
    return redirect("sync-backoffice:anomaly-list")


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def anomaly_release(request: BackofficeRequest, anomaly_id: uuid.UUID) -> HttpResponse:
    anomaly = get_object_or_404(SyncAnomaly, pk=anomaly_id)
    try:
        booked = release_quarantined_sale(actor=_actor(request), anomaly=anomaly)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The sale is booked under receipt number %(number)s; the printed number is kept with it.")
            % {"number": booked},
        )
    return redirect("sync-backoffice:anomaly-list")


@backoffice_view(Capability.MANAGE_SETTINGS)
def conflict_list(request: HttpRequest) -> HttpResponse:
    show_seen = request.GET.get("seen") == "1"
    page = _page(request, selectors.conflicts(seen=show_seen))
    return render(
        request,
        "sync/backoffice/conflicts.html",
        {
            "page": page,
            "rows": selectors.conflict_rows(list(page)),  # type: ignore[call-overload]
            "show_seen": show_seen,
            "counts": selectors.open_counts(),
            "time_zone": selectors.organization_time_zone(),
        },
    )


@require_POST
@backoffice_view(Capability.MANAGE_SETTINGS)
def conflict_seen(request: BackofficeRequest, conflict_id: uuid.UUID) -> HttpResponse:
    conflict = get_object_or_404(SyncConflict, pk=conflict_id)
    mark_conflict_seen(actor=_actor(request), conflict=conflict)
    messages.success(request, _("The conflict is marked as seen."))
    return redirect("sync-backoffice:conflict-list")


@backoffice_view(Capability.VIEW_REPORTS)
def live(request: BackofficeRequest) -> HttpResponse:
    """Sales of the stores this user may see reports of, as they happen (the page follows ``/ws/live/``)."""
    from kasse.tenancy.selectors import stores_with_capability

    store_ids = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    return render(
        request,
        "sync/backoffice/live.html",
        {
            "sales": selectors.recent_sales(store_ids=store_ids),
            "directory": selectors.live_directory(store_ids),
            "limit": selectors.LIVE_FEED_SIZE,
        },
    )

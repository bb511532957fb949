"""The Übersicht (the first page after login) and its figures fragment, which the page asks for again when
``/ws/live/`` reports a sale of a store the user may see (htmx swaps the server-rendered fragment in)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kasse.backoffice import overview
from kasse.backoffice.access import backoffice_view
from kasse.backoffice.overview_alerts import alerts
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability, stores_with_capability


def report_stores(request: BackofficeRequest) -> list[Store]:
    """The stores whose figures this user may see (a store manager: the stores they manage)."""
    allowed = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    stores = Store.objects.all() if allowed is None else Store.objects.filter(pk__in=allowed)
    return overview.visible(stores)


def figures_context(request: BackofficeRequest) -> dict[str, Any]:
    stores = report_stores(request)
    now = timezone.now()
    if not stores:
        return {"stores": [], "as_of": now}
    days, total = overview.store_days(stores, now)
    today_hours = overview.revenue_by_hour(stores, now)
    last_week_hours = overview.revenue_by_hour(stores, now, 7)
    return {
        "stores": stores,
        "as_of": now,
        "day": overview.local_today(stores, now),
        "days": days,
        "total": total,
        "chart": overview.hour_chart(today_hours, last_week_hours),
        "top_products": overview.top_products(stores, now),
        "open_shifts": overview.open_shifts(stores, now),
        "alerts": alerts(
            stores,
            now,
            manages_settings=has_capability(request.employee, Capability.MANAGE_SETTINGS),
            views_reports=True,
            stock_stores=stores_with_capability(request.employee, Capability.RECEIVE_GOODS),
        ),
    }


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def overview_figures(request: BackofficeRequest) -> HttpResponse:
    """The figures of the Übersicht alone (what the page swaps in when a sale arrives)."""
    return render(request, "backoffice/partials/overview_figures.html", figures_context(request))

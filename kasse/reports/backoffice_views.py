"""Berichte: the report pages (chart, table, comparison) and their CSV, XLSX and PDF downloads.

Thin: the filter is a form, the figures come from :mod:`kasse.reports.selectors`. A user sees the stores
where they may read reports (owners and all-stores managers: every store); a store they may not see is a
404 like a missing one. Bad filters answer 400 with the form's translated message and read nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kasse.backoffice.access import backoffice_view
from kasse.reports import downloads, products, selectors
from kasse.reports.forms import ReportForm
from kasse.reports.selectors import Period, Report
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import stores_with_capability


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str | Promise
    help: str | Promise
    build: Callable[[list[Store], Period, Period | None, str], Report]
    grouped: bool = False


KINDS = [
    Kind(
        "sales",
        _("Sales over time"),
        _("Revenue per day, week or month with receipts, returns and the average basket."),
        selectors.sales_over_time,
        grouped=True,
    ),
    Kind(
        "hours",
        _("Hours and weekdays"),
        _("When you sell: revenue per hour of the day and a weekday × hour heat map."),
        lambda s, p, c, g: selectors.by_hour(s, p, c),
    ),
    Kind(
        "products",
        _("Top sellers"),
        _("Products by revenue, best first."),
        lambda s, p, c, g: products.by_product(s, p, c),
    ),
    Kind(
        "slow-sellers",
        _("Slow sellers"),
        _("Active products that sold least, those without any sale first."),
        lambda s, p, c, g: products.by_product(s, p, c, slow=True),
    ),
    Kind(
        "categories",
        _("Categories"),
        _("Revenue per product category."),
        lambda s, p, c, g: products.by_category(s, p, c),
    ),
    Kind(
        "employees",
        _("Employees"),
        _("Receipts and revenue per cashier."),
        lambda s, p, c, g: selectors.by_employee(s, p, c),
    ),
    Kind(
        "payments",
        _("Payment methods"),
        _("What customers paid with."),
        lambda s, p, c, g: selectors.by_payment(s, p, c),
    ),
    Kind(
        "stores",
        _("Stores"),
        _("Revenue per store."),
        lambda s, p, c, g: selectors.by_store(s, p, c),
    ),
    Kind(
        "vat",
        _("VAT"),
        _("Net, VAT and gross per rate as printed on the receipts, for your tax adviser."),
        lambda s, p, c, g: selectors.vat(s, p, c),
    ),
    Kind(
        "discounts",
        _("Discounts, voids and returns"),
        _("Discounts given, lines voided and receipts cancelled at the register, goods returned."),
        selectors.discounts_and_returns,
        grouped=True,
    ),
    Kind(
        "margin",
        _("Gross margin"),
        _("Net revenue less cost per product, where a cost price is known."),
        lambda s, p, c, g: products.margin(s, p, c),
    ),
]
BY_SLUG = {k.slug: k for k in KINDS}


def _visible_stores(request: BackofficeRequest) -> list[Store]:
    stores = Store.objects.filter(organization=request.organization).order_by("number", "name")
    allowed = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    return list(stores if allowed is None else stores.filter(pk__in=allowed))


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def report_list(request: BackofficeRequest) -> HttpResponse:
    """The reports an owner can open, each with what it answers."""
    return render(request, "reports/report_list.html", {"kinds": KINDS})


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def report_show(request: BackofficeRequest, kind: str) -> HttpResponse:
    """One report over the visible stores or the one chosen in ``?store=`` (another store: 404)."""
    stores = _visible_stores(request)
    chosen = request.GET.get("store")
    if chosen and chosen not in {str(s.pk) for s in stores}:
        raise Http404
    return _report(request, kind, stores, None)


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def report_store(request: BackofficeRequest, kind: str, store_pk: str) -> HttpResponse:
    """One report of one store (a link to keep); a store the user may not see is a 404."""
    store = next((s for s in _visible_stores(request) if str(s.pk) == str(store_pk)), None)
    if store is None:
        raise Http404
    return _report(request, kind, [store], store)


def _report(request: BackofficeRequest, slug: str, stores: list[Store], store: Store | None) -> HttpResponse:
    kind = BY_SLUG.get(slug)
    if kind is None:
        raise Http404
    form = ReportForm(request.GET, stores=stores, with_store=store is None)
    context: dict[str, Any] = {"kind": kind, "kinds": KINDS, "form": form, "store": store}
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    chosen = form.cleaned_data.get("store")
    if chosen:
        stores = [s for s in stores if str(s.pk) == chosen]
    period, compare = form.period(), form.comparison()
    selectors.refresh(request.organization.pk, stores)
    report = kind.build(stores, period, compare, form.cleaned_data.get("group") or "day") if stores else None
    title = f"{kind.title} {period}"
    fmt = form.cleaned_data.get("format")
    if report is not None and fmt:
        return _download(report, fmt, kind, period, compare, stores)
    context.update(
        {
            "report": report,
            "period": period,
            "compare": compare,
            "title": title,
            "stores_label": ", ".join(str(s) for s in stores),
            "query": request.GET.urlencode(),
            "chart": report.chart if report else None,
            "rows_shown": report.rows[: selectors.TABLE_ROWS] if report else [],
            "rows_hidden": max(0, len(report.rows) - selectors.TABLE_ROWS) if report else 0,
        }
    )
    return render(request, "reports/report.html", context)


def _download(
    report: Report, fmt: str, kind: Kind, period: Period, compare: Period | None, stores: list[Store]
) -> HttpResponse:
    name = f"{kind.slug}_{period.first:%Y-%m-%d}_{period.last:%Y-%m-%d}"
    subtitle = f"{period}" + (f" ({compare})" if compare else "") + " · " + ", ".join(str(s) for s in stores)
    if fmt == "csv":
        response = HttpResponse(downloads.as_csv(report), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            downloads.as_xlsx(report, str(kind.title)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(downloads.as_pdf(report, str(kind.title), subtitle), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["X-Generated-At"] = timezone.now().isoformat()
    return response

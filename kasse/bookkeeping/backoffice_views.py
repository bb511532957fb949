"""Back-office pages of bookkeeping: the Z report archive (list, one closing, reprint, PDF) and sales exports."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.bookkeeping import selectors
from kasse.bookkeeping.document_pdf import document_pdf
from kasse.bookkeeping.forms import SalesExportForm
from kasse.bookkeeping.models import ExportFormat, ExportStatus, SalesExport
from kasse.bookkeeping.retention import prune_exports
from kasse.bookkeeping.services import ExportError, export_path, fail_stale_exports, request_sales_export
from kasse.core.actors import Actor
from kasse.core.money import round_money
from kasse.printing.documents import shift_report_document
from kasse.printing.services import PrintingError, enqueue_shift_report
from kasse.sales.card_reconciliation import card_reconciliation
from kasse.sales.models import PaymentMethod
from kasse.sales.services.shifts import shift_figures
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest


def _choice(request: BackofficeRequest, name: str, options: list) -> object | None:
    """The store or register picked in the filter, if it is one of ``options`` (anything else: none)."""
    wanted = request.GET.get(name, "")
    return next((option for option in options if str(option.pk) == wanted), None)


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def z_report_list(request: BackofficeRequest) -> HttpResponse:
    """Every closing of the registers the person may see, newest first, filtered by store or register."""
    stores = list(selectors.visible_stores(request.employee))
    registers = list(selectors.visible_registers(request.employee))
    store = _choice(request, "store", stores)
    register = _choice(request, "register", registers)
    cursor = selectors.ClosingCursor.decode(request.GET.get("after", ""))
    page, next_cursor = selectors.closings(
        request.employee,
        store=store,  # type: ignore[arg-type]
        register=register,  # type: ignore[arg-type]
        after=cursor,
    )
    for shift in page:
        shift.receipts_total = round_money(shift.receipts_total or 0)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("after", None)
    if next_cursor is not None:
        query["after"] = next_cursor.encode()
    return render(
        request,
        "bookkeeping/backoffice/z_report_list.html",
        {
            "stores": stores,
            "registers": registers,
            "store": store,
            "register": register,
            "closings": page,
            "next_query": query.urlencode() if next_cursor is not None else "",
            "is_later_page": cursor is not None,
        },
    )


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def z_report_detail(request: BackofficeRequest, shift_id: uuid.UUID) -> HttpResponse:
    """One closing: period, totals by payment method, VAT rate and employee, counted against expected cash."""
    shift = selectors.visible_closing(request.employee, shift_id)
    figures = shift_figures(shift)
    labels = dict(PaymentMethod.choices)
    order = list(PaymentMethod.values)
    payments = [
        (labels.get(method, method), amount)
        for method, amount in sorted(figures.by_payment.items(), key=lambda item: order.index(item[0]))
    ]
    return render(
        request,
        "bookkeeping/backoffice/z_report_detail.html",
        {
            "shift": shift,
            "store": shift.store,
            "figures": figures,
            "payments": payments,
            "cash_payments": figures.by_payment.get(PaymentMethod.CASH, round_money(0)),
            "card": card_reconciliation(shift),
        },
    )


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def z_report_pdf(request: BackofficeRequest, shift_id: uuid.UUID) -> HttpResponse:
    """The Z report as the printer prints it, as an 80 mm PDF."""
    shift = selectors.visible_closing(request.employee, shift_id)
    title = _("Z report %(number)s") % {"number": shift.closing_number}
    pdf = document_pdf(shift_report_document(shift, language=request.LANGUAGE_CODE), title=title)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"z-{shift.store.number}-{shift.register.number}-{shift.closing_number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@backoffice_view(Capability.VIEW_REPORTS)
def z_report_reprint(request: BackofficeRequest, shift_id: uuid.UUID) -> HttpResponse:
    """Print the Z report again on its register's receipt printer, through the print queue."""
    shift = selectors.visible_closing(request.employee, shift_id)
    try:
        enqueue_shift_report(actor=Actor.for_user(request.user), shift=shift, register=shift.register)
    except PrintingError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("Z report %(number)s is being printed on the printer of %(register)s.")
            % {"number": shift.closing_number, "register": shift.register.name},
        )
    return redirect("bookkeeping:z-report-detail", shift_id=shift.pk)


# --- sales exports ---------------------------------------------------------------------------------------

RECENT_EXPORTS = 20


def _my_export(request: BackofficeRequest, export_id: uuid.UUID) -> SalesExport:
    """One of the person's own exports; anybody else's is the same 404 as a missing one."""
    export: SalesExport = get_object_or_404(SalesExport.objects.filter(requested_by=request.user), pk=export_id)
    return export


@require_http_methods(["GET", "POST"])
@backoffice_view(Capability.VIEW_REPORTS)
def export_list(request: BackofficeRequest) -> HttpResponse:
    """Ask for an export of the receipts of the stores one may see, and the person's recent exports."""
    stores = selectors.visible_stores(request.employee).filter(is_active=True)
    form = SalesExportForm(request.POST or None, stores=stores)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = form.cleaned_data.get("store")
            try:
                export = request_sales_export(
                    actor=Actor.for_user(request.user),
                    organization=request.organization,
                    user=request.user,
                    stores=[chosen] if chosen else list(stores),
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                    fmt=form.cleaned_data["format"],
                    language=request.LANGUAGE_CODE,
                )
            except ExportError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The export is being written; it appears below when it is ready."))
                return redirect(f"{reverse('bookkeeping:export-list')}#export-{export.pk}")
        status = 400
    fail_stale_exports(organization=request.organization)
    prune_exports(organization_id=request.organization.pk)
    exports = SalesExport.objects.filter(requested_by=request.user)[:RECENT_EXPORTS]
    return render(request, "bookkeeping/backoffice/export_list.html", {"form": form, "exports": exports}, status=status)


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def export_progress(request: BackofficeRequest, export_id: uuid.UUID) -> HttpResponse:
    """One export's row (htmx polls it while the file is being written)."""
    return render(
        request, "bookkeeping/backoffice/partials/export_row.html", {"export": _my_export(request, export_id)}
    )


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def export_download(request: BackofficeRequest, export_id: uuid.UUID) -> HttpResponseBase:
    """The finished file; before it is finished (or after it failed) there is nothing to download."""
    export = _my_export(request, export_id)
    path = export_path(export) if export.file_name else None
    if export.status != ExportStatus.DONE or path is None or not path.exists():
        raise Http404
    suffix = {ExportFormat.XLSX: "xlsx", ExportFormat.TSE: "tar"}.get(ExportFormat(export.format), "zip")
    name = export.download_name or f"{_('sales')}-{export.date_from.isoformat()}-{export.date_to.isoformat()}.{suffix}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)

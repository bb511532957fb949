"""Back-office pages of sales: the receipt journal ("Belege") and a receipt's detail.

Every page shows only the stores where the user may see reports (a store manager: their stores); a
receipt of another store, like one of another organization, is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.register.receipt_pdf import receipt_pdf
from kasse.register.services.receipts import email_receipt
from kasse.sales.forms import JournalFilterForm
from kasse.sales.journal import Cursor, JournalError, journal_page, journal_queryset, payment_methods_of
from kasse.sales.models import Sale
from kasse.sales.receipt import build_receipt
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Employee, Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import stores_with_capability

# What the audit trail of a receipt says for each action recorded on it.
TRAIL_LABELS = {
    "sales.sale.completed": gettext_lazy("Completed at the register"),
    "sales.sale.refunded": gettext_lazy("Return completed"),
    "sales.sale.refunded_without_receipt": gettext_lazy("Return without receipt completed"),
    "sales.sale.exchanged": gettext_lazy("Exchange completed"),
    "sales.receipt.emailed": gettext_lazy("Sent by e-mail"),
    "printing.receipt.reprinted": gettext_lazy("Copy printed"),
    # How the receipt was handed over (Belegausgabepflicht, docs/receipts.md)
    "sales.receipt.printed": gettext_lazy("Receipt handed over printed"),
    "sales.receipt.digital": gettext_lazy("Receipt handed over digitally (QR code)"),
    "sales.receipt.declined": gettext_lazy("Customer declined the receipt"),
}


def visible_stores(request: BackofficeRequest) -> list[Store]:
    """The stores whose receipts this user may see, by name."""
    allowed = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    stores = Store.objects.order_by("name")
    if allowed is not None:
        stores = stores.filter(pk__in=allowed)
    return list(stores)


def _visible_sale(request: BackofficeRequest, sale_id: uuid.UUID) -> Sale:
    stores = [s.pk for s in visible_stores(request)]
    return get_object_or_404(
        Sale.objects.select_related("store__organization", "register", "customer", "original_sale", "employee"),
        pk=sale_id,
        store_id__in=stores,
    )


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def journal(request: BackofficeRequest) -> HttpResponse:
    """Every receipt of the visible stores, filtered, newest first, a cursor page at a time."""
    stores = visible_stores(request)
    store_ids = [s.pk for s in stores]
    registers = list(
        Register.objects.filter(store_id__in=store_ids).select_related("store").order_by("store__name", "number")
    )
    allowed = stores_with_capability(request.employee, Capability.VIEW_REPORTS)
    people = Employee.objects.all() if allowed is None else Employee.objects.filter(roles__store_id__in=allowed)
    employees = list(people.distinct().order_by("display_name"))
    form = JournalFilterForm(request.GET, stores=stores, registers=registers, employees=employees)
    error = ""
    page = None
    methods: dict[Any, list[str]] = {}
    status = 200
    unknown = form.unknown_parameters()
    if unknown:
        error = _("Unknown filter: %(names)s.") % {"names": ", ".join(n[:40] for n in unknown[:5])}
    elif not form.is_valid():
        error = _("Please check the filters marked below.")
    else:
        try:
            f = form.journal_filter()
            cursor_text = request.GET.get("cursor", "")
            cursor = Cursor.decode(cursor_text) if cursor_text else None
            page = journal_page(journal_queryset(f, [(s.pk, s.time_zone) for s in stores]), cursor)
            methods = payment_methods_of(page.receipts)
        except JournalError as exc:
            error = str(exc)
    if error:
        status = 400
    query = {k: v for k, v in request.GET.items() if k != "cursor" and v and k not in unknown}
    context = {
        "form": form,
        "page": page,
        "rows": [(sale, methods.get(sale.pk, [])) for sale in page.receipts] if page else [],
        "error": error,
        "filter_query": urlencode(query),
        "show_store": len(stores) > 1,
        "first_page": bool(request.GET.get("cursor")),
    }
    template = "sales/journal.html"
    if request.htmx and request.htmx.target == "journal-results":
        template = "sales/partials/journal_results.html"
    return render(request, template, context, status=status)


def _detail_context(request: BackofficeRequest, sale: Sale) -> dict[str, Any]:
    stores = [s.pk for s in visible_stores(request)]
    refunds = list(sale.refunds.filter(store_id__in=stores).select_related("register").order_by("completed_at"))
    trail = AuditEntry.objects.filter(object_type="sales.sale", object_id=str(sale.pk)).order_by("created_at")[:200]
    return {
        "sale": sale,
        "receipt": build_receipt(sale),
        "payments": list(sale.payments.all()),
        "refunds": refunds,
        "original_visible": sale.original_sale is not None and sale.original_sale.store_id in stores,
        "trail": [(entry, TRAIL_LABELS.get(entry.action, entry.action)) for entry in trail],
    }


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def receipt_detail(request: BackofficeRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _visible_sale(request, sale_id)
    return render(request, "sales/receipt_detail.html", _detail_context(request, sale))


@require_GET
@backoffice_view(Capability.VIEW_REPORTS)
def receipt_pdf_download(request: BackofficeRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _visible_sale(request, sale_id)
    response = HttpResponse(receipt_pdf(build_receipt(sale)), content_type="application/pdf")
    filename = f"receipt-{sale.register.number}-{sale.receipt_number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@backoffice_view(Capability.VIEW_REPORTS)
def receipt_email(request: BackofficeRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Send the receipt again to the typed address; the detail page shows what happened."""
    sale = _visible_sale(request, sale_id)
    address = request.POST.get("email", "")[:254]
    context = _detail_context(request, sale)
    try:
        context["email_sent"] = email_receipt(actor=Actor.for_user(request.user), sale=sale, to=address)
    except SaleError as exc:
        context.update({"email_error": " ".join(exc.messages), "email_value": address})
        return render(request, "sales/receipt_detail.html", context, status=422)
    return render(request, "sales/receipt_detail.html", context)

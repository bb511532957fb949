"""Receipt outputs at the register: PDF download, e-mail, and the list of receipts to reprint."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kasse.core.actors import Actor
from kasse.printing.models import JobKind, PrintJob
from kasse.printing.selectors import receipt_printer_for
from kasse.printing.services import enqueue_sale_receipt
from kasse.register.access import register_view
from kasse.register.live import publish_display
from kasse.register.receipt_pdf import receipt_pdf
from kasse.register.services.receipts import email_receipt, receipt_context
from kasse.sales.models import ReceiptIssueKind, Sale
from kasse.sales.receipt import build_receipt
from kasse.sales.selectors import recent_receipts
from kasse.sales.services.errors import SaleError
from kasse.sales.services.receipt_issue import digital_receipt_days, issue_receipt
from kasse.tenancy.requests import CashierRequest, RegisterRequest


def _store_sale(request: RegisterRequest, sale_id: uuid.UUID) -> Sale:
    """A receipt of this register's store; any other id is the same 404."""
    return get_object_or_404(
        Sale.objects.select_related("store__organization", "register", "customer", "original_sale"),
        pk=sale_id,
        store=request.register.store,
    )


@require_GET
@register_view()
def pdf(request: RegisterRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _store_sale(request, sale_id)
    response = HttpResponse(receipt_pdf(build_receipt(sale)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{sale.register.number}-{sale.receipt_number}.pdf"'
    return response


@require_POST
@register_view()
def email(request: CashierRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Send the receipt to the typed address (or the customer's) and show the receipt page again."""
    sale = _store_sale(request, sale_id)
    address = request.POST.get("email", "")
    context = receipt_context(sale)
    try:
        context["email_sent"] = email_receipt(actor=Actor.for_employee(request.cashier), sale=sale, to=address)
    except SaleError as exc:
        context.update({"email_error": " ".join(exc.messages), "email_value": address})
        return render(request, "register/receipt.html", context, status=422)
    return render(request, "register/receipt.html", context)


@require_GET
@register_view()
def receipts(request: CashierRequest) -> HttpResponse:
    """The last receipts of this register, or any receipt of the store by number, to reprint or return."""
    register = request.register
    query = request.GET.get("q", "").strip()
    found = recent_receipts(register.store, register=register, query=query)
    template = "register/receipts/results.html" if request.GET.get("partial") else "register/receipts/list.html"
    return render(request, template, {"receipts": found, "query": query})


@require_POST
@register_view()
def issue(request: CashierRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Hand the receipt over (Belegausgabepflicht): printed, digital (a QR code on the customer
    display and in the dialog, opening the receipt in the cloud) or declined by the customer."""
    sale = _store_sale(request, sale_id)
    kind = request.POST.get("kind", "")
    actor = Actor.for_employee(request.cashier)
    context: dict[str, object] = {"sale": sale, "kind": kind}
    if kind == ReceiptIssueKind.PRINTED:
        if receipt_printer_for(request.register) is None:
            context["error"] = _("No receipt printer is set up for this register.")
            return render(request, "register/partials/receipt_issued.html", context, status=422)
        if not PrintJob.objects.filter(sale=sale, kind=JobKind.RECEIPT).exists():
            with transaction.atomic():
                enqueue_sale_receipt(sale=sale, actor=actor)
    try:
        issued = issue_receipt(actor=actor, sale=sale, employee=request.cashier, kind=kind)
    except SaleError as exc:
        context["error"] = " ".join(exc.messages)
        return render(request, "register/partials/receipt_issued.html", context, status=422)
    context.update({"url": issued.url, "days": digital_receipt_days()})
    if issued.url:
        publish_display(request.register, "register/partials/display_receipt_link.html", context)
    return render(request, "register/partials/receipt_issued.html", context)

"""Printing at the register (mounted at /register/print/): reprint, X/Z report, drawer, status, failed jobs.

Every action only queues a job and answers at once; the printer's worker does the rest.
"""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kasse.core.actors import Actor
from kasse.printing import selectors, services
from kasse.printing.models import PrintJob
from kasse.register.access import approver_from_request, register_view
from kasse.sales.models import Sale, Shift, ShiftStatus
from kasse.sales.services import shifts
from kasse.sales.services.errors import SaleError
from kasse.tenancy.requests import CashierRequest


def _actor(request: CashierRequest) -> Actor:
    return Actor.for_employee(request.cashier)


def _answer(request: HttpRequest, message: str, *, error: bool = False) -> HttpResponse:
    """A small confirmation (or refusal) the register shows as a toast."""
    response = render(
        request, "printing/register/answer.html", {"message": message, "error": error}, status=422 if error else 200
    )
    response["HX-Trigger"] = json.dumps({"kasse:error" if error else "kasse:printed": message})
    return response


@require_POST
@register_view()
def reprint(request: CashierRequest, sale_id: uuid.UUID) -> HttpResponse:
    register = request.register
    sale: Sale = get_object_or_404(Sale.objects.select_related("register"), pk=sale_id, store=register.store)
    try:
        services.enqueue_reprint(actor=_actor(request), sale=sale, register=register)
    except SaleError as exc:
        return _answer(request, " ".join(exc.messages), error=True)
    return _answer(request, _("Receipt %(number)s is being printed.") % {"number": sale.receipt_number})


@require_POST
@register_view()
def x_report(request: CashierRequest) -> HttpResponse:
    register = request.register
    shift = shifts.current_shift(register)
    if shift is None:
        return _answer(request, _("No shift is open on this register."), error=True)
    try:
        services.enqueue_shift_report(actor=_actor(request), shift=shift, register=register)
    except SaleError as exc:
        return _answer(request, " ".join(exc.messages), error=True)
    return _answer(request, _("The X report is being printed."))


@require_POST
@register_view()
def z_report(request: CashierRequest, shift_id: uuid.UUID) -> HttpResponse:
    register = request.register
    shift = get_object_or_404(Shift, pk=shift_id, register=register, status=ShiftStatus.CLOSED)
    try:
        services.enqueue_shift_report(actor=_actor(request), shift=shift, register=register)
    except SaleError as exc:
        return _answer(request, " ".join(exc.messages), error=True)
    return _answer(request, _("Z report %(number)s is being printed.") % {"number": shift.closing_number})


@require_POST
@register_view()
def drawer(request: CashierRequest) -> HttpResponse:
    """Open the cash drawer: the cashier's right to manage cash, or a manager's PIN typed on the form."""
    register = request.register
    try:
        services.open_drawer(
            actor=_actor(request), register=register, employee=request.cashier, approver=approver_from_request(request)
        )
    except SaleError as exc:
        return _answer(request, " ".join(exc.messages), error=True)
    return _answer(request, _("The drawer opens."))


MAX_REGISTER_LABELS = 99


@require_POST
@register_view()
def label(request: CashierRequest) -> HttpResponse:
    """A shelf label for a scanned or typed product on the store's label printer."""
    from kasse.printing.documents import LabelRequest
    from kasse.register.access import settings_for
    from kasse.register.inputs import NumberInputError, parse_pieces
    from kasse.register.services.scanning import resolve_code

    register = request.register
    try:
        copies = parse_pieces(request.POST.get("copies", "1") or "1", MAX_REGISTER_LABELS)
        if copies < 1:
            raise NumberInputError(_("From 1 to %(max)s labels, please.") % {"max": MAX_REGISTER_LABELS})
    except NumberInputError:
        return _answer(request, _("From 1 to %(max)s labels, please.") % {"max": MAX_REGISTER_LABELS}, error=True)
    printer = selectors.label_printer_for(register.store)
    try:
        if printer is None:
            raise services.PrintingError(_("This store has no label printer."))
        variant = resolve_code(register.organization, request.POST.get("code", ""), settings_for(request)).variant
        services.enqueue_labels(
            actor=_actor(request),
            printer=printer,
            requests=[LabelRequest(variant, copies)],
            width_mm=printer.label_width_mm,
            height_mm=printer.label_height_mm,
        )
    except SaleError as exc:
        return _answer(request, " ".join(exc.messages), error=True)
    return _answer(request, _("Label for %(name)s is being printed.") % {"name": str(variant)})


@require_GET
@register_view()
def drawer_form(request: HttpRequest) -> HttpResponse:
    return render(request, "printing/register/drawer_form.html")


@require_GET
@register_view()
def status(request: CashierRequest) -> HttpResponse:
    """The printer indicator in the register's top bar (polled every few seconds)."""
    register = request.register
    printer = selectors.receipt_printer_for(register)
    context: dict[str, object] = {"printer": printer, "problems": len(selectors.open_problems(register))}
    if printer is not None:
        context["status"] = selectors.status_view(selectors.state_of(printer))
        context["waiting"] = selectors.waiting_jobs(printer)
    return render(request, "printing/register/indicator.html", context)


@require_GET
@register_view()
def jobs(request: CashierRequest) -> HttpResponse:
    """This register's recent print jobs, the failed ones with "print again"."""
    register = request.register
    printer = selectors.receipt_printer_for(register)
    return render(
        request,
        "printing/register/jobs.html",
        {
            "jobs": selectors.recent_jobs(register=register, limit=15),
            "printer": printer,
            "drawer": selectors.drawer_view(printer, selectors.state_of(printer)) if printer else None,
            "label_printer": selectors.label_printer_for(register.store),
        },
    )


@require_POST
@register_view()
def retry(request: CashierRequest, job_id: uuid.UUID) -> HttpResponse:
    register = request.register
    job: PrintJob = get_object_or_404(PrintJob.objects.defer("payload"), pk=job_id, register=register)
    try:
        services.retry_job(actor=_actor(request), job=job)
    except SaleError as exc:
        return _answer(request, " ".join(exc.messages), error=True)
    return _answer(request, _("The job is queued again."))

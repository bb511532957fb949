"""Every write of printing: printers, queueing jobs, retrying them, opening the drawer.

Queueing writes one ``PrintJob`` row in the caller's transaction and wakes the printer's worker
after commit; nothing here talks to a printer, so no sale, report or click waits for one. A job of a
store served by a store node is the node's to print (``on_node``): queued in the cloud, it goes into the
change feed in the same transaction (:mod:`kasse.printing.syncing`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.hardware.printers import escpos_render
from kasse.hardware.printers.base import Cut, ReceiptDocument
from kasse.printing import documents
from kasse.printing.models import (
    JobError,
    JobKind,
    JobStatus,
    Printer,
    PrinterKind,
    PrintJob,
    RegisterPrinter,
)
from kasse.printing.selectors import receipt_printer_for
from kasse.printing.syncing import node_prints_for, report_jobs
from kasse.sales.models import Sale, Shift, ShiftStatus
from kasse.sales.services.errors import SaleError
from kasse.sync.engine.changes import record
from kasse.sync.engine.local import is_node
from kasse.tenancy.models import Employee, Register, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability

logger = logging.getLogger(__name__)

MAX_LABELS_PER_JOB = 500


class PrintingError(SaleError):
    """A print request that cannot be queued; the message is for the person who asked."""


def _wake_after_commit(printer_id: Any) -> None:
    from kasse.printing.wakeup import notify

    transaction.on_commit(lambda: notify(printer_id))


def _send_to_node(job: PrintJob) -> None:
    """In the cloud, a job the store's node prints goes down the change feed (with its bytes)."""
    if job.on_node and not is_node():
        if not job.payload and job.kind in (JobKind.RECEIPT, JobKind.REPRINT) and job.sale_id is not None:
            from kasse.printing.payloads import render_payload

            render_payload(job)  # the node may not hold the sale
        record("print_job", [job])


def _queue(
    printer: Printer,
    kind: str,
    *,
    actor: Actor | None,
    title: str = "",
    payload: bytes = b"",
    register: Register | None = None,
    sale: Sale | None = None,
    shift: Shift | None = None,
) -> PrintJob:
    job = PrintJob.objects.create(
        organization_id=printer.organization_id,
        printer=printer,
        kind=kind,
        title=title[:120],
        payload=payload,
        register=register,
        sale=sale,
        shift=shift,
        created_by=(actor.label if actor else "")[:200],
        next_attempt_at=timezone.now(),
        on_node=node_prints_for(printer.store_id),
    )
    _send_to_node(job)
    _wake_after_commit(printer.pk)
    return job


def _receipt_printer(register: Register) -> Printer:
    printer = receipt_printer_for(register)
    if printer is None:
        raise PrintingError(_("No receipt printer is set up for this register."))
    return printer


# --- printers ---------------------------------------------------------------------------------------


@tenant_service
def save_printer(
    *,
    actor: Actor,
    store: Store,
    data: dict[str, Any],
    printer: Printer | None = None,
    registers: Iterable[Register] = (),
) -> Printer:
    """Create or change a printer of ``store`` (``data`` is a validated form's cleaned data) and which of
    the store's registers print their receipts on it."""
    created = printer is None
    printer = printer or Printer(organization_id=store.organization_id, store=store)
    for name, value in data.items():
        setattr(printer, name, value)
    printer.full_clean(exclude=["organization", "store"])
    printer.save()
    chosen = [r for r in registers if r.store_id == store.pk]
    stale = RegisterPrinter.objects.filter(printer=printer)
    if printer.kind == PrinterKind.RECEIPT:
        stale = stale.exclude(register__in=chosen)
    gone = list(stale)
    stale.delete()
    links = [
        RegisterPrinter.objects.update_or_create(
            register=register, defaults={"printer": printer, "organization_id": printer.organization_id}
        )[0]
        for register in (chosen if printer.kind == PrinterKind.RECEIPT else [])
    ]
    record("printer", [printer, *links], deleted=gone)  # the store node prints with it
    log_action(
        store.organization,
        actor,
        f"printing.printer.{'created' if created else 'changed'}",
        printer,
        {"name": printer.name, "connection": printer.connection, "address": printer.address},
    )
    from kasse.printing.wakeup import notify_printers_changed

    transaction.on_commit(notify_printers_changed)
    return printer


# --- queueing ---------------------------------------------------------------------------------------


@tenant_service
def _queue_sale_receipt(*, sale: Sale, actor: Actor | None) -> PrintJob | None:
    printer = receipt_printer_for(sale.register)
    if printer is None or PrintJob.objects.filter(sale=sale, kind=JobKind.RECEIPT).exists():
        return None  # no printer, or the sale was completed before (a repeated "pay" prints nothing new)
    return _queue(
        printer,
        JobKind.RECEIPT,
        actor=actor,
        title=f"{sale.register.number}/{sale.receipt_number}",
        register=sale.register,
        sale=sale,
    )


def enqueue_sale_receipt(*, sale: Sale, actor: Actor | None = None) -> PrintJob | None:
    """Queue the receipt of a just completed sale on its register's printer, in the sale's transaction.

    One row, no rendering (the worker renders it); None when the register has no printer. Any error
    here is logged and swallowed inside a savepoint: a sale never fails because of printing.
    """
    try:
        return _queue_sale_receipt(sale=sale, actor=actor)
    except Exception:
        logger.exception("could not queue the receipt of sale %s", sale.pk)
        return None


@tenant_service
def enqueue_reprint(*, actor: Actor, sale: Sale, register: Register) -> PrintJob:
    """Print a receipt again (marked as a copy) on ``register``'s printer; logged."""
    printer = _receipt_printer(register)
    job = _queue(
        printer,
        JobKind.REPRINT,
        actor=actor,
        title=f"{sale.register.number}/{sale.receipt_number}",
        register=register,
        sale=sale,
    )
    log_action(
        register.organization,
        actor,
        "printing.receipt.reprinted",
        sale,
        {"receipt_number": sale.receipt_number, "printer": str(printer.pk)},
    )
    return job


@tenant_service
def enqueue_shift_report(*, actor: Actor, shift: Shift, register: Register) -> PrintJob:
    """Print the X report (open shift, figures as of now) or the Z report (closed shift)."""
    printer = _receipt_printer(register)
    shift = Shift.objects.select_related("store__organization", "register", "opened_by", "closed_by").get(pk=shift.pk)
    is_z = shift.status == ShiftStatus.CLOSED
    document = documents.shift_report_document(shift)
    payload = escpos_render.render(document, printer.hardware_profile)
    kind = JobKind.Z_REPORT if is_z else JobKind.X_REPORT
    job = _queue(
        printer,
        kind,
        actor=actor,
        title=f"Z {shift.closing_number}" if is_z else "X",
        register=register,
        shift=shift,
        payload=payload,
    )
    log_action(register.organization, actor, f"printing.{kind}.printed", shift, {"printer": str(printer.pk)})
    return job


@tenant_service
def enqueue_card_receipts(
    *, actor: Actor, register: Register, receipts: list[list[str]], title: str
) -> PrintJob | None:
    """The card terminal's receipt texts (merchant and/or customer copy), each cut off on its own.

    None when the register has no receipt printer: the texts stay with the card payment."""
    printer = receipt_printer_for(register)
    if printer is None or not receipts:
        return None
    document = ReceiptDocument()
    for lines in receipts:
        for line in lines:
            document.text(line)
        document.add(Cut())
    payload = escpos_render.render(document, printer.hardware_profile)
    return _queue(printer, JobKind.CARD_RECEIPT, actor=actor, title=title, register=register, payload=payload)


@tenant_service
def enqueue_test_page(*, actor: Actor, printer: Printer, language: str) -> PrintJob:
    """A test page (receipt printer) or a test label (label printer)."""
    if printer.kind == PrinterKind.LABEL:
        from kasse.hardware.labels import render_tspl, render_zpl, shelf_label

        label = shelf_label(
            _("Test label") + " ÄÖÜ ß",
            Decimal("1.99"),
            ean="4006381333931",
            quantity=Decimal(500),
            unit="g",
            width_mm=float(printer.label_width_mm),
            height_mm=float(printer.label_height_mm),
        )
        payload = (render_zpl if printer.label_language == "zpl" else render_tspl)(label)
    else:
        payload = escpos_render.render(
            documents.test_page_document(printer, language=language), printer.hardware_profile
        )
    return _queue(printer, JobKind.TEST, actor=actor, title=printer.name, payload=payload)


@tenant_service
def enqueue_labels(
    *, actor: Actor, printer: Printer, requests: list[documents.LabelRequest], width_mm: Decimal, height_mm: Decimal
) -> PrintJob:
    """Shelf labels for the chosen variants and counts, one job on a label printer."""
    if printer.kind != PrinterKind.LABEL or not printer.is_active:
        raise PrintingError(_("Please choose an active label printer."))
    requests = [r for r in requests if r.copies > 0]
    if not requests:
        raise PrintingError(_("Please enter how many labels to print for at least one product."))
    total = sum(r.copies for r in requests)
    if total > MAX_LABELS_PER_JOB:
        raise PrintingError(_("At most %(max)s labels at once, please.") % {"max": MAX_LABELS_PER_JOB})
    if not (Decimal(10) <= width_mm <= Decimal(200) and Decimal(10) <= height_mm <= Decimal(200)):
        raise PrintingError(_("Label sizes from 10 to 200 mm, please."))
    try:
        payload = documents.render_labels(printer, requests, width_mm=float(width_mm), height_mm=float(height_mm))
    except ValueError as exc:
        raise PrintingError(_("These labels cannot be printed: %(reason)s") % {"reason": exc}) from exc
    job = _queue(printer, JobKind.LABEL, actor=actor, title=f"{total}", payload=payload)
    log_action(
        printer.organization,
        actor,
        "printing.labels.printed",
        job,
        {"labels": total, "variants": [str(r.variant.pk) for r in requests]},
    )
    return job


@tenant_service
def open_drawer(*, actor: Actor, register: Register, employee: Employee, approver: Employee | None = None) -> PrintJob:
    """Kick the cash drawer on the register's receipt printer; needs the cash-management capability
    (the cashier's, or a manager's typed PIN) and is written to the audit log with who and why."""
    authorizer = approver or employee
    if not has_capability(authorizer, Capability.CASH_MANAGEMENT, register.store):
        if approver is None:
            raise PrintingError(
                _("%(name)s may not open the drawer; a manager PIN is needed.") % {"name": employee.display_name}
            )
        raise PrintingError(_("%(name)s may not open the drawer.") % {"name": authorizer.display_name})
    printer = _receipt_printer(register)
    job = _queue(
        printer,
        JobKind.DRAWER,
        actor=actor,
        title=register.name,
        register=register,
        payload=escpos_render.drawer_kick(),
    )
    data = {"register": str(register.pk), "employee": str(employee.pk), "printer": str(printer.pk)}
    if approver is not None:
        data["approver"] = str(approver.pk)
    log_action(register.organization, actor, "printing.drawer.opened", job, data)
    return job


@tenant_service
def retry_job(*, actor: Actor, job: PrintJob) -> PrintJob:
    """A person asks to print a failed job again: back to the queue with fresh attempts.

    A failed job is in nobody's hands, so the retry decides afresh who prints it: the store's node if it
    has one (the row goes down the feed; the node takes it if its copy failed too), else the worker here.
    """
    job = PrintJob.objects.select_for_update().select_related("printer").get(pk=job.pk)
    if job.status != JobStatus.FAILED:
        raise PrintingError(_("Only a failed print job can be printed again."))
    if job.kind == JobKind.DRAWER:
        raise PrintingError(_("A drawer that did not open is not opened later; please open it again."))
    job.status = JobStatus.QUEUED
    job.on_node = node_prints_for(job.printer.store_id)
    job.retries += 1
    job.manual_retry = True
    job.attempts = 0
    job.next_attempt_at = timezone.now()
    job.error = JobError.NONE
    job.error_detail = ""
    job.send_started_at = None
    job.finished_at = None
    job.save(
        update_fields=[
            "status",
            "on_node",
            "retries",
            "manual_retry",
            "attempts",
            "next_attempt_at",
            "error",
            "error_detail",
            "send_started_at",
            "finished_at",
            "updated_at",
        ]
    )
    _send_to_node(job)
    report_jobs([job.pk])  # on a node: the cloud sees it queued again
    log_action(job.organization, actor, "printing.job.retried", job, {"kind": job.kind})
    _wake_after_commit(job.printer_id)
    return job

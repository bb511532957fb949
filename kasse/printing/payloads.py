"""The bytes of a print job, rendered once and kept with the job (the worker sends them, the cloud hands them
to a store node's worker with the job)."""

from __future__ import annotations

from kasse.hardware.printers import escpos_render
from kasse.printing.models import JobKind, PrintJob


def render_payload(job: PrintJob) -> bytes:
    """The bytes of a job; receipts of a sale are rendered now (once) and kept for retries."""
    if job.payload:
        return bytes(job.payload)
    if job.kind not in (JobKind.RECEIPT, JobKind.REPRINT) or job.sale_id is None:
        raise ValueError("the job has nothing to print")
    from kasse.printing.documents import mark_as_copy
    from kasse.sales.models import Sale
    from kasse.sales.printout import receipt_document

    sale = Sale.objects.select_related("store__organization", "register", "original_sale").get(pk=job.sale_id)
    document = receipt_document(sale)
    if job.kind == JobKind.REPRINT:
        document = mark_as_copy(document, language=sale.store.organization.language)
    payload = escpos_render.render(document, job.printer.hardware_profile)
    PrintJob.objects.filter(pk=job.pk).update(payload=payload)
    job.payload = payload
    return payload

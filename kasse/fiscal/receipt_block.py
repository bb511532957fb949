"""The TSE block of a receipt (§6 KassenSichV) as label/value pairs, in the active language.

The receipt document (printed, PDF, e-mail, on screen) renders these rows; the QR code carries
``record.qr_code_data``. An unsigned receipt says "Sicherheitseinrichtung ausgefallen" instead of
the TSE's data (AEAO zu §146a Nr. 7); one signed by the development TSE says that it is not
certified.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kasse.fiscal.models import Backend, Outcome, TseDevice, TseTransactionRecord


def tse_rows(
    record: TseTransactionRecord | None, device: TseDevice | None = None, time_zone: object = None
) -> list[tuple[str, str]]:
    """Rows for the receipt from the finish (or cancel) record of its transaction."""
    if record is None or record.outcome != Outcome.SIGNED:
        return [(_("Security device failed"), "")]

    def local(moment: datetime) -> str:
        return formats.date_format(timezone.localtime(moment, time_zone), "d.m.Y H:i:s")  # type: ignore[arg-type]

    rows = [
        (_("TSE transaction"), str(record.transaction_number)),
        (_("TSE start"), local(record.time_start) if record.time_start else ""),
        (_("TSE end"), local(record.time_end) if record.time_end else ""),
        (_("TSE serial number"), record.tse_serial),
        (_("TSE signature counter"), str(record.signature_counter)),
        (_("TSE signature"), record.signature),
        (_("TSE process type"), record.process_type),
        (_("Register serial number"), record.client_serial),
    ]
    if device is not None and device.backend == Backend.DEVELOPMENT:
        rows.append((_("Development TSE, not certified: not a valid receipt"), ""))
    return rows


def receipt_facts(
    record: TseTransactionRecord | None, device: TseDevice | None = None, time_zone: object = None
) -> dict[str, object]:
    """The keyword arguments of ``kasse.sales.receipt.FiscalBlock``: the rows (or the outage note alone)
    and the QR payload (empty when unsigned)."""
    signed = record is not None and record.outcome == Outcome.SIGNED
    return {
        "rows": tuple(tse_rows(record, device, time_zone)),
        "qr_payload": record.qr_code_data if signed and record is not None else "",
    }

"""fiskaly SIGN DE v2 (a certified cloud TSE) behind :class:`~kasse.fiscal.tse.interface.TseBackend`.

Transactions: ``PUT /tss/{tss_id}/tx/{tx_id}?tx_revision=N`` with ``state`` ACTIVE (start, update),
FINISHED (finish, with the ``standard_v1`` receipt: gross amounts per VAT rate and per payment type)
or CANCELLED (an abort). The ids are ours, so a request repeated after a lost answer reaches the same
transaction; if the revision was stored already (``409``), the stored revision is read back
(``GET …?tx_revision=N``) instead of signing twice. Set-up (TSS, admin PIN, clients) is in
:mod:`kasse.fiscal.fiskaly_setup`. No Django here except the device lookup in :meth:`for_device`.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from kasse.fiscal.process_data import BonTyp, PaymentKind, VatSlot
from kasse.fiscal.tse.fiskaly_api import FiskalyApi, Timeouts
from kasse.fiscal.tse.interface import (
    Operation,
    Receipt,
    TimeFormat,
    TseClient,
    TseInfo,
    TseLog,
    TseRefused,
    TseUnavailable,
)

if TYPE_CHECKING:
    from kasse.fiscal.models import TseDevice

# standard_v1 enums (fiskaly API reference) for our slots, payment kinds and BON_TYP.
VAT_RATES = {
    VatSlot.NORMAL: "NORMAL",
    VatSlot.REDUCED_1: "REDUCED_1",
    VatSlot.SPECIAL_RATE_1: "SPECIAL_RATE_1",
    VatSlot.SPECIAL_RATE_2: "SPECIAL_RATE_2",
    VatSlot.NULL: "NULL",
}
PAYMENT_TYPES = {PaymentKind.CASH: "CASH", PaymentKind.NON_CASH: "NON_CASH"}
RECEIPT_TYPES = {
    BonTyp.RECEIPT: "RECEIPT",
    BonTyp.TRAINING: "TRAINING",
    BonTyp.TRANSFER: "TRANSFER",
    BonTyp.ORDER: "ORDER",
    BonTyp.CANCELLATION: "CANCELLATION",
    BonTyp.ABORT: "ABORT",
    BonTyp.BENEFIT_IN_KIND: "BENEFIT_IN_KIND",
    BonTyp.INVOICE: "INVOICE",
    BonTyp.OTHER: "OTHER",
}
EXPORT_POLL_SECONDS = 1.0


def standard_v1(receipt: Receipt) -> dict[str, Any]:
    """The ``standard_v1`` receipt schema: gross amounts as strings with two decimals."""
    from kasse.fiscal.process_data import format_amount

    return {
        "standard_v1": {
            "receipt": {
                "receipt_type": RECEIPT_TYPES[BonTyp(receipt.bon_typ)],
                "amounts_per_vat_rate": [
                    {"vat_rate": VAT_RATES[slot], "amount": format_amount(receipt.gross_per_slot[slot])}
                    for slot in VatSlot
                    if receipt.gross_per_slot.get(slot, Decimal(0)) != 0
                ],
                "amounts_per_payment_type": [
                    {
                        "payment_type": PAYMENT_TYPES[key.kind],
                        "amount": format_amount(amount),
                        "currency_code": key.currency,
                    }
                    for key, amount in sorted(
                        receipt.payments.items(), key=lambda item: (item[0].kind, item[0].currency)
                    )
                    if amount != 0
                ],
            }
        }
    }


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value not in (None, "") else None


class FiskalyTse:
    """One TSS of fiskaly SIGN DE v2."""

    name = "fiskaly"

    def __init__(self, api: FiskalyApi, tss_id: UUID) -> None:
        self.api = api
        self.tss_id = tss_id

    @classmethod
    def for_device(cls, device: TseDevice, *, api_key: str = "", api_secret: str = "") -> FiskalyTse:
        """The TSS of ``device``; ``api_key`` and ``api_secret`` in plain text when they do not come from
        the row (a store node has them from the cloud, in memory only)."""
        from django.conf import settings

        from kasse.fiscal import crypto

        if device.fiskaly_tss_id is None:
            raise TseRefused("this fiskaly TSE has no TSS yet", code="E_NOT_SET_UP")
        timeouts = Timeouts(
            tx=settings.KASSE_FISKALY_TX_TIMEOUT,
            auth=settings.KASSE_FISKALY_AUTH_TIMEOUT,
            setup=settings.KASSE_FISKALY_SETUP_TIMEOUT,
            export=settings.KASSE_FISKALY_EXPORT_TIMEOUT,
        )
        api = FiskalyApi(
            settings.KASSE_FISKALY_BASE_URL,
            api_key or device.fiskaly_api_key,
            api_secret or crypto.decrypt(device.fiskaly_api_secret),
            timeouts,
        )
        return cls(api, device.fiskaly_tss_id)

    # -- device information ------------------------------------------------------------------------
    def info(self) -> TseInfo:
        tss = self.api.request("GET", f"/tss/{self.tss_id}", kind="setup")
        return info_from_tss(tss)

    # -- transactions ------------------------------------------------------------------------------
    def start(self, client: TseClient, tx_id: UUID, process_type: str = "", process_data: str = "") -> TseLog:
        body: dict[str, Any] = {"state": "ACTIVE", "client_id": client.client_id}
        return self._put(Operation.START, tx_id, 1, body)

    def update(self, client: TseClient, tx_id: UUID, revision: int, process_type: str, process_data: str) -> TseLog:
        body = {
            "state": "ACTIVE",
            "client_id": client.client_id,
            "schema": {
                "raw": {"process_type": process_type, "process_data": base64.b64encode(process_data.encode()).decode()}
            },
        }
        return self._put(Operation.UPDATE, tx_id, revision, body)

    def finish(self, client: TseClient, tx_id: UUID, revision: int, receipt: Receipt) -> TseLog:
        body = {"state": "FINISHED", "client_id": client.client_id, "schema": standard_v1(receipt)}
        return self._put(Operation.FINISH, tx_id, revision, body, receipt)

    def cancel(self, client: TseClient, tx_id: UUID, revision: int, receipt: Receipt | None = None) -> TseLog:
        receipt = receipt or Receipt(BonTyp.ABORT)
        body = {"state": "CANCELLED", "client_id": client.client_id, "schema": standard_v1(receipt)}
        return self._put(Operation.CANCEL, tx_id, revision, body, receipt)

    def _put(
        self, operation: Operation, tx_id: UUID, revision: int, body: dict[str, Any], receipt: Receipt | None = None
    ) -> TseLog:
        path = f"/tss/{self.tss_id}/tx/{tx_id}"
        try:
            answer = self.api.request("PUT", path, body, query={"tx_revision": revision})
        except TseRefused as exc:
            if exc.status != 409:
                raise
            # Stored already (our earlier request went through, its answer was lost): read it back.
            answer = self.api.request("GET", path, query={"tx_revision": revision})
            if answer.get("state") != body["state"]:
                raise
        return self._log(operation, tx_id, revision, answer, receipt)

    def _log(
        self, operation: Operation, tx_id: UUID, revision: int, answer: dict[str, Any], receipt: Receipt | None
    ) -> TseLog:
        try:
            signature = answer["signature"]
            log = answer.get("log") or {}
            process_type = str(answer.get("process_type", ""))
            process_data = answer.get("process_data")
            if process_data:
                process_data = base64.b64decode(process_data).decode()
            elif receipt is not None:
                process_data = receipt.process_data().process_data
                process_type = process_type or receipt.process_data().process_type
            started = _time(answer.get("time_start"))
            log_time = _time(log.get("timestamp")) or _time(answer.get("time_end")) or started
            if started is None or log_time is None:
                raise KeyError("time_start")
            return TseLog(
                operation=operation,
                tx_id=tx_id,
                revision=int(answer.get("revision", revision)),
                transaction_number=int(answer["number"]),
                signature_counter=int(signature["counter"]),
                signature=str(signature["value"]),
                log_time=log_time,
                log_time_format=TimeFormat(log.get("timestamp_format", "unixTime")),
                process_type=process_type,
                process_data=str(process_data or ""),
                time_start=started,
                time_end=_time(answer.get("time_end")),
                qr_code_data=str(answer.get("qr_code_data", "")),
                raw=answer,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TseUnavailable(f"fiskaly answered a transaction without {exc}") from exc

    # -- export ------------------------------------------------------------------------------------
    def export(self) -> bytes:
        """Trigger a TSS export, wait until fiskaly has built it, and download the TAR."""
        export_id = uuid.uuid4()
        base = f"/tss/{self.tss_id}/export/{export_id}"
        self.api.request("PUT", base, {}, kind="setup")
        deadline = self.api.clock() + self.api.timeouts.export
        while True:
            state = self.api.request("GET", base, kind="setup").get("state")
            if state == "COMPLETED":
                return bytes(self.api.request("GET", f"{base}/file", kind="export", raw=True))
            if state not in {"PENDING", "WORKING"}:
                raise TseRefused(f"fiskaly export {export_id} ended as {state}", code="E_EXPORT")
            if self.api.clock() + EXPORT_POLL_SECONDS > deadline:
                raise TseUnavailable(f"fiskaly export {export_id} not ready in time")
            self.api.sleep(EXPORT_POLL_SECONDS)


def info_from_tss(tss: dict[str, Any]) -> TseInfo:
    from cryptography import x509

    certificate = str(tss.get("certificate", ""))
    expires = None
    if certificate:
        try:
            expires = x509.load_pem_x509_certificate(certificate.encode()).not_valid_after_utc
        except ValueError:
            expires = None
    return TseInfo(
        backend=FiskalyTse.name,
        serial_number=str(tss.get("serial_number", "")),
        public_key=str(tss.get("public_key", "")),
        signature_algorithm=str(tss.get("signature_algorithm", "")),
        time_format=TimeFormat(tss.get("signature_timestamp_format", "unixTime")),
        certificate_pem=certificate,
        certificate_expires_at=expires,
        certified=True,
        description=str(tss.get("description", "")),
    )

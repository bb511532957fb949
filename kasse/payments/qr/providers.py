"""The interface every QR payment provider implements, and what its answers mean (no Django).

A provider takes a scanned one-time code, an amount in cents and a merchant transaction id that we choose
(the intent's id, so repeating a request is harmless) and answers with a :class:`QrResult`:

- ``APPROVED``: the customer was charged (``provider_tx_id`` names the charge for a refund);
- ``DECLINED``: not charged (the provider's ``code`` says why);
- ``PROCESSING``: the provider is still at it; ask ``status`` again after ``check_in`` seconds, for at
  most ``ttl`` seconds;
- ``DUPLICATE``: the provider already has a payment with this merchant transaction id (an earlier attempt
  went through): ask ``status``;
- ``NOT_FOUND``: (status, cancel) the provider has no payment with this id;
- ``REJECTED``: the request itself was refused (credentials, branch, parameters): nothing was charged,
  and trying again will not help until the set-up is fixed;
- ``UNKNOWN``: no usable answer (time-out, dropped connection, 5xx, an unreadable body): the customer may
  or may not have been charged.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class QrOutcome(enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    PROCESSING = "processing"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class QrResult:
    outcome: QrOutcome
    code: str = ""  # the provider's reason (LIMIT_EXCEEDED, CANCELED, ...)
    provider_tx_id: str = ""  # the provider's id of the charge (Bluecode: acquirer_tx_id)
    amount_cents: int | None = None  # what the provider booked
    scheme: str = ""  # the wallet that paid (Bluecode: BLUE_CODE, ALIPAY, ...)
    check_in: float = 1.0  # PROCESSING: seconds until the next status request
    ttl: float = 0.0  # PROCESSING: seconds the provider may take in all
    error: str = ""  # technical detail of an UNKNOWN or REJECTED answer (for the log and the manager)
    raw: dict[str, Any] = field(default_factory=dict)  # the provider's answer as it came

    @property
    def final(self) -> bool:
        return self.outcome in (QrOutcome.APPROVED, QrOutcome.DECLINED, QrOutcome.REJECTED)


@dataclass(frozen=True)
class PaymentRequest:
    code: str  # the scanned one-time code
    amount_cents: int
    merchant_tx_id: str
    terminal: str = ""  # the register, as the provider's reports show it
    operator: str = ""  # the cashier
    slip: str = ""  # our receipt reference


class QrProvider(Protocol):
    """One provider's merchant API. No method raises for a network or protocol fault: it answers UNKNOWN."""

    name: str

    def pay(self, request: PaymentRequest) -> QrResult: ...

    def status(self, merchant_tx_id: str) -> QrResult: ...

    def cancel(self, merchant_tx_id: str) -> QrResult: ...

    def refund(self, provider_tx_id: str, amount_cents: int, reason: str) -> QrResult: ...

"""The TSE interface every backend implements: the development TSE, fiskaly SIGN DE v2, and later a
hardware TSE (Swissbit, Epson, D-Trust …) attached to a store node through a local agent.

No Django here, so a hardware agent can implement it on the node without the web app. A backend
never decides what a failure means for the sale: it raises :class:`TseUnavailable` (the TSE could
not be reached or did not answer in time; the register sells on and records an outage) or
:class:`TseRefused` (the TSE answered that the request is wrong; a programming or setup error).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable
from uuid import UUID

from kasse.fiscal.process_data import BonTyp, PaymentKey, ProcessData, VatSlot


class TimeFormat(enum.StrEnum):
    """The log-time formats of BSI TR-03151 (DSFinV-K ``TSE_ZEITFORMAT``)."""

    UTC_TIME = "utcTime"
    UTC_TIME_WITH_SECONDS = "utcTimeWithSeconds"
    GENERALIZED_TIME = "generalizedTime"
    GENERALIZED_TIME_WITH_MILLISECONDS = "generalizedTimeWithMilliseconds"
    UNIX_TIME = "unixTime"


class Operation(enum.StrEnum):
    START = "start"
    UPDATE = "update"
    FINISH = "finish"
    CANCEL = "cancel"


class TseError(Exception):
    """Base of the two ways a TSE call fails."""


class TseUnavailable(TseError):
    """The TSE could not be reached, timed out or failed on its side (5xx): an outage."""


class TseRefused(TseError):
    """The TSE answered and refused the request (4xx other than an expired login)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class TseInfo:
    """Device information for the receipt, the QR code and DSFinV-K's ``tse.csv``."""

    backend: str
    serial_number: str  # hex SHA-256 of the public key (TSE_SERIAL)
    public_key: str  # base64 (TSE_PUBLIC_KEY)
    signature_algorithm: str  # e.g. ecdsa-plain-SHA256 (TSE_SIG_ALGO)
    time_format: TimeFormat  # TSE_ZEITFORMAT
    certificate_pem: str = ""
    certificate_expires_at: datetime | None = None
    certified: bool = True  # False for the development TSE: every receipt says "not certified"
    description: str = ""


@dataclass(frozen=True)
class Receipt:
    """What a finished transaction signs, before it is written as processData.

    ``gross_per_slot`` and ``payments`` are summed already; the backend turns them into its wire
    format (fiskaly's ``standard_v1`` schema, or the Kassenbeleg-V1 string for a TSE signing it).
    """

    bon_typ: BonTyp
    gross_per_slot: dict[VatSlot, Decimal] = field(default_factory=dict)
    payments: dict[PaymentKey, Decimal] = field(default_factory=dict)

    def process_data(self) -> ProcessData:
        from kasse.fiscal.process_data import kassenbeleg

        return kassenbeleg(self.bon_typ, self.gross_per_slot, self.payments)


@dataclass(frozen=True)
class TseClient:
    """A register as the TSE knows it: the id the backend gave it and the register's serial number
    (the QR code's ``kassen-seriennummer``)."""

    client_id: str
    serial_number: str


@dataclass(frozen=True)
class TseLog:
    """One signed step of a transaction (TR-03151 transaction log message) as the TSE answered."""

    operation: Operation
    tx_id: UUID
    revision: int
    transaction_number: int
    signature_counter: int
    signature: str  # base64
    log_time: datetime
    log_time_format: TimeFormat
    process_type: str
    process_data: str
    time_start: datetime
    time_end: datetime | None = None  # set by finish and cancel
    qr_code_data: str = ""
    raw: dict = field(default_factory=dict)


@runtime_checkable
class TseBackend(Protocol):
    """A technical security device (TSE) as kasse uses it.

    ``tx_id`` is born on the register (the cart's UUIDv7), so a call repeated after a lost answer
    reaches the same transaction; ``revision`` counts the steps of one transaction from 1 (start).
    Calls raise :class:`TseUnavailable` or :class:`TseRefused`; they never return a half answer.
    """

    name: str

    def info(self) -> TseInfo: ...

    def start(self, client: TseClient, tx_id: UUID, process_type: str = "", process_data: str = "") -> TseLog: ...

    def update(self, client: TseClient, tx_id: UUID, revision: int, process_type: str, process_data: str) -> TseLog: ...

    def finish(self, client: TseClient, tx_id: UUID, revision: int, receipt: Receipt) -> TseLog: ...

    def cancel(self, client: TseClient, tx_id: UUID, revision: int, receipt: Receipt | None = None) -> TseLog: ...

    def export(self) -> bytes:
        """The TSE's export as TR-03151 specifies it: a TAR of signed log messages and certificates."""
        ...

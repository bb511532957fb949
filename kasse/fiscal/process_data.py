"""``processType`` and ``processData`` of a TSE transaction, as DSFinV-K Anhang I specifies them.

No Django here: the store node's hardware TSE agent and the tests use it as is.

Kassenbeleg-V1 (receipts, returns, aborts, training receipts, cash movements)::

    <BON_TYP>^<gross 19 %>_<gross 7 %>_<gross §24(1)3>_<gross §24(1)1>_<gross 0 %>^<payments>

- the five gross amounts always appear, in this order, with a point and exactly two decimals
  (``0.00`` for a rate not used); a negative amount (a return) is written ``-4.05``;
- payments are ``<amount>:Bar`` or ``<amount>:Unbar``, summed per kind (and per currency), joined
  by ``_``; a currency other than EUR is named after a second colon (``5.00:Bar:USD``), the amount
  then being in that currency; a kind with no money is left out, so an abort ends in ``^``.

Example (DSFinV-K Anhang I): ``Beleg^4.05_3.00_0.00_0.00_0.00^7.05:Bar``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

PROCESS_TYPE_RECEIPT = "Kassenbeleg-V1"
PROCESS_TYPE_ORDER = "Bestellung-V1"
PROCESS_TYPE_OTHER = "SonstigerVorgang"

CENT = Decimal("0.01")
HOME_CURRENCY = "EUR"
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ProcessDataError(ValueError):
    """Input that cannot be written into processData (more than cents, an unknown currency …)."""


class BonTyp(enum.StrEnum):
    """The transaction types of Kassenbeleg-V1 (DSFinV-K BON_TYP), with what each is for."""

    RECEIPT = "Beleg"  # a sale or a return
    TRANSFER = "AVTransfer"  # cash movement without a sale: float, cash in/out, tip payout
    ORDER = "AVBestellung"
    TRAINING = "AVTraining"  # a receipt made in training mode
    CANCELLATION = "AVBelegstorno"
    ABORT = "AVBelegabbruch"  # a cart given up after the transaction started
    BENEFIT_IN_KIND = "AVSachbezug"
    OTHER = "AVSonstige"
    INVOICE = "AVRechnung"


class VatSlot(enum.IntEnum):
    """The five gross amounts of Kassenbeleg-V1, numbered as DSFinV-K's UST_SCHLUESSEL 1–5."""

    NORMAL = 1  # 19 %
    REDUCED_1 = 2  # 7 %
    SPECIAL_RATE_1 = 3  # average rate §24(1) Nr. 3 UStG
    SPECIAL_RATE_2 = 4  # average rate §24(1) Nr. 1 UStG (5.5 %)
    NULL = 5  # 0 %

    @classmethod
    def for_dsfinvk_id(cls, ust_schluessel: int) -> VatSlot:
        """The slot of a DSFinV-K VAT id: 1–5 are the slots; 6 (tax exempt, §4 UStG) and 7 (VAT not
        determinable) are turnover at 0 % and go to the fifth slot. Other ids are refused."""
        if 1 <= ust_schluessel <= 5:
            return cls(ust_schluessel)
        if ust_schluessel in {6, 7}:
            return cls.NULL
        raise ProcessDataError(f"DSFinV-K VAT id {ust_schluessel} has no slot in Kassenbeleg-V1")


class PaymentKind(enum.StrEnum):
    CASH = "Bar"
    NON_CASH = "Unbar"


@dataclass(frozen=True, order=True)
class PaymentKey:
    kind: PaymentKind
    currency: str = HOME_CURRENCY


def format_amount(amount: Decimal) -> str:
    """``4.05``, ``-4.05``, ``0.00``: a point, exactly two decimals, no thousands separator."""
    if not isinstance(amount, Decimal):
        raise ProcessDataError(f"amounts are Decimal, not {type(amount).__name__}")
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ProcessDataError(f"{amount} is not an amount in cents")
    text = f"{amount.quantize(CENT):.2f}"
    return "0.00" if text == "-0.00" else text


def _vat_part(gross_per_slot: Mapping[VatSlot, Decimal]) -> str:
    return "_".join(format_amount(gross_per_slot.get(slot, Decimal("0.00"))) for slot in VatSlot)


def _payment_part(payments: Mapping[PaymentKey, Decimal]) -> str:
    parts = []
    for key in sorted(payments, key=lambda k: (k.kind != PaymentKind.CASH, k.currency != HOME_CURRENCY, k.currency)):
        amount = payments[key]
        if amount == 0:
            continue
        if not _CURRENCY.match(key.currency):
            raise ProcessDataError(f"{key.currency!r} is not an ISO 4217 currency code")
        text = f"{format_amount(amount)}:{key.kind.value}"
        if key.currency != HOME_CURRENCY:
            text += f":{key.currency}"
        parts.append(text)
    return "_".join(parts)


def sum_by_slot(amounts: Iterable[tuple[VatSlot, Decimal]]) -> dict[VatSlot, Decimal]:
    totals: dict[VatSlot, Decimal] = {}
    for slot, amount in amounts:
        totals[slot] = totals.get(slot, Decimal("0.00")) + amount
    return totals


def sum_by_payment(amounts: Iterable[tuple[PaymentKey, Decimal]]) -> dict[PaymentKey, Decimal]:
    totals: dict[PaymentKey, Decimal] = {}
    for key, amount in amounts:
        totals[key] = totals.get(key, Decimal("0.00")) + amount
    return totals


@dataclass(frozen=True)
class ProcessData:
    """What a finished TSE transaction signs: ``process_type`` and ``process_data`` (as text)."""

    process_type: str
    process_data: str


def kassenbeleg(
    bon_typ: BonTyp,
    gross_per_slot: Mapping[VatSlot, Decimal],
    payments: Mapping[PaymentKey, Decimal],
) -> ProcessData:
    """Kassenbeleg-V1 for any BON_TYP. Amounts per slot and per payment are given already summed."""
    return ProcessData(
        PROCESS_TYPE_RECEIPT,
        f"{BonTyp(bon_typ).value}^{_vat_part(gross_per_slot)}^{_payment_part(payments)}",
    )


def receipt(
    gross_per_slot: Mapping[VatSlot, Decimal], payments: Mapping[PaymentKey, Decimal], *, training: bool = False
) -> ProcessData:
    """A sale or a return (negative amounts); in training mode ``AVTraining``."""
    return kassenbeleg(BonTyp.TRAINING if training else BonTyp.RECEIPT, gross_per_slot, payments)


def abort(gross_per_slot: Mapping[VatSlot, Decimal] | None = None) -> ProcessData:
    """A cart given up after its transaction started: what was in it, nothing paid."""
    return kassenbeleg(BonTyp.ABORT, gross_per_slot or {}, {})


def cash_movement(amount: Decimal, currency: str = HOME_CURRENCY) -> ProcessData:
    """Cash put into (positive) or taken out of (negative) the drawer without a sale: AVTransfer,
    no VAT, one cash payment."""
    return kassenbeleg(BonTyp.TRANSFER, {}, {PaymentKey(PaymentKind.CASH, currency): amount})


def parse_kassenbeleg(process_data: str) -> tuple[BonTyp, dict[VatSlot, Decimal], dict[PaymentKey, Decimal]]:
    """The inverse of :func:`kassenbeleg` (for checks and the DSFinV-K export's cross-check)."""
    try:
        bon_typ, vat_text, pay_text = process_data.split("^")
        vat_values = vat_text.split("_")
        if len(vat_values) != len(VatSlot):
            raise ValueError("five VAT amounts expected")
        vat = {slot: Decimal(value) for slot, value in zip(VatSlot, vat_values, strict=True)}
        payments: dict[PaymentKey, Decimal] = {}
        for part in pay_text.split("_") if pay_text else []:
            fields = part.split(":")
            currency = fields[2] if len(fields) == 3 else HOME_CURRENCY
            payments[PaymentKey(PaymentKind(fields[1]), currency)] = Decimal(fields[0])
        return BonTyp(bon_typ), vat, payments
    except (ValueError, IndexError, ArithmeticError) as exc:
        raise ProcessDataError(f"not Kassenbeleg-V1 processData: {process_data!r} ({exc})") from exc

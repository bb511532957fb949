"""The sale flow's calls of the TSE: sign a completed sale or return, record a cart given up.

Only for a register whose store (or organization) has a TSE: :func:`tse_in_use` is the gate, and
without a TSE nothing here writes anything, so such a shop sells exactly as before. Every call is
made after the sale's transaction committed (the signing services refuse to run inside one) and
never raises into the register: a TSE that fails leaves an unsigned record and an outage, and the
receipt says "Sicherheitseinrichtung ausgefallen" (docs/fiscal.md).

The transaction is started in the background when the cart's first item is entered
(:mod:`kasse.sales.fiscal_start`) and finished right after the sale committed: the cart's id is the
sale's id and its TSE transaction id, and the receipt is queued for printing only after the TSE
answered.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from uuid import UUID

from django.db.models import Q
from django_scopes import scope

from kasse.fiscal.models import DeviceState, Outcome, TseDevice, TseTransactionRecord
from kasse.fiscal.process_data import PaymentKey, PaymentKind, VatSlot
from kasse.fiscal.services import (
    Signed,
    SignResult,
    Then,
    cancel_transaction,
    finish_transaction,
    start_transaction,
)
from kasse.fiscal.tse.interface import BonTyp, Operation, Receipt
from kasse.sales.fiscal_start import has_start, started_operations, wait_for_start
from kasse.sales.models import CashMovement, PaymentMethod, Sale, Shift
from kasse.tenancy.models import Register


def tse_in_use(register: Register) -> bool:
    """Whether ``register`` signs: its store or its organization has a TSE that is not retired."""
    with scope(organization=register.organization_id):
        return (
            TseDevice.objects.filter(
                Q(store_id=register.store_id) | Q(store__isnull=True),
                organization_id=register.organization_id,
            )
            .exclude(state=DeviceState.RETIRED)
            .exists()
        )


def sale_receipt(sale: Sale) -> Receipt:
    """What the TSE signs for ``sale``: gross per VAT slot from its stored VAT rows, payments by kind
    (cash is ``Bar``; card, other and exchange credit are ``Unbar``). A return's amounts are negative."""
    gross: dict[VatSlot, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in sale.vat_rows.all():
        gross[VatSlot.for_dsfinvk_id(row.vat_dsfinvk_id)] += row.gross
    payments: dict[PaymentKey, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for payment in sale.payments.all():
        kind = PaymentKind.CASH if payment.method == PaymentMethod.CASH else PaymentKind.NON_CASH
        payments[PaymentKey(kind)] += payment.amount
    bon_typ = BonTyp.TRAINING if sale.is_training else BonTyp.RECEIPT  # AVTraining (fiskaly: TRAINING)
    return Receipt(bon_typ, dict(gross), {key: value for key, value in payments.items() if value})


def sign_sale(sale: Sale, *, tse_checked: bool = False, then: Then = None) -> SignResult | None:
    """Finish the TSE transaction of a completed sale or return (its id is the transaction's).

    The transaction was started in the background when the cart's first item was entered
    (:mod:`kasse.sales.fiscal_start`): this waits for that start (at most the TSE timeout) and
    finishes, on the TSE and as the client that start used. A sale whose start left no record (a
    return, a cart from another process that crashed, a start still running elsewhere) is started
    here first. None when the register has no TSE, or when the sale's end was recorded already (a
    repeated "pay" signs nothing twice; ``then`` is not run). Call after the sale's transaction
    committed. ``tse_checked``: the caller found :func:`tse_in_use` true for the sale's register in
    this request (not asked again). ``then``: stored with the TSE's answer, in its transaction.
    """
    with scope(organization=sale.organization_id):
        register = sale.register
    if not tse_checked and not tse_in_use(register):
        return None
    started = wait_for_start(sale.pk)
    with scope(organization=sale.organization_id):
        operations = started_operations(register, sale.pk)
        if Operation.FINISH.value in operations:
            return None
        receipt = sale_receipt(sale)
    if not has_start(operations):
        started = start_transaction(register=register, tx_id=sale.pk)
    # The start is the transaction's only step so far (nothing cancelled or updated it since): finish after it.
    after = started if isinstance(started, Signed) and operations <= {Operation.START.value} else None
    return finish_transaction(register=register, tx_id=sale.pk, receipt=receipt, after=after, then=then)


def sign_abort(*, register: Register, cart_id: UUID, gross: dict[int, Decimal]) -> SignResult | None:
    """Record a cart given up (AVBelegabbruch): ``gross`` per DSFinV-K VAT id of what was in it.

    The cart's id is the transaction's. A cart with items is always recorded (started here if its
    background start left nothing); an empty cart only when its transaction was started (all its
    lines were voided before it was given up). Call after the cart's deletion committed.
    """
    if not tse_in_use(register):
        return None
    tx_id = cart_id
    wait_for_start(tx_id)
    with scope(organization=register.organization_id):
        operations = started_operations(register, tx_id)
    if Operation.CANCEL.value in operations or Operation.FINISH.value in operations:
        return None
    if not gross and not has_start(operations):
        return None
    slots: dict[VatSlot, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for vat_id, amount in gross.items():
        slots[VatSlot.for_dsfinvk_id(vat_id)] += amount
    if not has_start(operations):
        start_transaction(register=register, tx_id=tx_id)
    return cancel_transaction(register=register, tx_id=tx_id, receipt=Receipt(BonTyp.ABORT, dict(slots)))


def sign_cash_movement(movement: CashMovement) -> SignResult | None:
    """Start and finish the TSE transaction of cash put into or taken out of the drawer (AVTransfer, no
    VAT, one cash amount: positive in, negative out); the movement's id is the transaction's. Call
    after its transaction committed (``record_cash_movement`` does, on commit)."""
    with scope(organization=movement.organization_id):
        register = movement.shift.register
    return _sign_transfer(register, movement.pk, movement.amount)


def sign_opening_float(shift: Shift) -> SignResult | None:
    """The opening float counted into the drawer when a shift opens, as a cash movement (AVTransfer)
    with the shift's id as the transaction's. A shift opened with an empty drawer signs nothing."""
    if not shift.opening_float:
        return None
    with scope(organization=shift.organization_id):
        register = shift.register
    return _sign_transfer(register, shift.pk, shift.opening_float)


def _sign_transfer(register: Register, tx_id: UUID, amount: Decimal) -> SignResult | None:
    if not tse_in_use(register):
        return None
    with scope(organization=register.organization_id):
        if Operation.FINISH.value in started_operations(register, tx_id):
            return None  # signed already
    receipt = Receipt(BonTyp.TRANSFER, {}, {PaymentKey(PaymentKind.CASH): amount})
    start_transaction(register=register, tx_id=tx_id)
    return finish_transaction(register=register, tx_id=tx_id, receipt=receipt)


def receipt_record(sale: Sale) -> tuple[TseTransactionRecord | None, TseDevice | None] | None:
    """The record of the sale's end (the signed one if any) and its device; None when none was made
    (no TSE: the receipt has no fiscal block)."""
    with scope(organization=sale.organization_id):
        records = list(
            TseTransactionRecord.objects.filter(
                tx_id=sale.pk,
                operation__in=[Operation.FINISH.value, Operation.CANCEL.value],
            )
            .select_related("device")
            .order_by("-revision")
        )
    if not records:
        return None
    signed = [r for r in records if r.outcome == Outcome.SIGNED]
    record = signed[0] if signed else records[0]
    return record, record.device

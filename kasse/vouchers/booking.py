"""The ledger entries a sale or a return writes for gift cards, and the check of a redemption.

Called by the sales app inside the transaction that stores the receipt (``complete_sale``, ``refund_sale``),
on the cloud and on a store node alike; the entries travel up in the receipt's outbox record. A redemption
locks the voucher's row before it reads the balance, so two registers spending the same card one after the
other see each other's entries; while offline a node counts what it knows (the last balance it got plus its
own entries) and the cloud flags a card that went below zero after sync (``kasse.vouchers.syncing``).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kasse.core.money import ZERO, round_money
from kasse.vouchers.models import Voucher, VoucherEntry, VoucherEntryKind, VoucherType
from kasse.vouchers.selectors import balance_of, money_text, normalize_code

NAMESPACE = uuid.UUID("6f1d2c3b-8a4e-4f5d-9b2a-1c7e5d3f9a20")
# Generated codes: 16 characters without the ones people confuse (0/O, 1/I/L): 31^16 ≈ 2^79 codes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
MIN_CODE = 6
MAX_VALUE = Decimal("10000.00")


class VoucherError(ValueError):
    """A gift card that cannot be sold or redeemed; the message is for the cashier (translated)."""


def entry_id(organization_id: Any, key: str) -> uuid.UUID:
    """The id of the entry with ``key``: the same wherever it is written, so it is stored once."""
    return uuid.uuid5(NAMESPACE, f"{organization_id}:{key}")


def voucher_id(organization_id: Any, code: str) -> uuid.UUID:
    """A voucher's id follows from its code: the same card issued in two places is one voucher."""
    return uuid.uuid5(NAMESPACE, f"{organization_id}:voucher:{code}")


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def check_new_code(code: str) -> str:
    """A code for a gift card about to be sold: normalized, long enough, not a card sold already."""
    normalized = normalize_code(code)
    if len(normalized) < MIN_CODE or not normalized.isalnum():
        raise VoucherError(_("A gift card code has at least %(n)s letters or digits.") % {"n": MIN_CODE})
    if Voucher.objects.filter(code=normalized, entries__isnull=False).exists():
        raise VoucherError(_("The gift card %(code)s was sold already.") % {"code": normalized})
    return normalized


def check_value(amount: Decimal) -> Decimal:
    amount = round_money(amount)
    if amount <= 0:
        raise VoucherError(_("A gift card must be worth more than 0 €."))
    if amount > MAX_VALUE:
        raise VoucherError(_("A gift card can be worth at most %(max)s €.") % {"max": money_text(MAX_VALUE)})
    return amount


@dataclass(frozen=True)
class PlannedRedemption:
    """A gift card a cart pays with: the voucher (its row locked at checkout) and the amount taken."""

    voucher: Voucher
    amount: Decimal
    balance: Decimal  # before this sale


def plan_redemptions(
    organization_id: Any, asked: Sequence[tuple[str, Decimal]], *, lock: bool
) -> list[PlannedRedemption]:
    """Check what a cart wants to pay with gift cards: every code known, every amount above zero and within
    the card's balance (the same card twice in one cart counts once). ``lock``: the voucher rows are locked
    first (at checkout), so a second register spending the same card waits and then sees this sale."""
    wanted: dict[str, Decimal] = {}
    for code, amount in asked:
        normalized = normalize_code(code)
        if round_money(amount) <= 0:
            raise VoucherError(_("The amount taken from a gift card must be greater than zero."))
        wanted[normalized] = wanted.get(normalized, ZERO) + round_money(amount)
    planned = []
    for code, amount in wanted.items():
        vouchers = Voucher.objects.select_related("voucher_type").filter(organization_id=organization_id, code=code)
        voucher = (vouchers.select_for_update() if lock else vouchers).first()
        if voucher is None or not code:
            raise VoucherError(_("No gift card has the code “%(code)s”.") % {"code": code})
        balance = balance_of(voucher)
        if amount > balance:
            raise VoucherError(
                _("Only %(balance)s € are left on the gift card %(code)s.")
                % {"balance": money_text(balance), "code": code}
            )
        planned.append(PlannedRedemption(voucher=voucher, amount=amount, balance=balance))
    return planned


def _entry(organization_id: Any, key: str, **fields: Any) -> VoucherEntry:
    return VoucherEntry(id=entry_id(organization_id, key), organization_id=organization_id, key=key, **fields)


def new_voucher(organization_id: Any, voucher_type: VoucherType, code: str, store_id: Any) -> Voucher:
    """The voucher row of a card sold now (the row already there, for a card issued before and returned)."""
    existing = Voucher.objects.filter(organization_id=organization_id, code=code).first()
    if existing is not None:
        return existing
    return Voucher.objects.create(
        id=voucher_id(organization_id, code),
        organization_id=organization_id,
        voucher_type=voucher_type,
        code=code,
        public_token=secrets.token_urlsafe(24),
        store_id=store_id,
    )


def line_entry(sale: Any, line: Any, voucher: Voucher, kind: VoucherEntryKind) -> VoucherEntry:
    """The voucher's entry for a receipt line: worth the line's total, keyed by the kind and the line so that
    it is stored once wherever it is written.

    * ``ISSUED``: a gift card sold on ``line`` (what the line cost);
    * ``REDEEMED``: a gift card paying ``line`` (negative: what it took);
    * ``REFUNDED``: a return's line for a gift card (``sale`` is the return): a card sold coming back (line and
      entry negative) or a redemption given back onto its card (both positive).
    """
    return _entry(
        sale.organization_id,
        f"{ENTRY_KEY_PREFIX[kind]}:{line.pk}",
        voucher=voucher,
        kind=kind,
        amount=line.total,
        store_id=sale.store_id,
        sale=sale,
        sale_line=line,
    )


ENTRY_KEY_PREFIX = {
    VoucherEntryKind.ISSUED: "issue",
    VoucherEntryKind.REDEEMED: "redeem",
    VoucherEntryKind.REFUNDED: "refund",
}


def voucher_of_line(line_id: Any) -> Voucher | None:
    """The voucher a receipt line sold or was paid with."""
    entry = VoucherEntry.objects.select_related("voucher").filter(sale_line_id=line_id).first()
    return entry.voucher if entry else None

"""How gift cards sync. Voucher types are set up in the cloud and come down to every node. Vouchers and
their entries are written where a card is sold or redeemed (the cloud or a node) and, like loyalty entries,
go up in the receipt's record and down again to the organization's other nodes (a card sold in one store is
redeemed in another), without the sale they point to (a node holds only its own sales). A voucher's id
follows from its code and an entry's from its key, so the same row written twice is one row. When entries
from a node take a card below zero (two places spent it while offline), the cloud keeps them and flags the
card for the owner (``SyncAnomaly`` of kind ``voucher_negative``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Sum

from kasse.core.money import ZERO, round_money
from kasse.sync.engine.registry import Direction, SyncSpec, Upload, UpRow, register
from kasse.vouchers.models import VoucherEntry, VoucherEntryKind

VOUCHER_NEGATIVE = "voucher_negative"  # kasse.sync.models.AnomalyKind


def flag_negative_balance(row: UpRow, rows: Sequence[UpRow], upload: Upload) -> None:
    """A redemption from a node that took the card below zero is flagged (once per entry)."""
    values = row.values
    if values.get("kind") != VoucherEntryKind.REDEEMED or Decimal(str(values.get("amount") or 0)) >= 0:
        return
    voucher_id = values["voucher_id"]
    # To the cent, as balance_of: SQLite sums decimals in floating point, and a card spent to exactly zero
    # must not count as below it (a -0.0000000001 flagged a card the property test spent to 0.00).
    balance = round_money(VoucherEntry.objects.filter(voucher_id=voucher_id).aggregate(s=Sum("amount"))["s"] or ZERO)
    if balance < 0:
        upload.flag(
            row,
            VOUCHER_NEGATIVE,
            {"voucher_id": str(voucher_id), "balance": str(balance), "redeemed": str(-Decimal(str(values["amount"])))},
        )


register(
    SyncSpec("vouchers.VoucherType", Direction.DOWN),
    SyncSpec("vouchers.Voucher", Direction.BOTH, immutable=True, relay=True),
    SyncSpec(
        "vouchers.VoucherEntry",
        Direction.BOTH,
        immutable=True,
        relay=True,
        node_drops=frozenset({"sale_id", "sale_line_id"}),
        arrived=flag_negative_balance,
    ),
)

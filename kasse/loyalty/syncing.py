"""How loyalty syncs. The program, tiers and stamp cards are set up in the cloud and come down to every node.
Points and stamps are a ledger both sides only add to (like stock): entries written with a sale on a node
go up in the sale's record and down again to the organization's other nodes (a customer collects in every
store), without the sale they point to (a node holds only its own sales). An entry's id is derived from
its key, so the same entry written twice is one row. When entries from a node take a customer's points
below zero (two registers or stores redeemed the same points while offline), the cloud keeps the entries
and flags the balance for the owner."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Sum

from kasse.loyalty.models import EntryKind, LoyaltyEntry
from kasse.sync.engine.registry import Direction, SyncSpec, Upload, UpRow, register

POINTS_NEGATIVE = "points_negative"  # kasse.sync.models.AnomalyKind


def flag_negative_balance(row: UpRow, rows: Sequence[UpRow], upload: Upload) -> None:
    """A redemption from a node that took the customer's points below zero is flagged (once per entry)."""
    values = row.values
    if values.get("kind") != EntryKind.REDEEMED or int(values.get("points") or 0) >= 0:
        return
    customer_id = values["customer_id"]
    balance = LoyaltyEntry.objects.filter(customer_id=customer_id).aggregate(p=Sum("points"))["p"] or 0
    if balance < 0:
        upload.flag(
            row,
            POINTS_NEGATIVE,
            {"customer_id": str(customer_id), "balance": balance, "redeemed": -int(values["points"])},
        )


register(
    SyncSpec("loyalty.LoyaltyProgram", Direction.DOWN),
    SyncSpec("loyalty.LoyaltyTier", Direction.DOWN),
    SyncSpec("loyalty.StampCard", Direction.DOWN),
    SyncSpec(
        "loyalty.LoyaltyEntry",
        Direction.BOTH,
        immutable=True,
        relay=True,
        node_drops=frozenset({"sale_id"}),
        arrived=flag_negative_balance,
    ),
)

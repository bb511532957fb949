"""How inventory syncs. Stock is a ledger of movements that both sides only add; goods receipts are booked
in the cloud's back office and come down to their store's node, the header before its movements."""

from __future__ import annotations

from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register

register(
    SyncSpec("inventory.GoodsReceipt", Direction.DOWN, Scope.STORE, immutable=True),
    SyncSpec(
        "inventory.StockMovement", Direction.BOTH, Scope.STORE, immutable=True, node_drops=frozenset({"sale_line_id"})
    ),
)

"""How the catalog syncs: categories, products, variants, barcodes and store prices come down from the
cloud (organization-wide, a store price only to its store's node); the registers' screens reload when
one of them changed."""

from __future__ import annotations

from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register

register(
    SyncSpec("catalog.Category", Direction.DOWN, on_register_screen=True),
    SyncSpec("catalog.Product", Direction.DOWN, on_register_screen=True),
    SyncSpec("catalog.Variant", Direction.DOWN, on_register_screen=True),
    SyncSpec("catalog.Barcode", Direction.DOWN, on_register_screen=True),
    SyncSpec("catalog.StorePrice", Direction.DOWN, Scope.STORE, on_register_screen=True),
)

"""Promotions come down from the cloud to every store node like the catalog (the registers' screens reload
when one changed), so a node prices a cart with the same promotions offline."""

from __future__ import annotations

from kasse.sync.engine.registry import Direction, SyncSpec, register

register(SyncSpec("promotions.Promotion", Direction.DOWN, on_register_screen=True))

"""Audit entries are written where the action happened and go up from a store node (never down)."""

from __future__ import annotations

from kasse.sync.engine.registry import Direction, SyncSpec, register

register(
    SyncSpec(
        "core.AuditEntry",
        Direction.UP,
        immutable=True,
        node_drops=frozenset({"actor_user_id"}),
        snapshot_filter={"pk__in": []},
    ),
)

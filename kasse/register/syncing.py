"""How the register's tables sync.

- Register settings come down to their store's node (the registers' screens reload).
- Register pairing codes and devices are written in both places: the node owns when a code was used and
  when a device was last seen, the cloud owns revocation. A code is used once: a later upload never
  changes a used code. A device revoked in the cloud loses its open sockets on the node as soon as the
  revocation is pulled.
- Parked carts are copied to a node when it pairs and are its own from then on.
"""

from __future__ import annotations

from typing import Any

from kasse.register.live import close_sockets_of_revoked_devices
from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register


def _used_once(current: dict[str, Any], values: dict[str, Any]) -> bool:
    """A pairing code used already stays as it is."""
    return current.get("used_at") is not None


register(
    SyncSpec("register.RegisterSettings", Direction.DOWN, Scope.STORE, on_register_screen=True),
    SyncSpec(
        "register.PairingCode",
        Direction.BOTH,
        Scope.STORE,
        "register.store_id",
        up_fields=frozenset({"used_at"}),
        node_fields=frozenset({"used_at"}),
        node_drops=frozenset({"created_by_id"}),
        keeps_stored=_used_once,
    ),
    SyncSpec(
        "register.RegisterDevice",
        Direction.BOTH,
        Scope.STORE,
        "register.store_id",
        up_fields=frozenset({"last_seen_at", "name"}),
        node_fields=frozenset({"last_seen_at"}),
        pulled=close_sockets_of_revoked_devices,
    ),
    SyncSpec("register.Cart", Direction.LOCAL, Scope.STORE, snapshot_filter={"status": "parked"}),
    SyncSpec("register.TrainingMode", Direction.LOCAL, Scope.STORE, "register.store_id"),
    SyncSpec(
        "register.CartLine", Direction.LOCAL, Scope.STORE, "cart.store_id", snapshot_filter={"cart__status": "parked"}
    ),
)

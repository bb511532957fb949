"""How scanners and pole displays sync: the devices come down to their store's node; what the node's
runner saw of them goes up, one row per device whose id is the device's id (the rule of
:mod:`kasse.sync.engine.device_states`), never in a snapshot."""

from __future__ import annotations

from kasse.peripherals.states import check_display_state, check_scanner_state
from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register

register(
    SyncSpec("peripherals.Scanner", Direction.DOWN, Scope.STORE),
    SyncSpec("peripherals.PoleDisplay", Direction.DOWN, Scope.STORE),
    SyncSpec(
        "peripherals.ScannerState",
        Direction.UP,
        Scope.STORE,
        "scanner.store_id",
        check=check_scanner_state,
        snapshot_filter={"pk__in": []},
    ),
    SyncSpec(
        "peripherals.PoleDisplayState",
        Direction.UP,
        Scope.STORE,
        "display.store_id",
        check=check_display_state,
        snapshot_filter={"pk__in": []},
    ),
)

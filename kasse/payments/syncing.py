"""How card terminals sync: the configuration comes down to its store's node, which drives the terminal.

Card payments are born on the node; they do not go up yet (docs/payments.md, "Limits")."""

from __future__ import annotations

from typing import Any

from kasse.peripherals.models import DeviceHealth
from kasse.sync.engine.device_states import check_state
from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register


def check_terminal_state(values: dict[str, Any]) -> str:
    return check_state(values, device_field="terminal_id", status_field="state", allowed=DeviceHealth.values)


register(
    SyncSpec("payments.CardTerminal", Direction.DOWN, Scope.STORE),
    SyncSpec(
        "payments.CardTerminalState",
        Direction.UP,
        Scope.STORE,
        "terminal.store_id",
        check=check_terminal_state,
        snapshot_filter={"pk__in": []},
    ),
)

from kasse.payments.qr import syncing as _qr_syncing  # noqa: E402, F401 - the QR payment accounts' rules

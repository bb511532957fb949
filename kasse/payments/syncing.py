"""How card terminals and card payments sync.

- `CardTerminal` is configuration: it comes down to its store's node, which drives the terminal.
- `CardPayment` is born on the process that drives the terminal (the node) and goes up with every change
  (intent, sent, the terminal's answer and data, recovery, the sale or return it paid), so the cloud's
  back office sees every card payment and every unclear one. A manager may decide an unclear payment in
  the cloud: that decision comes down, and the node takes it only while its own copy is still unknown (the
  terminal's own answer, recovered on the node, wins). An upload never turns a decided payment in the
  cloud back into an unclear one (`_keeps_decided`).
- `CardSettlement` (a terminal's end-of-day) and `CardTerminalState` go up only.
"""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled

from kasse.payments.models import UNRESOLVED, CardPayment, CardPaymentKind, CardPaymentStatus, CardSettlementStatus
from kasse.peripherals.models import DeviceHealth
from kasse.sync.engine.changes import record
from kasse.sync.engine.device_states import check_state
from kasse.sync.engine.local import is_node
from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register

DECIDED = (CardPaymentStatus.APPROVED, CardPaymentStatus.DECLINED)


def check_terminal_state(values: dict[str, Any]) -> str:
    return check_state(values, device_field="terminal_id", status_field="state", allowed=DeviceHealth.values)


def check_card_payment(values: dict[str, Any]) -> str:
    """Why a card payment row may not be stored from the other side ('' when it may)."""
    if "status" in values and values["status"] not in CardPaymentStatus.values:
        return f"unknown status {values['status']!r}"
    if "kind" in values and values["kind"] not in CardPaymentKind.values:
        return f"unknown kind {values['kind']!r}"
    return ""


def check_settlement(values: dict[str, Any]) -> str:
    if "status" in values and values["status"] not in CardSettlementStatus.values:
        return f"unknown status {values['status']!r}"
    return ""


def _keeps_decided(current: dict[str, Any], values: dict[str, Any]) -> bool:
    """The cloud keeps a payment a manager decided there when the node's upload still says unknown."""
    return current.get("status") in DECIDED and values.get("status") in UNRESOLVED


RESOLUTION = ("status", "resolved_by", "resolution_note", "message", "finished_at", "updated_at")


def report_payments(payments: list[CardPayment]) -> None:
    """A change of card payments, inside its transaction: on a node it goes up. In the cloud nothing is
    recorded here (a payment the cloud's own runner drove has no node to go to; only a manager's decision,
    which `resolve_card_payment` records itself, goes down to the node that drives the terminal)."""
    if is_node():
        record("card_payment", payments)


def apply_card_payments(rows: list[dict[str, Any]]) -> int:
    """On the node: a manager's decision made in the cloud, taken only while the node's copy is unknown."""
    written = 0
    with scopes_disabled():
        for values in rows:
            if values.get("status") not in DECIDED or not values.get("resolved_by"):
                continue
            updates = {name: values[name] for name in RESOLUTION if name in values}
            written += CardPayment.objects.filter(pk=values["id"], status=CardPaymentStatus.UNKNOWN).update(**updates)
    return written


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
    SyncSpec(
        "payments.CardPayment",
        Direction.BOTH,
        Scope.STORE,
        check=check_card_payment,
        keeps_stored=_keeps_decided,
        apply=apply_card_payments,
        snapshot_filter={"pk__in": []},  # the node's own; a pairing node gets none from the cloud
    ),
    SyncSpec(
        "payments.CardSettlement",
        Direction.UP,
        Scope.STORE,
        check=check_settlement,
        snapshot_filter={"pk__in": []},
    ),
)

from kasse.payments.qr import syncing as _qr_syncing  # noqa: E402, F401 - the QR payment accounts' rules

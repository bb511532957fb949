"""How the TSE's tables sync between the cloud and a store node (docs/fiscal.md, "Store nodes").

- **Down**: ``TseDevice`` (which TSE, its device information and state) and ``TseClientRegistration`` (the
  store's registers as its clients) come from the cloud, where the owner sets TSEs up. A device travels
  **without its secrets** (fiskaly API key and secret, admin PIN and PUK, the development TSE's private
  key): a node that needs them to sign asks the cloud for them and keeps them in memory only
  (:mod:`kasse.fiscal.node_credentials`, docs/security.md). The development TSE's two counters are the
  node's own once it has the row (its memory, like a hardware TSE's): the feed never lowers them.
- **Up**: what the TSE answered (``TseTransactionRecord``, append-only) and the outages (``TseOutage``) are
  born where the register signed and go up like sales; an outage's end is a later state of the same row,
  written once (an older state arriving late never reopens it).
- The development TSE's own memory (``DevTseTransaction``, ``DevTseLogMessage``) does not sync: it lives
  where that TSE signs.
"""

from __future__ import annotations

from typing import Any

from kasse.sync.engine.registry import Direction, Scope, SyncSpec, register

SECRET_COLUMNS = ("fiskaly_api_key", "fiskaly_api_secret", "fiskaly_admin_pin", "fiskaly_admin_puk", "dev_private_key")
NODE_COUNTERS = frozenset({"dev_signature_counter", "dev_transaction_counter"})


def without_secrets(rows: list[dict[str, Any]], store_id: Any) -> list[dict[str, Any]]:
    """A device row as a node receives it: every secret column empty (feed and snapshot alike)."""
    return [{**row, **dict.fromkeys(SECRET_COLUMNS, "")} for row in rows]


def check_outage(values: dict[str, Any]) -> str:
    from kasse.fiscal.models import OutageReason

    if values.get("reason") not in OutageReason.values:
        return f"unknown outage reason {values.get('reason')!r}"
    return ""


def check_record(values: dict[str, Any]) -> str:
    from kasse.fiscal.models import Outcome

    if values.get("outcome") not in Outcome.values:
        return f"unknown outcome {values.get('outcome')!r}"
    if values.get("operation") not in ("start", "update", "finish", "cancel"):
        return f"unknown operation {values.get('operation')!r}"
    return ""


def _ended_already(current: dict[str, Any], values: dict[str, Any]) -> bool:
    """An outage's end is written once: a later upload never changes or removes it."""
    return current.get("ended_at") is not None


def _devices_pulled(events: list[dict[str, Any]]) -> None:
    """A device changed in the cloud: the node asks for its secrets again at the next signature."""
    from kasse.fiscal.node_credentials import forget

    forget()


register(
    SyncSpec(
        "fiscal.TseDevice",
        Direction.DOWN,
        for_node=without_secrets,
        node_fields=NODE_COUNTERS,
        pulled=_devices_pulled,
    ),
    SyncSpec("fiscal.TseClientRegistration", Direction.DOWN, Scope.STORE, "register.store_id"),
    SyncSpec(
        "fiscal.TseTransactionRecord",
        Direction.UP,
        Scope.STORE,
        "register.store_id",
        immutable=True,
        check=check_record,
        snapshot_filter={"pk__in": []},
    ),
    SyncSpec(
        "fiscal.TseOutage",
        Direction.UP,
        Scope.STORE,
        "register.store_id",
        up_fields=frozenset({"ended_at"}),
        keeps_stored=_ended_already,
        check=check_outage,
        snapshot_filter={"pk__in": []},
    ),
)

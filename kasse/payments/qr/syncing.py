"""How QR payment accounts sync: down to the nodes of their organization (all stores, or their store),
without the secret, which a node asks for when it sends a payment (:mod:`.node_credentials`). QR payments
are ``CardPayment`` rows and sync with them (kasse/payments/syncing.py)."""

from __future__ import annotations

from typing import Any

from kasse.sync.engine.registry import Direction, SyncSpec, register


def without_secret(rows: list[dict[str, Any]], store_id: Any) -> list[dict[str, Any]]:
    return [{**row, "secret": ""} for row in rows]


def _accounts_pulled(events: list[dict[str, Any]]) -> None:
    from kasse.payments.qr.node_credentials import forget

    forget()


register(SyncSpec("payments.QrAccount", Direction.DOWN, for_node=without_secret, pulled=_accounts_pulled))

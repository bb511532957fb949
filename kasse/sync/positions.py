"""Where each register of a store stands, as the cloud knows it, and a node catching up to it.

A node restored from an old backup, re-paired onto an old data directory, or installed fresh on a
replacement PC would otherwise hand out receipt and Z numbers the cloud already holds (the cloud then
quarantines those sales). So the cloud answers ``GET /sync/v1/positions`` with, per register of the
node's store, the highest numbers it holds (the ``Numbering`` an app registers: receipt and Z numbers of
the sales app), and the highest outbox position it received from the store's nodes. The node raises its
counters to at least these (never lowers them) and continues its outbox after that position:

* when it pairs (the snapshot's counters are the cloud's, which lag behind a node's sales);
* each time ``kasse store run`` starts, before it pushes (a restore the owner did not announce);
* when a push answer carries positions (the owner released a quarantined sale under a new number);
* after ``kasse store restored``, the node refuses to hand out receipt numbers until it has asked.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.core.ids import uuid7
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus, StoreNode
from kasse.sync.registry import NUMBERING

log = logging.getLogger(__name__)

POSITIONS_PATH = "/sync/v1/positions"
RESTORE_MARK = "position-mark"  # an acknowledged, empty outbox record: the outbox continues after it


# --- cloud ------------------------------------------------------------------------------------


def register_positions(store_id: Any) -> dict[str, dict[str, int]]:
    """``{register id: {"receipt": n, "closing": n}}`` for every register of the store (the highest numbers
    the cloud holds, as each registered ``Numbering`` counts them)."""
    positions: dict[str, dict[str, int]] = {}
    for numbering in NUMBERING:
        for register_id, stands in numbering.positions(store_id).items():
            positions.setdefault(register_id, {}).update(stands)
    return positions


def positions_answer(node: StoreNode) -> dict[str, Any]:
    with scopes_disabled():
        received = StoreNode.objects.filter(store_id=node.store_id).aggregate(p=Max("last_position"))["p"] or 0
    return {"registers": register_positions(node.store_id), "outbox_position": received}


def note_received_positions(node: StoreNode, records: list[Any], results: dict[str, dict[str, str]]) -> None:
    """Remember the highest outbox position of the records this push answered for good."""
    done = {"ok", "duplicate", "quarantined", "rejected"}
    highest = max((r["position"] for r in records if isinstance(r, dict) and type(r.get("position")) is int
                   and results.get(str(r.get("id")), {}).get("status") in done), default=0)
    if highest > node.last_position:
        with scopes_disabled():
            StoreNode.objects.filter(pk=node.pk, last_position__lt=highest).update(last_position=highest)


# --- node -------------------------------------------------------------------------------------


def _number(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"not a position: {value!r}")
    return value


def fast_forward(positions: dict[str, Any]) -> dict[str, int]:
    """Raise this node's counters to the cloud's positions and move its outbox past the position the cloud
    received; returns ``{register id: receipt number moved to}`` for the registers that moved."""
    moved: dict[str, int] = {}
    registers = positions.get("registers") or {}
    with scopes_disabled(), transaction.atomic():
        state = NodeState.objects.select_for_update().first()
        if state is None:
            return moved
        for numbering in NUMBERING:
            moved.update(numbering.catch_up(registers))
        received = _number(positions.get("outbox_position", 0))
        local = OutboxRecord.objects.aggregate(p=Max("position"))["p"] or 0
        if received > local:
            # The cloud has records of this store this directory never wrote (or lost in a restore): new
            # records continue after them, so the outbox order stays the store's order.
            OutboxRecord.objects.create(id=uuid7(), position=received, kind=RESTORE_MARK, rows=[],
                                        status=OutboxStatus.ACKED, acked_at=timezone.now())
            log.warning("the cloud holds outbox records up to %d, this node only up to %d: restored from an "
                        "older backup?", received, local)
        NodeState.objects.filter(pk=state.pk).update(needs_positions=False, positions_checked_at=timezone.now())
    if moved:
        log.warning("receipt numbers continue after the cloud's: %s", moved)
    return moved


def catch_up(client: Any) -> dict[str, int]:
    """Ask the cloud where the registers stand and continue after it (raises the client's errors)."""
    from kasse.sync.client import CloudRefused

    try:
        answer = client._request("GET", POSITIONS_PATH)
    except CloudRefused as exc:
        if exc.status != 404:
            raise
        log.warning("the cloud does not tell register positions (an older version); numbering goes on")
        return {}
    try:
        return fast_forward(answer)
    except (ValueError, TypeError) as exc:
        log.error("the cloud's positions are malformed (%s); nothing changed", exc)
        return {}


def mark_restored() -> bool:
    """``kasse store restored``: sell again only after the cloud said where the registers stand."""
    with scopes_disabled():
        return bool(NodeState.objects.update(needs_positions=True))


def require_known_positions() -> None:
    """On a node: refuse to hand out a receipt number while the cloud has not been asked after a restore."""
    with scopes_disabled():
        waiting = NodeState.objects.filter(needs_positions=True).exists()
    if waiting:
        raise ValidationError(_(
            "This store node was restored from a backup and must first ask the cloud which receipt numbers "
            "are already used. Please check the internet connection; selling starts again as soon as the "
            "cloud answers."))

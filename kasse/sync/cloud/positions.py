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

This module is the cloud's side; the node's is :mod:`kasse.sync.node.catch_up`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django_scopes import scopes_disabled

from kasse.sync.engine.registry import NUMBERING
from kasse.sync.models import StoreNode


def register_positions(store_id: Any) -> dict[str, dict[str, int]]:
    """``{register id: {"receipt": n, "closing": n}}`` for every register of the store (the highest numbers
    the cloud holds, as each registered ``Numbering`` counts them)."""
    positions: dict[str, dict[str, int]] = {}
    for numbering in NUMBERING:
        for register_id, stands in numbering.positions(store_id).items():
            positions.setdefault(register_id, {}).update(stands)
    return positions


def positions_answer(node: StoreNode, received_now: int = 0) -> dict[str, Any]:
    """The answer of ``GET positions``; ``received_now``: the highest position of the push being answered
    (noted on the node's row with the request's other columns after the answer is made)."""
    with scopes_disabled():
        received = StoreNode.objects.filter(store_id=node.store_id).aggregate(p=Max("last_position"))["p"] or 0
    return {"registers": register_positions(node.store_id), "outbox_position": max(received, received_now)}


def received_position(records: list[Any], results: dict[str, dict[str, str]]) -> int:
    """The highest outbox position of the records this push answered for good (0: none). The push notes
    it on the node's row (``last_position``, never lowered) in the request's one update."""
    done = {"ok", "duplicate", "quarantined", "rejected"}
    return max(
        (
            r["position"]
            for r in records
            if isinstance(r, dict)
            and type(r.get("position")) is int
            and results.get(str(r.get("id")), {}).get("status") in done
        ),
        default=0,
    )

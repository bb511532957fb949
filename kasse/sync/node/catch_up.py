"""A store node catching up to where the cloud says each register stands (see :mod:`kasse.sync.cloud.positions`):
its counters raised to the cloud's positions (never lowered), its outbox continued after the position
the cloud received; when it pairs, each time ``kasse store run`` starts, when a push answer carries
positions, and before the first number after ``kasse store restored``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.ids import uuid7
from kasse.sync.engine.protocol import POSITIONS_PATH
from kasse.sync.engine.registry import NUMBERING
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus

log = logging.getLogger(__name__)

RESTORE_MARK = "position-mark"  # an acknowledged, empty outbox record: the outbox continues after it


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
            OutboxRecord.objects.create(
                id=uuid7(),
                position=received,
                kind=RESTORE_MARK,
                rows=[],
                status=OutboxStatus.ACKED,
                acked_at=timezone.now(),
            )
            log.warning(
                "the cloud holds outbox records up to %d, this node only up to %d: restored from an older backup?",
                received,
                local,
            )
        NodeState.objects.filter(pk=state.pk).update(needs_positions=False, positions_checked_at=timezone.now())
    if moved:
        log.warning("receipt numbers continue after the cloud's: %s", moved)
    return moved


def catch_up(client: Any) -> dict[str, int]:
    """Ask the cloud where the registers stand and continue after it (raises the client's errors)."""
    from kasse.sync.node.client import CloudRefused

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

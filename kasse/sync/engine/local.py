"""Facts about the process we run in: cloud or store node, and its clock."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.sync.engine.hlc import HybridClock

if TYPE_CHECKING:
    from kasse.sync.models import NodeState

NODE_BLOCK_SIZE = 1_000_000


def is_node() -> bool:
    return bool(settings.KASSE_ROLE == "store")


def node_state() -> NodeState | None:
    """This node's ``NodeState`` (``None`` before ``kasse store pair``)."""
    from kasse.sync.models import NodeState

    return NodeState.objects.first()


@functools.cache
def clock() -> HybridClock:
    """The hybrid logical clock of this process: origin ``cloud`` or ``n<node id>``."""
    if not is_node():
        return HybridClock("cloud")
    state = node_state()
    return HybridClock(f"n{state.pk.hex[:12]}" if state else "node")


def node_number_block() -> tuple[int, int] | None:
    """The block of numbers this node hands out for what it numbers offline (customers), so that places
    never collide: ``(lowest, highest)``; ``None`` in the cloud and on a node not paired yet."""
    if not is_node():
        return None
    state = node_state()
    if state is None:
        return None
    return state.customer_number_base + 1, state.customer_number_base + NODE_BLOCK_SIZE - 1


def require_known_positions() -> None:
    """On a node: refuse to hand out a receipt number while the cloud has not been asked after a restore."""
    from kasse.sync.models import NodeState

    with scopes_disabled():
        waiting = NodeState.objects.filter(needs_positions=True).exists()
    if waiting:
        raise ValidationError(
            _(
                "This store node was restored from a backup and must first ask the cloud which receipt numbers "
                "are already used. Please check the internet connection; selling starts again as soon as the "
                "cloud answers."
            )
        )

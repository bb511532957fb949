"""The one call a write service makes so a change reaches the other side.

``record(kind, objs)`` runs inside the service's transaction, after the write:

* on a store node, rows of tables that sync up (``UP``/``BOTH``) become one
  outbox record, committed together with the change or not at all;
* in the cloud, rows of tables that sync down (``DOWN``/``BOTH``) become change
  events of the organization's feed, and nodes are nudged after the commit;
  a completed sale also goes to the owner's live feed.

No signals: services say what they changed (house style).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from kasse.sync.local import is_node
from kasse.sync.registry import Direction, spec_for

UP_DIRECTIONS = {Direction.UP, Direction.BOTH}
DOWN_DIRECTIONS = {Direction.DOWN, Direction.BOTH}


def record(kind: str, objs: Iterable[models.Model], *, deleted: Iterable[models.Model] = ()) -> None:
    """Record that the service wrote ``objs`` (and deleted ``deleted``) as one change of ``kind``."""
    objs = list(objs)
    deleted = list(deleted)
    if is_node():
        from kasse.sync.outbox import enqueue

        up = [o for o in objs if (spec := spec_for(o)) is not None and spec.direction in UP_DIRECTIONS]
        if up:
            enqueue(kind, up)
        return
    from kasse.sync.feed import append_changes, publish_live

    down = [o for o in objs if (spec := spec_for(o)) is not None and spec.direction in DOWN_DIRECTIONS]
    gone = [o for o in deleted if (spec := spec_for(o)) is not None and spec.direction in DOWN_DIRECTIONS]
    if down or gone:
        append_changes(down, gone)
    if kind in {"sale", "refund"}:
        publish_live(kind, objs)

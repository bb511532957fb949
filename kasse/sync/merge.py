"""Customers edited in two places: per field, the later hybrid-clock stamp wins.

Every customer carries ``sync_clocks`` ``{field: stamp}``; ``save_customer``
stamps the fields it changes. An upload also carries the stamps the node
knew before its edit (``base_clocks``). Merging takes, field by field, the
value with the higher stamp, on the cloud and on every node alike, so all
replicas agree. When the node's edit and another edit were concurrent (the
node had not seen the other one) and the values differ, the cloud keeps a
:class:`~kasse.sync.models.SyncConflict` with both values for the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kasse.customers.models import Customer
from kasse.customers.services import CUSTOMER_FIELDS, customer_search_text

MERGED_FIELDS: tuple[str, ...] = (
    *CUSTOMER_FIELDS, "marketing_consent", "marketing_consent_at", "marketing_consent_source",
)


@dataclass
class Conflict:
    field: str
    kept_value: Any
    kept_clock: str
    lost_value: Any
    lost_clock: str


def merge_customer(
    existing: Customer, incoming: dict[str, Any], incoming_clocks: dict[str, str],
    base_clocks: dict[str, str] | None,
) -> list[Conflict]:
    """Merge ``incoming`` (decoded values) into ``existing`` in place; returns the conflicts seen.

    ``base_clocks`` is ``None`` for rows from the cloud's feed (nodes do not
    report conflicts; the cloud already did).
    """
    clocks = dict(existing.sync_clocks or {})
    conflicts: list[Conflict] = []
    for name in MERGED_FIELDS:
        if name not in incoming:
            continue
        new_value, current_value = incoming[name], getattr(existing, name)
        new_clock, current_clock = incoming_clocks.get(name, ""), clocks.get(name, "")
        differ = new_value != current_value
        if new_clock > current_clock:
            if differ:
                setattr(existing, name, new_value)
                if base_clocks is not None and name in base_clocks and base_clocks[name] != current_clock:
                    conflicts.append(Conflict(name, new_value, new_clock, current_value, current_clock))
            clocks[name] = new_clock
        elif new_clock and new_clock < current_clock and differ and base_clocks is not None and name in base_clocks:
            conflicts.append(Conflict(name, current_value, current_clock, new_value, new_clock))
    existing.sync_clocks = clocks
    existing.search_text = customer_search_text(existing)
    return conflicts

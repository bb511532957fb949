"""Customers are edited in two places: per field, the later hybrid-clock stamp wins.

Every customer carries ``sync_clocks`` ``{field: stamp}``; ``save_customer`` stamps the fields it changes.
An upload also carries the stamps the node knew before its edit (``base_clocks``). Merging takes, field by
field, the value with the higher stamp, on the cloud and on every node alike, so all replicas agree. When
the node's edit and another edit were concurrent (the node had not seen the other one) and the values
differ, the cloud keeps a conflict with both values for the owner. A customer created offline whose
loyalty card or number was handed out meanwhile is stored without the card / under the next free number,
and the owner sees that too. What a node changed goes down the feed again, as the cloud stored it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_scopes import scopes_disabled

from kasse.customers.events import customer_uploaded
from kasse.customers.models import Customer
from kasse.customers.services import CUSTOMER_FIELDS, customer_search_text, next_customer_number
from kasse.notifications.events import publishing_batch
from kasse.sync.engine.hlc import bad_stamps
from kasse.sync.engine.local import clock
from kasse.sync.engine.registry import Conflict, Direction, SyncSpec, Upload, UpRow, register

MERGED_FIELDS: tuple[str, ...] = (
    *CUSTOMER_FIELDS,
    "marketing_consent",
    "marketing_consent_at",
    "marketing_consent_source",
)


def merge_customer(
    existing: Customer,
    incoming: dict[str, Any],
    incoming_clocks: dict[str, str],
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


# --- in the cloud: a node's upload ----------------------------------------------------------------------


def check_stamps(values: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """Malformed clock stamps are refused before the merge compares them."""
    for column, stamps in (("sync_clocks", values.get("sync_clocks")), ("base_clocks", meta.get("base_clocks"))):
        if (malformed := bad_stamps(stamps)) is not None:
            return f"{column}: {malformed}"
    return None


def settle_new_customers(fresh: Sequence[UpRow], upload: Upload) -> list[dict[str, Any]]:
    """New customers from a node whose loyalty card or number is taken here (two places handed out the same
    card while offline): the customer is stored without the card / with the next free number, and the owner
    sees a conflict, so no insert is silently skipped. Returns the values to insert; the rows keep what the
    node sent (a batch stored again after a failure settles anew)."""
    cards = {r.values.get("loyalty_card_code") for r in fresh} - {None, ""}
    numbers = {r.values.get("customer_number") for r in fresh}
    taken_cards = (
        set(Customer.objects.filter(loyalty_card_code__in=cards).values_list("loyalty_card_code", flat=True))
        if cards
        else set()
    )
    taken_numbers = set(Customer.objects.filter(customer_number__in=numbers).values_list("customer_number", flat=True))
    next_free: int | None = None
    settled = []
    for row in fresh:
        values = dict(row.values)
        clocks = row.values.get("sync_clocks") or {}
        card = values.get("loyalty_card_code")
        if card and card in taken_cards:
            values["loyalty_card_code"] = None
            upload.conflicts(row, [Conflict("loyalty_card_code", None, "", card, clocks.get("loyalty_card_code", ""))])
        taken_cards.add(card)
        if values.get("customer_number") in taken_numbers:
            lost = values["customer_number"]
            next_free = next_free + 1 if next_free else next_customer_number(upload.node.organization)
            values["customer_number"] = next_free
            upload.conflicts(row, [Conflict("customer_number", next_free, "", lost, clocks.get("customer_number", ""))])
        taken_numbers.add(values["customer_number"])
        settled.append(values)
    return settled


def merge_uploaded_customer(row: UpRow, upload: Upload) -> Customer:
    """A node's edit of a stored customer, merged field by field; concurrent edits are kept as conflicts."""
    customer = Customer.objects.get(pk=row.values["id"])
    conflicts = merge_customer(
        customer, row.values, row.values.get("sync_clocks") or {}, row.meta.get("base_clocks") or {}
    )
    customer.save()
    upload.conflicts(row, conflicts)
    return customer


# --- on a node: the cloud's feed ------------------------------------------------------------------------


def apply_customers(rows: Sequence[dict[str, Any]]) -> int:
    """Store customers from the cloud on the node (decoded rows): new ones inserted, known ones merged."""
    with scopes_disabled():
        for values in rows:
            clocks = values.get("sync_clocks") or {}
            for stamp in clocks.values():
                clock().observe(stamp)
            current = Customer.objects.filter(pk=values["id"]).first()
            if current is None:
                Customer.objects.create(**values)
                continue
            merge_customer(current, values, clocks, base_clocks=None)
            current.customer_number = values.get("customer_number", current.customer_number)
            current.save()
    return len(rows)


register(
    SyncSpec(
        "customers.Customer",
        Direction.BOTH,
        relay=True,
        on_register_screen=True,
        check_up=check_stamps,
        settle_new=settle_new_customers,
        merge_up=merge_uploaded_customer,
        apply=apply_customers,
        published=customer_uploaded,
    ),
    around_upload=publishing_batch,
)

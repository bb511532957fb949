"""Writes to the stock ledger (booking goods receipts) and the reorder levels.

Stock is a ledger of deltas (:mod:`kasse.inventory.models`); a booked goods
receipt is never changed or deleted, a mistake is corrected by another movement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.catalog.models import Unit, Variant
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.inventory.models import GoodsReceipt, StockMovement, StockReason, StockThreshold
from kasse.sync.engine.changes import record
from kasse.sync.engine.local import is_node
from kasse.tenancy.models import Employee, Organization, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability, has_capability_everywhere

# Quantities are stored with three decimal places (StockMovement.delta); more than this in one line is a typo.
QUANTITY_PLACES = 3
MAX_QUANTITY = Decimal("999999")
MAX_LINES = 500
MAX_REFERENCE = 100


class InventoryError(ValidationError):
    """A stock booking that cannot be done; the message is for the person who asked."""


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a goods receipt as entered: which variant, how much arrived (in the variant's unit)."""

    variant_id: uuid.UUID
    quantity: Decimal


def is_countable(variant: Variant) -> bool:
    """Pieces are counted in whole numbers; goods sold by weight, volume or length are not."""
    return variant.product.unit == Unit.PIECE and not variant.product.is_measured


def parse_quantity(raw: str) -> Decimal:
    """A quantity as typed (``3``, ``1,25`` or ``1.25``) → ``Decimal``; refuses anything else."""
    text = (raw or "").strip().replace(" ", "")
    if "," in text and "." in text:
        raise InventoryError(_("“%(value)s” is not a quantity.") % {"value": raw})
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise InventoryError(_("“%(value)s” is not a quantity.") % {"value": raw}) from exc
    if not value.is_finite():
        raise InventoryError(_("“%(value)s” is not a quantity.") % {"value": raw})
    return value


def check_quantity(variant: Variant, quantity: Decimal) -> None:
    """Refuse a received quantity that cannot be right for this variant."""
    name = str(variant)
    if quantity <= 0:
        raise InventoryError(_("The quantity of “%(name)s” must be greater than zero.") % {"name": name})
    if quantity > MAX_QUANTITY:
        raise InventoryError(_("The quantity of “%(name)s” is too large.") % {"name": name})
    exponent = quantity.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if is_countable(variant) and places:
        raise InventoryError(_("“%(name)s” is counted in pieces: please enter a whole number.") % {"name": name})
    if places > QUANTITY_PLACES:
        raise InventoryError(
            _("At most %(places)s decimal places for “%(name)s”, please.") % {"places": QUANTITY_PLACES, "name": name}
        )


@tenant_service
def book_goods_receipt(
    *, actor: Actor, store: Store, employee: Employee, lines: list[ReceiptLine], reference: str = ""
) -> GoodsReceipt:
    """Book goods received in ``store``: one receipt and one positive ``RECEIPT`` movement per line.

    All or nothing: any bad line refuses the whole receipt. ``employee`` needs the
    goods-receipt capability in the store. Booked in the cloud only (the store node has no
    back office); the movements reach the store's node through the change feed.
    """
    if is_node():
        raise InventoryError(_("Goods receipts are booked in the back office in the cloud."))
    if not has_capability(employee, Capability.RECEIVE_GOODS, store):
        raise InventoryError(_("%(name)s may not book goods receipts in this store.") % {"name": employee.display_name})
    if not store.is_active:
        raise InventoryError(_("This store is not active."))
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise InventoryError(
            _("The supplier or delivery note may have at most %(max)s characters.") % {"max": MAX_REFERENCE}
        )
    if not lines:
        raise InventoryError(_("Please add at least one product."))
    if len(lines) > MAX_LINES:
        raise InventoryError(_("At most %(max)s lines per goods receipt, please.") % {"max": MAX_LINES})
    wanted = [line.variant_id for line in lines]
    if len(set(wanted)) != len(wanted):
        raise InventoryError(_("A product appears twice; please enter it once with the total quantity."))
    variants = Variant.objects.filter(pk__in=wanted).select_related("product").in_bulk()
    if len(variants) != len(wanted):
        raise InventoryError(_("Some of these products do not exist (any more)."))
    for line in lines:
        check_quantity(variants[line.variant_id], line.quantity)

    # One booking at a time per store: the store row's lock orders the numbers (the unique
    # constraint on (store, number) is the backstop).
    Store.objects.select_for_update().filter(pk=store.pk).first()
    last = GoodsReceipt.objects.filter(store=store).aggregate(last=Max("number"))["last"] or 0
    receipt = GoodsReceipt.objects.create(
        organization_id=store.organization_id,
        store=store,
        number=last + 1,
        reference=reference,
        booked_by=employee,
        booked_at=timezone.now(),
    )
    movements = StockMovement.objects.bulk_create(
        [
            StockMovement(
                organization_id=store.organization_id,
                store=store,
                variant=variants[line.variant_id],
                delta=line.quantity,
                reason=StockReason.RECEIPT,
                goods_receipt=receipt,
            )
            for line in lines
        ]
    )
    log_action(
        store.organization_id,
        actor,
        "inventory.goods_receipt.booked",
        receipt,
        {
            "store": str(store.pk),
            "number": receipt.number,
            "reference": reference,
            "lines": [[str(line.variant_id), str(line.quantity)] for line in lines],
        },
    )
    record("goods_receipt", [receipt, *movements])
    return receipt


@dataclass(frozen=True)
class LevelEntry:
    """A reorder level as entered: the variant, the store (``None``: every store), the level (``None``: none)."""

    variant_id: uuid.UUID
    store_id: uuid.UUID | None
    minimum: Decimal | None


def check_level(variant: Variant, minimum: Decimal) -> None:
    name = str(variant)
    if minimum < 0:
        raise InventoryError(_("The reorder level of “%(name)s” cannot be below zero.") % {"name": name})
    if minimum == 0:
        return
    check_quantity(variant, minimum)


@tenant_service
def set_reorder_levels(
    *, actor: Actor, organization: Organization, employee: Employee | None, entries: list[LevelEntry]
) -> int:
    """Set (or, with ``minimum`` ``None``, remove) reorder levels; returns how many changed.

    All or nothing. A store's level needs the goods-receipt capability in that store; the level for every
    store needs it in every store (an all-stores role). Audited with the old and new level of each change.
    """
    if is_node():
        raise InventoryError(_("Reorder levels are set in the back office in the cloud."))
    if len(entries) > MAX_LINES:
        raise InventoryError(_("At most %(max)s reorder levels at once, please.") % {"max": MAX_LINES})
    # The variants' rows are the lock: two people saving the same product's levels take turns.
    variants = (
        Variant.objects.select_for_update(of=("self",))
        .filter(pk__in={e.variant_id for e in entries})
        .select_related("product")
        .in_bulk()
    )
    stores = Store.objects.filter(pk__in={e.store_id for e in entries if e.store_id}).in_bulk()
    for entry in entries:
        if entry.variant_id not in variants or (entry.store_id is not None and entry.store_id not in stores):
            raise InventoryError(_("Some of these products do not exist (any more)."))
        if entry.store_id is None:
            allowed = has_capability_everywhere(employee, Capability.RECEIVE_GOODS)
        else:
            allowed = has_capability(employee, Capability.RECEIVE_GOODS, stores[entry.store_id])
        if not allowed:
            raise InventoryError(_("You may not set reorder levels for this store."))
        if entry.minimum is not None:
            check_level(variants[entry.variant_id], entry.minimum)
    current = {
        (level.variant_id, level.store_id): level
        for level in StockThreshold.objects.filter(variant_id__in=list(variants))
    }
    changes = []
    for entry in entries:
        key = (entry.variant_id, entry.store_id)
        old = current.get(key)
        if entry.minimum is None:
            if old is not None:
                old.delete()
                changes.append([str(entry.variant_id), str(entry.store_id or ""), str(old.minimum), None])
        elif old is None:
            StockThreshold.objects.create(
                organization=organization, variant_id=entry.variant_id, store_id=entry.store_id, minimum=entry.minimum
            )
            changes.append([str(entry.variant_id), str(entry.store_id or ""), None, str(entry.minimum)])
        elif old.minimum != entry.minimum:
            changes.append([str(entry.variant_id), str(entry.store_id or ""), str(old.minimum), str(entry.minimum)])
            old.minimum = entry.minimum
            old.save(update_fields=["minimum", "updated_at"])
    if changes:
        log_action(organization, actor, "inventory.reorder_levels.set", None, {"changes": changes})
    return len(changes)

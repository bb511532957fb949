"""Writes to the stock ledger: booking goods receipts.

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
from kasse.inventory.models import GoodsReceipt, StockMovement, StockReason
from kasse.sync.engine.changes import record
from kasse.sync.engine.local import is_node
from kasse.tenancy.models import Employee, Store
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability

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

"""Reads of receipts: the code printed on them, finding one again, what can still be returned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kasse.sales.models import Sale, SaleLine
from kasse.sales.services.errors import SaleError
from kasse.sales.services.refunds import refundable_quantity
from kasse.tenancy.models import Register, Store

# The receipt's own barcode: "R-<store number>-<register number>-<receipt number>". Stable (it only
# uses numbers that never change once printed), short enough for Code 128 on 80 mm paper, and
# unlike any product barcode (EAN/UPC are digits only), so a scan can be told apart at once.
RECEIPT_CODE_PREFIX = "R-"
_RECEIPT_CODE = re.compile(r"^[Rr]-(\d{1,6})-(\d{1,6})-(\d{1,12})$")
_TYPED = re.compile(r"^(?:(\d{1,6})\s*/\s*)?(\d{1,12})$")


def receipt_code(sale: Sale) -> str:
    """The code printed as a barcode on ``sale``'s receipt."""
    return f"{RECEIPT_CODE_PREFIX}{sale.store.number}-{sale.register.number}-{sale.receipt_number}"


def is_receipt_code(code: str) -> bool:
    return bool(_RECEIPT_CODE.match(code.strip()))


def find_receipt(register: Register, text: str) -> Sale:
    """The receipt a cashier typed or scanned, in ``register``'s store.

    Accepted: ``42`` (receipt 42 of this register), ``2/42`` (register 2 of this
    store) and the scanned receipt code ``R-1-2-42``. Anything else, or a receipt
    of another store, is a :class:`SaleError` with a message for the cashier.
    """
    text = (text or "").strip()
    store = register.store
    scanned = _RECEIPT_CODE.match(text)
    typed = _TYPED.match(text)
    if scanned:
        store_number, register_number, number = (int(g) for g in scanned.groups())
        if store_number != store.number:
            raise SaleError(_("Receipt %(code)s is from another store.") % {"code": text})
    elif typed:
        register_number = int(typed.group(1)) if typed.group(1) else register.number
        number = int(typed.group(2))
    else:
        raise SaleError(_("Please enter a receipt number, e.g. 42, or register and number, e.g. 2/42."))
    sale = (
        Sale.objects.filter(store=store, register__number=register_number, receipt_number=number)
        .select_related("store", "register", "customer")
        .first()
    )
    if sale is None:
        raise SaleError(_("No receipt %(code)s in this store.") % {"code": text})
    return sale


@dataclass
class ReturnableLine:
    """A line of an original receipt and how much of it can still be returned."""

    line: SaleLine
    returnable: Decimal

    @property
    def is_measured(self) -> bool:
        return self.line.quantity != self.line.quantity.to_integral_value() or self.line.unit != "piece"


def returnable_lines(sale: Sale) -> list[ReturnableLine]:
    # A gift card that paid is not chosen: its share goes back onto it with the goods (services/vouchers.py).
    return [
        ReturnableLine(line, refundable_quantity(line))
        for line in sale.lines.select_related("variant__product")
        if not (line.variant.product.is_voucher and line.total < 0)
    ]


def recent_receipts(
    store: Store, *, register: Register | None = None, query: str = "", limit: int = 30
) -> QuerySet[Sale]:
    """The newest receipts of ``store`` (or one register of it), optionally matching a typed number."""
    qs = Sale.objects.filter(store=store).select_related("register", "store")
    if register is not None and not query:
        qs = qs.filter(register=register)
    query = query.strip()
    if query:
        scanned = _RECEIPT_CODE.match(query)
        typed = _TYPED.match(query)
        if scanned:
            qs = qs.filter(register__number=int(scanned.group(2)), receipt_number=int(scanned.group(3)))
            if int(scanned.group(1)) != store.number:
                qs = qs.none()
        elif typed:
            qs = qs.filter(receipt_number=int(typed.group(2)))
            if typed.group(1):
                qs = qs.filter(register__number=int(typed.group(1)))
        else:
            qs = qs.none()
    return qs.order_by("-completed_at")[:limit]

"""The two calls the register makes next to ``publish_display``: cart changed, sale done.

Both cost nothing when no runner in this process drives a pole display of the register (a set
lookup, no query); otherwise they build a frame and hand it to the display's worker after commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from kasse.peripherals import bus
from kasse.peripherals.frames import Frame, cart_frame, done_frame
from kasse.tenancy.models import Register


def _show_after_commit(register: Register, frame: Frame) -> None:
    register_id = register.pk
    transaction.on_commit(lambda: bus.show(register_id, frame))


def show_cart_on_pole(register: Register, view: Any) -> None:
    """The cart of ``register`` changed (``view`` is its ``CartView``)."""
    if not bus.has_display(register.pk):
        return
    _show_after_commit(register, cart_frame(view, register.organization.language))


def show_sale_on_pole(register: Register, sale: Any, change: Decimal) -> None:
    """The sale is paid: thanks and the change."""
    if not bus.has_display(register.pk):
        return
    _show_after_commit(register, done_frame(sale.total, change, register.organization.language))

"""Sales for back-office tests: a store with a register and an open shift, and sales at chosen moments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import open_shift
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, ProductFactory, RegisterFactory, StoreFactory
from kasse.testing.history import rewriting_history


@dataclass
class Till:
    """A store, one of its registers with an open shift, and its cashier."""

    store: Any
    register: Any
    cashier: Any

    def sell(
        self,
        variant: Any,
        quantity: str | int = 1,
        *,
        at: datetime.datetime | None = None,
        method: str = "cash",
        paid: str | Decimal = "1000",
        customer: Any = None,
        barcode: str = "",
    ) -> Sale:
        """A completed sale of ``quantity`` × ``variant``; ``at``: when it completed (moved after the fact)."""
        with scope(organization=self.store.organization_id):
            sale = complete_sale(
                actor=Actor.system(),
                register=self.register,
                employee=self.cashier,
                cart=SaleInput(
                    id=uuid7(),
                    lines=[LineInput(variant.pk, Decimal(quantity), barcode=barcode)],
                    payments=[PaymentInput(method, Decimal(paid))],
                    customer_id=customer.pk if customer else None,
                ),
            )
        return _move(sale, at)

    def refund(self, sale: Sale, *, at: datetime.datetime | None = None) -> Sale:
        """Return every line of ``sale`` to its tender."""
        with scope(organization=self.store.organization_id):
            lines = [RefundLineInput(line.pk, line.quantity) for line in sale.lines.all()]
            refund = refund_sale(
                actor=Actor.system(),
                register=self.register,
                employee=self.cashier,
                original=sale,
                lines=lines,
                refund_id=uuid7(),
            )
        return _move(refund, at)


def _move(sale: Sale, at: datetime.datetime | None) -> Sale:
    if at is None:
        return sale
    with scopes_disabled(), rewriting_history("sales_sale"):
        Sale.objects.filter(pk=sale.pk).update(completed_at=at, started_at=at)
        return Sale.objects.select_related("store", "register").get(pk=sale.pk)


def till(organization: Any, store: Any = None, *, name: str = "") -> Till:
    """A register with an open shift (in ``store``, or a new store named ``name``) and its cashier."""
    store = store or StoreFactory(organization=organization, **({"name": name} if name else {}))
    register: Any = RegisterFactory(store=store, organization=organization)
    cashier: Any = EmployeeFactory(organization=organization, role=(store, Role.CASHIER))
    open_shift(actor=Actor.system(), register=register, employee=cashier, count={})
    return Till(store, register, cashier)


def product(organization: Any, **kwargs: Any) -> Any:
    """The one variant of a new product (``name``, ``price``, ``vat_class`` as :class:`ProductFactory`)."""
    with scopes_disabled():
        made: Any = ProductFactory(organization=organization, **kwargs)
        return made.variants.get()

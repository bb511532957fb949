"""Tenant-isolation cases for the stock (Bestand) and goods receipt pages."""

from __future__ import annotations

from typing import Any

from kasse.testing.factories import StoreFactory
from kasse.testing.isolation import IsolationCase


def _store(org: Any) -> dict[str, Any]:
    return {"store_id": StoreFactory(organization=org).pk}


def _receipt(org: Any) -> dict[str, Any]:
    from django.utils import timezone

    from kasse.inventory.models import GoodsReceipt, StockMovement, StockReason
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, ProductFactory

    store = StoreFactory(organization=org)
    employee = EmployeeFactory(organization=org, role=Role.OWNER)
    receipt = GoodsReceipt.objects.create(
        organization=org, store=store, number=1, booked_by=employee, booked_at=timezone.now()
    )
    variant = ProductFactory(organization=org).variants.get()
    StockMovement.objects.create(
        organization=org, store=store, variant=variant, delta=3, reason=StockReason.RECEIPT, goods_receipt=receipt
    )
    return {"receipt_id": receipt.pk}


def _product(org: Any) -> dict[str, Any]:
    from kasse.testing.factories import ProductFactory

    return {"product_id": ProductFactory(organization=org).pk}


CASES = [
    # Reorder levels of another organization's product: a 404 like a missing one, and nothing is written.
    # A product belongs to the organization: a store's manager sets its level for their store.
    IsolationCase("inventory:reorder-levels", _product, methods=("get", "post"), organization_wide=True),
    # Bestand of one store: another organization's or another store's is a 404 like a missing store.
    IsolationCase("inventory:stock-store", _store),
    IsolationCase(
        "inventory:goods-receipt-create",
        _store,
        methods=("get", "post"),
        data={"action": "book", "variant": [], "quantity": [], "code": "x"},
    ),
    IsolationCase("inventory:goods-receipt-detail", _receipt),
]

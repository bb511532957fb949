"""Tenant-isolation cases of the loyalty pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.customers.models import Customer
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase


def _customer(org: Organization) -> dict[str, Any]:
    customer = Customer.objects.create(organization=org, customer_number=10001, last_name="Fremd")
    return {"pk": customer.pk}


CASES = [
    IsolationCase(
        "loyalty:points-adjust",
        _customer,
        methods=("post",),
        data={"points": "100", "note": "x"},
        organization_wide=True,
    ),
    IsolationCase("loyalty:card-link-send", _customer, methods=("post",), organization_wide=True),
]

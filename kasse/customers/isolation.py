"""Tenant-isolation cases of the customer pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.customers.models import Customer
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase


def _customer(org: Organization) -> dict[str, Any]:
    customer = Customer.objects.create(organization=org, customer_number=10001, last_name="Fremd")
    return {"pk": customer.pk}


CASES = [
    IsolationCase("customers:customer-detail", _customer, organization_wide=True),
    IsolationCase(
        "customers:customer-edit",
        _customer,
        methods=("get", "post"),
        data={"last_name": "Geändert", "country": "DE"},
        organization_wide=True,
    ),
]

"""Tenant-isolation cases of the promotion pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.promotions.models import Promotion
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase


def _promotion(org: Organization) -> dict[str, Any]:
    promotion = Promotion.objects.create(organization=org, name="Fremd", kind="percent", percent=10)
    return {"pk": promotion.pk}


CASES = [
    IsolationCase(
        "promotions:promotion-edit",
        _promotion,
        methods=("get", "post"),
        data={
            "name": "Geändert",
            "kind": "percent",
            "percent": "20",
            "buy_quantity": "0",
            "get_quantity": "0",
            "bundle_size": "0",
            "priority": "0",
        },  # fmt: skip
        organization_wide=True,
    ),
]

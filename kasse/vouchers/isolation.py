"""Tenant-isolation cases of the gift-card pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.core.actors import Actor
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase
from kasse.vouchers.booking import new_voucher
from kasse.vouchers.services import create_voucher_type


def _type(org: Organization) -> dict[str, Any]:
    voucher_type = create_voucher_type(actor=Actor.system(), organization=org, name="Fremd", single_purpose=False)
    return {"pk": voucher_type.pk}


def _voucher(org: Organization) -> dict[str, Any]:
    voucher_type = create_voucher_type(actor=Actor.system(), organization=org, name="Fremd", single_purpose=False)
    voucher = new_voucher(org.pk, voucher_type, "FREMD00001", None)
    return {"pk": voucher.pk}


CASES = [
    IsolationCase("vouchers:voucher-detail", _voucher, organization_wide=True),
    IsolationCase(
        "vouchers:voucher-detail",
        _voucher,
        methods=("post",),
        data={"amount": "10", "note": "x"},
        organization_wide=True,
    ),
    IsolationCase("vouchers:type-toggle", _type, methods=("post",), organization_wide=True),
]

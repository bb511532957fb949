"""Tenant-isolation cases of the campaign pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.marketing.models import Campaign
from kasse.tenancy.models import Organization
from kasse.testing.isolation import IsolationCase


def _campaign(org: Organization) -> dict[str, Any]:
    campaign = Campaign.objects.create(organization=org, name="Fremd", subject="S", body="B")
    return {"pk": campaign.pk}


CASES = [
    IsolationCase("marketing:campaign-detail", _campaign, organization_wide=True),
    IsolationCase(
        "marketing:campaign-edit", _campaign, methods=("get", "post"), data={"name": "X"}, organization_wide=True
    ),
    IsolationCase("marketing:campaign-send", _campaign, methods=("post",), organization_wide=True),
]

"""Tenant-isolation cases of the report pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

import uuid
from typing import Any

from kasse.tenancy.models import Organization, Store
from kasse.testing.isolation import IsolationCase


def _store(org: Organization) -> dict[str, Any]:
    store = Store.objects.create(
        organization=org, name="Filiale R", number=47, street="Markt 1", postal_code="10115", city="Berlin"
    )
    return {"kind": "sales", "store_pk": store.pk}


FOREIGN_STORE = uuid.UUID("0190a000-0000-7000-8000-00000000a047")


def _chosen(org: Organization) -> dict[str, Any]:
    """A's store with a known id, asked for in ``?store=`` (the query cannot come from ``make``)."""
    Store.objects.create(
        id=FOREIGN_STORE,
        organization=org,
        name="Filiale S",
        number=48,
        street="Markt 2",
        postal_code="10115",
        city="Berlin",
    )
    return {"kind": "vat"}


CASES = [
    # All reports take ``?store=``: another organization's store is a 404 like a missing one.
    IsolationCase("reports:report-show", _chosen, data={"store": str(FOREIGN_STORE)}),
    # One store's report (page and downloads): only for a store the caller may see.
    IsolationCase("reports:report-store", _store),
    IsolationCase("reports:report-store", _store, data={"format": "xlsx"}),
]

"""Tenant-isolation cases of the bookkeeping pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.testing.isolation import IsolationCase


def _closed_shift(org: Any) -> dict[str, Any]:
    from kasse.register.isolation import _closed_shift as closed

    return closed(org)


def _export(org: Any) -> dict[str, Any]:
    from kasse.bookkeeping.models import SalesExport
    from kasse.testing.factories import StoreFactory, owner_user

    store = StoreFactory(organization=org)
    export = SalesExport.objects.create(
        organization=org,
        requested_by=owner_user(org),
        store_ids=[str(store.pk)],
        store_names=store.name,
        date_from="2026-01-01",
        date_to="2026-01-31",
        format="csv",
    )
    return {"export_id": export.pk}


CASES = [
    IsolationCase("bookkeeping:export-progress", _export),
    IsolationCase("bookkeeping:export-download", _export),
    IsolationCase("bookkeeping:z-report-detail", _closed_shift),
    IsolationCase("bookkeeping:z-report-pdf", _closed_shift),
    IsolationCase("bookkeeping:z-report-reprint", _closed_shift, methods=("post",)),
]

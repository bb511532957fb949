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


def _store(org: Any) -> dict[str, Any]:
    from kasse.testing.factories import StoreFactory

    return {"store_id": StoreFactory(organization=org).pk}


def _month(org: Any) -> dict[str, Any]:
    return {**_store(org), "year": 2026, "month": 11}


def _entry(org: Any) -> dict[str, Any]:
    from kasse.bookkeeping.models import CashBookEntry
    from kasse.testing.factories import StoreFactory, owner_user

    entry = CashBookEntry.objects.create(
        organization=org,
        store=StoreFactory(organization=org),
        day="2026-11-02",
        category="purchase",
        amount=-5,
        text="Filter",
        entered_by=owner_user(org),
    )
    return {"entry_id": entry.pk}


CASES = [
    IsolationCase(
        "bookkeeping:cash-book-entry",
        _store,
        methods=("post",),
        data={"day": "2026-11-02", "category": "other", "amount": "5", "text": "x"},
    ),
    IsolationCase("bookkeeping:cash-book-correct", _entry, methods=("post",), data={"amount": "1", "text": "x"}),
    IsolationCase("bookkeeping:cash-book-csv", _month),
    IsolationCase("bookkeeping:cash-book-pdf", _month),
    IsolationCase("bookkeeping:export-progress", _export),
    IsolationCase("bookkeeping:export-download", _export),
    IsolationCase("bookkeeping:z-report-detail", _closed_shift),
    IsolationCase("bookkeeping:z-report-pdf", _closed_shift),
    IsolationCase("bookkeeping:z-report-reprint", _closed_shift, methods=("post",)),
]

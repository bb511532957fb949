"""Tenant-isolation cases of the bookkeeping pages (see kasse/testing/isolation.py)."""

from __future__ import annotations

from typing import Any

from kasse.testing.isolation import IsolationCase


def _closed_shift(org: Any) -> dict[str, Any]:
    from kasse.register.isolation import _closed_shift as closed

    return closed(org)


CASES = [
    IsolationCase("bookkeeping:z-report-detail", _closed_shift),
    IsolationCase("bookkeeping:z-report-pdf", _closed_shift),
    IsolationCase("bookkeeping:z-report-reprint", _closed_shift, methods=("post",)),
]

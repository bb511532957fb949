"""Tenant-isolation cases for the receipt journal's pages (the journal itself takes no id: its
store filter is a choice of the user's own stores, tested in ``tests/test_journal.py``)."""

from __future__ import annotations

from typing import Any

from kasse.testing.isolation import IsolationCase


def _sale(org: Any) -> dict[str, Any]:
    from kasse.register.isolation import _sale as register_sale

    return register_sale(org)


CASES = [
    IsolationCase("sales:receipt-detail", _sale),
    IsolationCase("sales:receipt-pdf", _sale),
    IsolationCase("sales:receipt-email", _sale, methods=("post",), data={"email": "someone@example.org"}),
]

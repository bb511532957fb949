"""Tenant-isolation cases for the sync back-office pages with ids (store nodes, anomalies, conflicts)."""

from __future__ import annotations

import uuid
from typing import Any

from django_scopes import scopes_disabled

from kasse.sync.models import AnomalyKind, StoreNode, SyncAnomaly, SyncConflict
from kasse.testing.factories import StoreFactory
from kasse.testing.isolation import IsolationCase


def _store(org: Any) -> dict[str, Any]:
    return {"store_id": StoreFactory(organization=org).pk}


def _node(org: Any) -> StoreNode:
    with scopes_disabled():
        return StoreNode.objects.create(
            organization=org,
            store=StoreFactory(organization=org),
            name="Laden-PC",
            token_digest=uuid.uuid4().hex,
            customer_number_base=1_000_000,
        )


def _node_id(org: Any) -> dict[str, Any]:
    return {"node_id": _node(org).pk}


def _anomaly(org: Any) -> dict[str, Any]:
    with scopes_disabled():
        anomaly = SyncAnomaly.objects.create(
            organization=org,
            node=_node(org),
            kind=AnomalyKind.TOTALS,
            model="sales.Sale",
            object_id=str(uuid.uuid4()),
            detail={"total": "1.00", "lines": "2.00"},
        )
    return {"anomaly_id": anomaly.pk}


def _conflict(org: Any) -> dict[str, Any]:
    with scopes_disabled():
        conflict = SyncConflict.objects.create(
            organization=org,
            model="customers.Customer",
            object_id=str(uuid.uuid4()),
            field="email",
            kept_value="a@example.org",
            kept_clock="1764400000000-00000-cloud",
            lost_value="b@example.org",
            lost_clock="1764399999000-00000-node",
        )
    return {"conflict_id": conflict.pk}


CASES = [
    IsolationCase("sync-backoffice:pairing-code", _store, methods=("post",)),
    IsolationCase("sync-backoffice:node-revoke", _node_id, methods=("post",)),
    IsolationCase("sync-backoffice:anomaly-resolve", _anomaly, methods=("post",)),
    IsolationCase("sync-backoffice:anomaly-release", _anomaly, methods=("post",)),
    IsolationCase("sync-backoffice:conflict-seen", _conflict, methods=("post",)),
]

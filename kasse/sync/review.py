"""The owner's review of what sync flagged: anomalies resolved, customer conflicts seen."""

from __future__ import annotations

from django.utils import timezone

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.sync.models import SyncAnomaly, SyncConflict


@tenant_service
def resolve_anomaly(*, actor: Actor, anomaly: SyncAnomaly) -> SyncAnomaly:
    """Mark an anomaly as dealt with. The sale and the anomaly stay as they were received."""
    if anomaly.resolved_at is None:
        anomaly.resolved_at = timezone.now()
        anomaly.save(update_fields=["resolved_at", "updated_at"])
        log_action(anomaly.organization_id, actor, "sync.anomaly.resolved", anomaly,
                   {"kind": anomaly.kind, "object_id": anomaly.object_id})
    return anomaly


@tenant_service
def mark_conflict_seen(*, actor: Actor, conflict: SyncConflict) -> SyncConflict:
    """The owner has seen which value of a concurrently edited field was kept."""
    if conflict.seen_at is None:
        conflict.seen_at = timezone.now()
        conflict.save(update_fields=["seen_at", "updated_at"])
        log_action(conflict.organization_id, actor, "sync.conflict.seen", conflict,
                   {"object_id": conflict.object_id, "field": conflict.field})
    return conflict

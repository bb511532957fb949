"""The owner's review of what sync flagged: anomalies resolved, quarantined sales released, customer
conflicts seen."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.sync.engine.registry import BY_LABEL
from kasse.sync.models import StoreNode, SyncAnomaly, SyncConflict


@tenant_service
def resolve_anomaly(*, actor: Actor, anomaly: SyncAnomaly) -> SyncAnomaly:
    """Mark an anomaly as dealt with. The sale and the anomaly stay as they were received."""
    if anomaly.resolved_at is None:
        anomaly.resolved_at = timezone.now()
        anomaly.save(update_fields=["resolved_at", "updated_at"])
        log_action(
            anomaly.organization_id,
            actor,
            "sync.anomaly.resolved",
            anomaly,
            {"kind": anomaly.kind, "object_id": anomaly.object_id},
        )
    return anomaly


@tenant_service
def release_quarantined_sale(*, actor: Actor, anomaly: SyncAnomaly) -> Any:
    """Book a record quarantined for the owner's review, by its table's ``release`` rule (a sale whose
    receipt number was used twice: :func:`kasse.sales.syncing.release_sale`); returns what was booked.

    The record is stored as received except where the rule books it differently; the anomaly keeps the
    record as received and what the rule adds to its detail, the audit log says who released it when, and
    the store's node is told that positions moved (it continues after what was booked).
    """
    from kasse.sync.cloud.ingest import Ingestor

    with transaction.atomic():
        anomaly = SyncAnomaly.objects.select_for_update(of=("self",)).select_related("node").get(pk=anomaly.pk)
        spec = BY_LABEL.get(anomaly.model)
        if spec is None or spec.release is None or not anomaly.payload or anomaly.resolved_at is not None:
            raise ValidationError(_("Only an open anomaly of a receipt number used twice can be released."))
        if anomaly.node is None:
            raise ValidationError(_("The store node that sent this sale no longer exists; it cannot be released."))
        released = spec.release(copy.deepcopy(anomaly.payload), anomaly.object_id)
        record: Any = released.record
        result = Ingestor(anomaly.node, [record]).run().get(record.get("id"), {})
        if result.get("status") not in {"ok", "duplicate"}:
            raise ValidationError(
                _("The sale could not be booked: %(detail)s")
                % {"detail": result.get("detail") or result.get("status") or "?"}
            )
        anomaly.resolved_at = timezone.now()
        anomaly.detail = {**anomaly.detail, **released.detail}
        anomaly.save(update_fields=["resolved_at", "detail", "updated_at"])
        StoreNode.objects.filter(store_id=released.store_id, revoked_at__isnull=True).update(positions_moved=True)
        log_action(anomaly.organization_id, actor, "sync.anomaly.released", anomaly, released.audit)
    return released.booked


@tenant_service
def mark_conflict_seen(*, actor: Actor, conflict: SyncConflict) -> SyncConflict:
    """The owner has seen which value of a concurrently edited field was kept."""
    if conflict.seen_at is None:
        conflict.seen_at = timezone.now()
        conflict.save(update_fields=["seen_at", "updated_at"])
        log_action(
            conflict.organization_id,
            actor,
            "sync.conflict.seen",
            conflict,
            {"object_id": conflict.object_id, "field": conflict.field},
        )
    return conflict

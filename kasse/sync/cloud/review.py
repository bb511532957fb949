"""The owner's review of what sync flagged: anomalies resolved, quarantined sales released, customer
conflicts seen."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.sync.models import AnomalyKind, StoreNode, SyncAnomaly, SyncConflict


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
def release_quarantined_sale(*, actor: Actor, anomaly: SyncAnomaly) -> int:
    """Book a sale quarantined for a receipt number already used on its register, after the owner's review.

    The sale happened (it was paid and printed), so it belongs in the books; its printed number belongs to
    another sale there. GoBD asks for complete, unaltered and traceable records, and a register's numbers
    must stay unique: the sale is booked with every row as received under the register's next free number,
    and the link between the printed and the booked number is kept for ever (the anomaly keeps the record
    as received, with ``printed_number`` and ``booked_number``; the audit log says who released it when).
    The store node is told to continue its numbering after the booked number. Returns the booked number.
    """
    from kasse.sales.models import Sale
    from kasse.sync.cloud.ingest import Ingestor
    from kasse.tenancy.models import Register

    with transaction.atomic():
        anomaly = SyncAnomaly.objects.select_for_update(of=("self",)).select_related("node").get(pk=anomaly.pk)
        if anomaly.kind != AnomalyKind.NUMBER_CLASH or not anomaly.payload or anomaly.resolved_at is not None:
            raise ValidationError(_("Only an open anomaly of a receipt number used twice can be released."))
        if anomaly.node is None:
            raise ValidationError(_("The store node that sent this sale no longer exists; it cannot be released."))
        record = copy.deepcopy(anomaly.payload)
        sale_row = next((values for table, values, *_meta in record.get("rows", [])
                         if table == "sales.Sale" and values.get("id") == anomaly.object_id), None)
        if sale_row is None:
            raise ValidationError(_("The kept record holds no sale; it cannot be released."))
        register = Register.objects.select_for_update().filter(pk=sale_row.get("register_id")).first()
        if register is None:
            raise ValidationError(_("The sale's register no longer exists; it cannot be released."))
        printed = sale_row.get("receipt_number")
        booked = (Sale.objects.filter(register=register).aggregate(n=Max("receipt_number"))["n"] or 0) + 1
        sale_row["receipt_number"] = booked
        result = Ingestor(anomaly.node, [record]).run().get(record.get("id"), {})
        if result.get("status") not in {"ok", "duplicate"}:
            raise ValidationError(_("The sale could not be booked: %(detail)s") % {
                "detail": result.get("detail") or result.get("status") or "?"})
        anomaly.resolved_at = timezone.now()
        anomaly.detail = {**anomaly.detail, "printed_number": printed, "booked_number": booked}
        anomaly.save(update_fields=["resolved_at", "detail", "updated_at"])
        StoreNode.objects.filter(store_id=register.store_id, revoked_at__isnull=True).update(positions_moved=True)
        log_action(anomaly.organization_id, actor, "sync.anomaly.released", anomaly,
                   {"sale": anomaly.object_id, "register": str(register.pk), "printed_number": printed,
                    "booked_number": booked})
    return booked


@tenant_service
def mark_conflict_seen(*, actor: Actor, conflict: SyncConflict) -> SyncConflict:
    """The owner has seen which value of a concurrently edited field was kept."""
    if conflict.seen_at is None:
        conflict.seen_at = timezone.now()
        conflict.save(update_fields=["seen_at", "updated_at"])
        log_action(conflict.organization_id, actor, "sync.conflict.seen", conflict,
                   {"object_id": conflict.object_id, "field": conflict.field})
    return conflict

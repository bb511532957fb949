"""Writing audit entries: call inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry


def log_action(
    organization: Any,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` (``app.thing.verb``) to ``obj``.

    ``organization`` is the organization or its id. On a store node the entry
    also goes into the outbox, in the same transaction.
    """
    from kasse.sync.engine.changes import record

    org = (
        {"organization": organization} if isinstance(organization, models.Model) else {"organization_id": organization}
    )
    entry = AuditEntry.objects.create(
        **org,
        action=action,
        actor_user=actor.user,
        actor_label=f"{actor.kind}:{actor.label}"[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )
    record("audit", [entry])
    return entry

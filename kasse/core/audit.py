"""Writing audit entries: call inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry


def store_of(obj: models.Model | None) -> Any:
    """The id of the store ``obj`` belongs to (a store itself, a row with a store, or a row of a register,
    shift or printer of one), else None: the entry concerns the whole organization."""
    if obj is None:
        return None
    if obj._meta.label == "tenancy.Store":
        return obj.pk
    store_id = getattr(obj, "store_id", None)
    if store_id is not None:
        return store_id
    for link in ("register", "shift", "printer"):
        if getattr(obj, f"{link}_id", None) is not None:
            return getattr(getattr(obj, link), "store_id", None)
    return None


def log_action(
    organization: Any,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    *,
    store: Any = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` (``app.thing.verb``) to ``obj``.

    ``organization`` is the organization or its id; ``store`` (a store or its id) is the store the action
    concerns, found from ``obj`` when not given (:func:`store_of`). On a store node the entry also goes into
    the outbox, in the same transaction.
    """
    from kasse.sync.engine.changes import record

    org = (
        {"organization": organization} if isinstance(organization, models.Model) else {"organization_id": organization}
    )
    entry = AuditEntry.objects.create(
        **org,
        action=action,
        actor_user_id=actor.user_id,
        actor_label=f"{actor.kind}:{actor.label}"[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
        store_id=getattr(store, "pk", store) if store is not None else store_of(obj),
    )
    record("audit", [entry])
    return entry

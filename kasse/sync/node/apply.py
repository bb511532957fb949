"""Writing rows from the cloud into a store node's replica: the snapshot and the feed.

Rows are upserted by primary key. Columns a node owns (``node_fields``) keep
the node's value once the row exists, links to tables that are not
replicated (``node_drops``, e.g. login users) are cleared, and a table with
its own ``apply`` rule (customers merged by hybrid clock, print jobs taken
only as a newer retry) stores its rows by that rule.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.db import OperationalError, connection, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django_scopes import scopes_disabled

import kasse
from kasse.sync.engine.protocol import error_text
from kasse.sync.engine.registry import BY_LABEL, SyncSpec, decode_row

log = logging.getLogger(__name__)


class IncompatibleRow(ValueError):
    """A row this version of kasse cannot store (unknown table or column)."""


def _spec(label: str) -> SyncSpec:
    spec = BY_LABEL.get(label)
    if spec is None:
        raise IncompatibleRow(f"unknown table {label!r}")
    return spec


def _decode(spec: SyncSpec, row: dict[str, Any]) -> dict[str, Any]:
    try:
        values = decode_row(spec.model, row)
    except KeyError as exc:
        raise IncompatibleRow(f"{spec.label}: unknown column {exc.args[0]!r}") from exc
    except ValueError as exc:  # a value this version refuses (the table's check)
        raise IncompatibleRow(str(exc)) from exc
    for name in spec.node_drops:
        if name in values:
            values[name] = None
    return values


def upsert_rows(label: str, rows: list[dict[str, Any]]) -> int:
    """Insert or update rows of one table on the node; returns how many were written."""
    spec = _spec(label)
    model = spec.model
    decoded = [_decode(spec, row) for row in rows]
    if spec.apply is not None:
        return spec.apply(decoded)
    with scopes_disabled():
        existing = set(model._default_manager.filter(pk__in=[v["id"] for v in decoded]).values_list("pk", flat=True))
    new = [model(**v) for v in decoded if v["id"] not in existing]
    if new:
        model._default_manager.bulk_create(new, batch_size=500)
    changed = [v for v in decoded if v["id"] in existing]
    if changed and not spec.immutable:
        columns = [
            f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname not in spec.node_fields
        ]
        objs = [model(**v) for v in changed]
        model._default_manager.bulk_update(objs, [_field_name(model, c) for c in columns], batch_size=500)
    return len(new) + (0 if spec.immutable else len(changed))


def _field_name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    return attname


def delete_row(label: str, object_id: str) -> None:
    model = _spec(label).model
    # Still referenced here (e.g. by a sale made offline)? Then it stays; harmless.
    with scopes_disabled(), contextlib.suppress(ProtectedError, RestrictedError):
        model._default_manager.filter(pk=object_id).delete()


def _apply_event(event: dict[str, Any]) -> str:
    if not isinstance(event, dict) or not isinstance(event.get("model"), str):
        raise IncompatibleRow("an event without a table")
    if event.get("deleted"):
        delete_row(event["model"], str(event.get("id")))
    else:
        row = event.get("row")
        if not isinstance(row, dict):
            raise IncompatibleRow(f"{event['model']}: the event has no row")
        upsert_rows(event["model"], [row])
    return str(event["model"])


def _apply_checked(event: dict[str, Any], check_references: bool) -> str:
    """Apply one event in a savepoint; with ``check_references`` its foreign keys are checked at once
    (a row may point to one that was set aside), not only at the commit."""
    with transaction.atomic():
        label = _apply_event(event)
        if check_references:
            spec = BY_LABEL[label]
            connection.check_constraints(table_names=[spec.model._meta.db_table])
    return label


def _cannot_apply(exc: Exception) -> bool:
    """Whether ``exc`` is about the event (set it aside), not about the database (fail the pull)."""
    return not isinstance(exc, OperationalError)


def apply_events(events: list[dict[str, Any]], *, set_aside: bool = False) -> set[str]:
    """Apply feed events in sequence order (call inside one transaction with the cursor update); returns
    the tables that changed.

    With ``set_aside`` an event that cannot be applied (unknown table or column, a value its column
    cannot take, a reference to a row that was set aside) is kept as a :class:`SetAsideEvent` and the
    others go on; a later event of the same row makes an older set-aside one obsolete. Without it, the
    first such event raises (the snapshot: all or nothing)."""
    from kasse.sync.models import SetAsideEvent

    applied: set[str] = set()
    if not set_aside:
        for event in events:
            applied.add(_apply_event(event))
        return applied
    careful = SetAsideEvent.objects.exists()  # rows may point to set-aside rows: check references per event
    for event in events:
        try:
            label = _apply_checked(event, careful)
        except Exception as exc:
            if not _cannot_apply(exc):
                raise
            _keep_aside(event, exc)
            careful = True
            continue
        applied.add(label)
        if careful:
            SetAsideEvent.objects.filter(model=label, object_id=str(event.get("id")), seq__lt=_seq(event)).delete()
    return applied


def _seq(event: Any) -> int:
    seq = event.get("seq") if isinstance(event, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def _keep_aside(event: Any, exc: Exception) -> None:
    from kasse.sync.models import SetAsideEvent

    event = event if isinstance(event, dict) else {}
    error = error_text(f"{type(exc).__name__}: {exc}")
    log.error("feed event #%s (%s %s) set aside: %s", event.get("seq"), event.get("model"), event.get("id"), error)
    SetAsideEvent.objects.update_or_create(
        seq=_seq(event),
        defaults={
            "model": str(event.get("model", ""))[:60],
            "object_id": str(event.get("id", ""))[:64],
            "deleted": bool(event.get("deleted")),
            "row": event.get("row"),
            "error": error,
            "version": kasse.__version__,
        },
    )


def retry_set_aside_events() -> tuple[int, int]:
    """Apply the set-aside feed events again, oldest first (after an upgrade, this version may take them);
    returns (applied, still set aside)."""
    from django.utils import timezone

    from kasse.sync.models import SetAsideEvent

    applied = 0
    with scopes_disabled(), transaction.atomic():
        for kept in list(SetAsideEvent.objects.order_by("seq")):
            event = {
                "seq": kept.seq,
                "model": kept.model,
                "id": kept.object_id,
                "deleted": kept.deleted,
                "row": kept.row,
            }
            try:
                _apply_checked(event, True)
            except Exception as exc:
                if not _cannot_apply(exc):
                    raise
                SetAsideEvent.objects.filter(pk=kept.pk).update(
                    error=error_text(f"{type(exc).__name__}: {exc}"),
                    version=kasse.__version__,
                    attempts=kept.attempts + 1,
                    last_attempt_at=timezone.now(),
                )
                continue
            kept.delete()
            applied += 1
        remaining = SetAsideEvent.objects.count()
    return applied, remaining

"""Publishing events: the one way a domain app says "this happened" to notifications and webhooks.

``publish`` is called by the service that made the change (and by a table's ``published`` sync rule for what
a store node uploads), inside the service's transaction. Nothing happens unless that transaction commits;
then one background task is enqueued (``tasks.dispatch_event``), which stores the event and fans it out.
A failure there is logged and never reaches the sale, refund or sync that published: the caller's work
is committed already, and ``robust`` on-commit callbacks swallow what they raise.

On a store node ``publish`` does nothing: the cloud publishes when the node's upload arrives, so each sale
is published once, where the integrators' endpoints and the owner's devices are known.

A node's upload publishes hundreds of sales at once: inside ``publishing_batch()`` (the sync ingestor runs in
one) the events of the batch are handed on together after the commit, so the notification centre finds its
recipients once per kind and store and one background task takes them all, instead of a task and a round of
recipient queries per sale (``kasse/sync/tests/test_ingest_queries.py`` pins it).
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasse.core.ids import uuid7

log = logging.getLogger(__name__)

# Events an integrator may subscribe a webhook endpoint to, with what the back office calls them.
WEBHOOK_EVENTS: dict[str, Any] = {
    "sale.completed": _("Sale completed"),
    "refund.created": _("Refund"),
    "shift.closed": _("Shift closed (Z report)"),
    "stock.low": _("Stock below its threshold"),
    "customer.created": _("Customer created"),
    "customer.updated": _("Customer changed"),
    "product.updated": _("Product changed"),
}
# Events only for the owner's notifications (the Übersicht's alerts), and the test event.
ALERT_EVENTS: dict[str, Any] = {
    "receipt.aborted": _("Receipt given up with items"),
    "alert.node_silent": _("Store node not heard from"),
    "alert.printer": _("Printer offline or out of paper"),
    "alert.tse_outage": _("TSE outage"),
    "alert.sync_anomaly": _("Sync anomaly"),
    "alert.customer_conflict": _("Customer conflict"),
    "webhook.endpoint_disabled": _("Webhook endpoint disabled"),
    "summary.daily": _("Daily summary after closing time"),
}
TEST_EVENT = "webhook.test"
ALL_EVENTS = {**WEBHOOK_EVENTS, **ALERT_EVENTS, TEST_EVENT: _("Test event")}


def _id(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "pk", value))


def publish(event: str, organization: Any, store: Any, payload: dict[str, Any]) -> None:
    """After the current transaction commits, publish ``event`` of ``organization`` (an object or id) in
    ``store`` (object, id or None for the whole organization) with ``payload`` (made JSON here: decimals
    and times become strings)."""
    if event not in ALL_EVENTS:
        raise ValueError(f"unknown event {event!r}")
    if settings.KASSE_ROLE == "store":
        return
    message = {
        "event_id": str(uuid7()),
        "kind": event,
        "organization_id": _id(organization),
        "store_id": _id(store),
        "payload": _as_json(payload),
        "occurred_at": None,
    }
    batch = _batch.get()
    if batch is not None:
        batch.add(message)
    else:
        message["occurred_at"] = timezone.now().isoformat()
        transaction.on_commit(functools.partial(_enqueue, [message]), robust=True)


_PLAIN = frozenset({str, int, bool, type(None)})
_TEXT = frozenset({str})


def _as_json(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as JSON gives it back (decimals, times, UUIDs as text), taken now. A payload of plain
    values (what the payload builders make of an uploaded row: hundreds per upload) is copied as it is."""
    if _PLAIN.issuperset(map(type, payload.values())) and _TEXT.issuperset(map(type, payload)):
        return dict(payload)
    return dict(json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))


class _Batch:
    """The messages published inside one ``publishing_batch()``, each kept only if what published it commits.

    Every message joins a group handed on by one on-commit callback; consecutive messages published under the
    same savepoints share a group (a node's upload publishes hundreds of sales in one transaction: one
    callback, not one per sale). A savepoint rolled back drops its groups' callbacks, and with them their
    messages, as Django drops any callback registered inside it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []  # what committed, in the order published
        self._group: list[dict[str, Any]] | None = None
        self._hand: Any = None
        self._savepoints: list[str] = []

    def add(self, message: dict[str, Any]) -> None:
        connection = transaction.get_connection()
        hooks = connection.run_on_commit
        if (
            connection.in_atomic_block
            and self._group is not None
            and hooks
            and hooks[-1][1] is self._hand
            and connection.savepoint_ids == self._savepoints
        ):
            self._group.append(message)
            return
        group = [message]
        self._group, self._hand = group, functools.partial(self.messages.extend, group)
        self._savepoints = list(connection.savepoint_ids)
        transaction.on_commit(self._hand, robust=True)


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("publishing_batch", default=None)


@contextmanager
def publishing_batch() -> Iterator[None]:
    """Hand on everything published inside this block together, after the commit of what it published.
    The events of a batch are published together: their ``occurred_at`` is that moment."""
    if _batch.get() is not None:  # nested: the outer batch hands it on
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    # Registered after every group's own callback, so it runs after they collected what committed.
    transaction.on_commit(functools.partial(_hand_on, batch.messages), robust=True)


def _hand_on(messages: list[dict[str, Any]]) -> None:
    if not messages:
        return
    now = timezone.now().isoformat()
    for message in messages:
        message["occurred_at"] = now
    _enqueue(messages)


def _enqueue(messages: list[dict[str, Any]]) -> None:
    from kasse.notifications.centre import notify_in_app
    from kasse.notifications.tasks import dispatch_events

    if not messages:
        return
    try:
        notify_in_app(messages)
    except Exception:  # the notification centre misses them, nothing else does
        log.exception("could not notify users of %s", _names(messages))
    try:
        # One JSON text, not the list: the task backend walks every value of its arguments to check that it
        # is JSON (a node's upload of 500 sales is about 100,000 values), a text is checked at once.
        dispatch_events.enqueue(json.dumps(messages, separators=(",", ":")))  # compact: it is stored twice over
    except Exception:  # the events are lost, the sales are not: say so in the log
        log.exception("could not enqueue event %s", _names(messages))


def _names(messages: list[dict[str, Any]]) -> str:
    shown = ", ".join(f"{m['kind']} {m['event_id']}" for m in messages[:3])
    return shown + (f" and {len(messages) - 3} more" if len(messages) > 3 else "")

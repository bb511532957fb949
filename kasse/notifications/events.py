"""Publishing events: the one way a domain app says "this happened" to notifications and webhooks.

``publish`` is called by the service that made the change (and by a table's ``published`` sync rule for what
a store node uploads), inside the service's transaction. Nothing happens unless that transaction commits;
then one background task is enqueued (``tasks.dispatch_event``), which stores the event and fans it out.
A failure there is logged and never reaches the sale, refund or sync that published: the caller's work
is committed already, and ``robust`` on-commit callbacks swallow what they raise.

On a store node ``publish`` does nothing: the cloud publishes when the node's upload arrives, so each sale
is published once, where the integrators' endpoints and the owner's devices are known.
"""

from __future__ import annotations

import functools
import json
import logging
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
    "alert.node_silent": _("Store node not heard from"),
    "alert.printer": _("Printer offline or out of paper"),
    "alert.tse_outage": _("TSE outage"),
    "alert.sync_anomaly": _("Sync anomaly"),
    "alert.customer_conflict": _("Customer conflict"),
    "webhook.endpoint_disabled": _("Webhook endpoint disabled"),
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
        "payload": json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
        "occurred_at": timezone.now().isoformat(),
    }
    transaction.on_commit(functools.partial(_enqueue, message), robust=True)


def _enqueue(message: dict[str, Any]) -> None:
    from kasse.notifications.centre import notify_in_app
    from kasse.notifications.tasks import dispatch_event

    try:
        notify_in_app(message)
    except Exception:  # the notification centre misses it, nothing else does
        log.exception("could not notify users of %s %s", message["kind"], message["event_id"])
    try:
        dispatch_event.enqueue(message)
    except Exception:  # the event is lost, the sale is not: say so in the log
        log.exception("could not enqueue event %s %s", message["kind"], message["event_id"])

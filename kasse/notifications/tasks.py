"""Background tasks of notifications (django-tasks; ``kasse worker`` runs them, docs/notifications.md)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task
from django_tasks.backends.base import BaseTaskBackend

from kasse.core.periodic import periodic_task
from kasse.notifications import delivery, sending
from kasse.notifications.outgoing import queue_outgoing
from kasse.notifications.services import accept_events

log = logging.getLogger(__name__)


@task()
def dispatch_events(messages: str | list[dict[str, Any]]) -> None:
    """Store published events and send what they cause (webhooks now; see docs/notifications.md). One task
    for all the events of a commit: a node's upload of hundreds of sales is one task, not hundreds. The
    events come as one JSON text (``events._enqueue``); a list is what tasks queued by an older version hold."""
    events: list[dict[str, Any]] = json.loads(messages) if isinstance(messages, str) else messages
    _stored, deliveries = accept_events(events)
    if deliveries:
        wake_deliveries()
    if queue_outgoing(events):
        wake_notifications()


def wake_deliveries() -> None:
    """Have ``deliver_webhooks`` run now, unless a run is queued already (a burst of sales queues one)."""
    if deliver_webhooks.get_backend().supports_defer and _queued_by(timezone.now()):
        return
    deliver_webhooks.enqueue()


@task()
def deliver_webhooks() -> int:
    """Send the due webhook deliveries, then schedule this task again for the next retry."""
    made = delivery.run_due()
    schedule_next_run()
    return made


def schedule_next_run() -> None:
    """Enqueue ``deliver_webhooks`` for when the next retry falls due, unless a run is queued by then."""
    due = delivery.next_due()
    backend: BaseTaskBackend = deliver_webhooks.get_backend()
    if due is None or not backend.supports_defer:
        return  # in tests (immediate backend) the test runs ``run_due`` itself at the time it wants
    if due <= timezone.now():
        wake_deliveries()
    elif not _queued_by(due):
        deliver_webhooks.using(run_after=due).enqueue()


def _queued_by(when: datetime, task_path: str | None = None) -> bool:
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    return DBTaskResult.objects.filter(
        Q(run_after=get_date_max()) | Q(run_after__lte=when),
        task_path=task_path or deliver_webhooks.module_path,
        status="READY",
    ).exists()


@task()
def deliver_notifications() -> int:
    """Send the due push and e-mail notifications, then schedule this task again for the next one due (a
    retry, or the end of someone's quiet hours)."""
    made = sending.run_due()
    due = sending.next_due()
    backend: BaseTaskBackend = deliver_notifications.get_backend()
    if due is not None and backend.supports_defer:
        if due <= timezone.now():
            wake_notifications()
        elif not _queued_by(due, deliver_notifications.module_path):
            deliver_notifications.using(run_after=due).enqueue()
    return made


def wake_notifications() -> None:
    """Have ``deliver_notifications`` run now, unless a run is queued already."""
    backend = deliver_notifications.get_backend()
    if backend.supports_defer and _queued_by(timezone.now(), deliver_notifications.module_path):
        return
    deliver_notifications.enqueue()


@periodic_task(every=timedelta(hours=6))
def forget_old_notifications() -> int:
    """Delete push and e-mail notifications that were finished (sent, given up, device gone) more than
    ``sending.KEEP`` ago: the settings page shows the recent problems, nothing reads older rows."""
    return sending.forget_finished()

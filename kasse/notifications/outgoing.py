"""Push and e-mail notifications: who gets which published event by which channel, and quiet hours.

``queue_outgoing`` runs in the background worker (``tasks.dispatch_events``), never in the request or sync
that published: it finds the users who want each event by push or e-mail (the same rules as the notification
centre: the capability in the store, the user's choice per store or for all stores, the minimum amount) and
writes one ``OutgoingNotification`` per push subscription and one per e-mail address. ``sending.run_due``
sends them.

Quiet hours: an event that arrives while a user's quiet hours last is held (the app still shows it at once)
and due when they end; then everything held for the same phone or address goes out as **one** summary
("While your quiet hours lasted: 3 notifications ..."), not as a burst of pushes at 7:00. That is what an
owner expects: to miss nothing and not to be woken by, or buried under, the night's news.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from kasse.notifications.centre import Wish, amount_passes, wishes
from kasse.notifications.models import (
    Channel,
    OutgoingNotification,
    OutgoingStatus,
    PushSubscription,
    QuietHours,
)
from kasse.tenancy.models import User


def quiet_until(starts: time, ends: time, time_zone: str, now: datetime) -> datetime | None:
    """When the quiet hours that ``now`` falls in end (UTC), or None outside them. ``ends`` earlier than
    ``starts`` runs over midnight; equal times mean no quiet hours."""
    if starts == ends:
        return None
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    if starts < ends:
        inside, day = starts <= moment < ends, local.date()
    else:
        inside = moment >= starts or moment < ends
        day = local.date() + timedelta(days=1) if moment >= starts else local.date()
    if not inside:
        return None
    return datetime.combine(day, ends, tzinfo=zone).astimezone(UTC)


def queue_outgoing(messages: list[dict[str, Any]]) -> int:
    """Write the push and e-mail notifications the published ``messages`` cause; returns how many."""
    made = 0
    now = timezone.now()
    by_organization: dict[Any, list[dict[str, Any]]] = {}
    for message in messages:
        by_organization.setdefault(message["organization_id"], []).append(message)
    for organization_id, theirs in by_organization.items():
        with scope(organization=organization_id), transaction.atomic():
            wanted: dict[tuple[Any, str], list[Wish]] = {}
            for message in theirs:
                key = (message["store_id"], message["kind"])
                if key not in wanted:
                    wanted[key] = [w for w in wishes(organization_id, *key) if w.push or w.email]
            users = {w.user_id for ws in wanted.values() for w in ws}
            if not users:
                continue
            subscriptions: dict[Any, list[PushSubscription]] = {}
            for sub in PushSubscription.objects.filter(
                organization_id=organization_id, user_id__in=users, expired_at__isnull=True
            ):
                subscriptions.setdefault(sub.user_id, []).append(sub)
            addresses = dict(User.objects.filter(pk__in=users).values_list("pk", "email"))
            quiet = {
                q.user_id: quiet_until(q.starts, q.ends, q.time_zone, now)
                for q in QuietHours.objects.filter(organization_id=organization_id, user_id__in=users)
            }
            rows: list[OutgoingNotification] = []
            for message in theirs:
                for wish in wanted[(message["store_id"], message["kind"])]:
                    if not amount_passes(message["kind"], message["payload"], wish.minimum):
                        continue
                    until = quiet.get(wish.user_id)
                    common = {
                        "organization_id": organization_id,
                        "user_id": wish.user_id,
                        "store_id": message["store_id"],
                        "event_id": message["event_id"],
                        "kind": message["kind"],
                        "payload": message["payload"],
                        "status": OutgoingStatus.HELD if until else OutgoingStatus.PENDING,
                        "held": until is not None,
                        "next_attempt_at": until or now,
                    }
                    if wish.push:
                        rows += [
                            OutgoingNotification(channel=Channel.PUSH, subscription=sub, **common)
                            for sub in subscriptions.get(wish.user_id, [])
                        ]
                    if wish.email and addresses.get(wish.user_id):
                        rows.append(OutgoingNotification(channel=Channel.EMAIL, **common))
            OutgoingNotification.objects.bulk_create(rows)
            made += len(rows)
    return made

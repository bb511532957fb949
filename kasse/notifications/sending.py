"""Sending due push and e-mail notifications (``tasks.deliver_notifications`` runs ``run_due``).

The calling thread does every database write: it takes due notifications (leased, ``skip_locked``, so two
workers never take the same one), renders each message in its user's language, hands the network work to a
pool of threads that touch no database, and writes each result as it comes back. A push service or mail
server that is down or hangs costs its own messages a retry, never a sale, a sync or another user's message:
nothing here runs in a request, and one slow host ties up one thread for its timeout.

Outcomes (docs/notifications.md): sent; a push subscription the push service ended (404/410) is marked
expired with the reason, shown on the user's settings page, and never sent to again; a failure that may pass
(network, timeout, 429, 5xx, a mail server's 4xx) is retried with the webhooks' backoff for 24 hours; a refusal
for good (the push service's 400/401/403/413, a mail server's 5xx, an endpoint that is not a public address)
is given up at once. Held notifications (quiet hours) for one device or address go out as one summary.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from kasse.notifications import webpush
from kasse.notifications.centre import describe
from kasse.notifications.delivery import retry_delay
from kasse.notifications.models import (
    Channel,
    Notification,
    OutgoingNotification,
    OutgoingStatus,
    PushSubscription,
)
from kasse.tenancy.models import Store, User

log = logging.getLogger(__name__)

BATCH = 200
THREADS = 16
LEASE = timedelta(minutes=2)
RETRY_FOR = timedelta(hours=24)
DUE = (OutgoingStatus.PENDING, OutgoingStatus.HELD, OutgoingStatus.RETRYING)
SUMMARY_LINES = 20
KEEP = timedelta(days=30)
FINISHED = (OutgoingStatus.SENT, OutgoingStatus.FAILED, OutgoingStatus.EXPIRED)
DAILY = "summary.daily"


class Permanent(Exception):
    """Trying again would not help."""


class Temporary(Exception):
    """Worth trying again later."""


@dataclass
class _Job:
    rows: list[OutgoingNotification]
    send: Callable[[], None] = field(repr=False)
    subscription: PushSubscription | None = None


def run_due(now: datetime | None = None) -> int:
    """Send what is due now; returns how many notifications were sent."""
    now = now or timezone.now()
    with scopes_disabled():
        with transaction.atomic():
            rows = list(
                OutgoingNotification.objects.select_for_update(skip_locked=True)
                .filter(status__in=DUE, next_attempt_at__lte=now)
                .order_by("next_attempt_at")[:BATCH]
            )
            OutgoingNotification.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + LEASE)
        if not rows:
            return 0
        jobs = _jobs(rows)
        sent = 0
        started = timezone.now()
        with ThreadPoolExecutor(max_workers=min(THREADS, len(jobs))) as pool:
            futures = [(job, pool.submit(job.send)) for job in jobs]
            for job, future in futures:
                error = future.exception()
                _record(job, error, now + (timezone.now() - started))  # the run's clock (tests move it)
                sent += len(job.rows) if error is None else 0
    return sent


def forget_finished(now: datetime | None = None) -> int:
    """Delete finished notifications created more than ``KEEP`` ago; how many."""
    cutoff = (now or timezone.now()) - KEEP
    with scopes_disabled():
        return OutgoingNotification.objects.filter(status__in=FINISHED, created_at__lt=cutoff).delete()[0]


def next_due() -> datetime | None:
    with scopes_disabled():
        row = OutgoingNotification.objects.filter(status__in=DUE).order_by("next_attempt_at").first()
    return row.next_attempt_at if row else None


def _jobs(rows: list[OutgoingNotification]) -> list[_Job]:
    groups: dict[tuple[Any, ...], list[OutgoingNotification]] = {}
    for row in rows:
        # Held ones for one device or address go out together; a daily summary always as itself.
        together = row.held and row.kind != DAILY
        key = (row.user_id, row.channel, row.subscription_id, "held") if together else (row.pk,)
        groups.setdefault(key, []).append(row)
    users = {u.pk: u for u in User.objects.filter(pk__in={r.user_id for r in rows})}
    subscriptions = {
        s.pk: s for s in PushSubscription.objects.filter(pk__in={r.subscription_id for r in rows if r.subscription_id})
    }
    stores = dict(Store.objects.filter(pk__in={r.store_id for r in rows if r.store_id}).values_list("pk", "name"))
    jobs = []
    for group in groups.values():
        user = users[group[0].user_id]
        with translation.override(user.language or settings.LANGUAGE_CODE):
            lines = [_line(row, stores) for row in group]
            if group[0].channel == Channel.PUSH:
                sub = subscriptions[group[0].subscription_id]  # type: ignore[index]  # push rows have one
                jobs.append(_Job(group, _push_sender(sub, group, lines), sub))
            else:
                jobs.append(_Job(group, _mail_sender(user, group, lines)))
    return jobs


def _line(row: OutgoingNotification, stores: dict[Any, str]) -> str:
    text = describe(Notification(kind=row.kind, payload=row.payload))
    name = stores.get(row.store_id)
    return f"{name}: {text}" if name and row.kind != DAILY else text


def _title(group: list[OutgoingNotification], lines: list[str]) -> str:
    if group[0].held and group[0].kind != DAILY:
        return ngettext(
            "%(count)d notification during your quiet hours",
            "%(count)d notifications during your quiet hours",
            len(lines),
        ) % {"count": len(lines)}
    return lines[0]


def _push_sender(sub: PushSubscription, group: list[OutgoingNotification], lines: list[str]) -> Callable[[], None]:
    payload: dict[str, Any] = {"icon": static("kasse/icons/icon-192.png"), "badge": static("kasse/icons/badge-96.png")}
    if group[0].held and group[0].kind != DAILY:
        payload |= {"title": _title(group, lines), "body": "\n".join(lines[:5]), "url": "/notifications/"}
    else:
        payload |= {"title": "kasse", "body": lines[0], "url": "/notifications/", "tag": str(group[0].event_id)}
    target = webpush.Subscription(sub.endpoint, sub.p256dh, sub.auth)
    timeout = settings.KASSE_WEBHOOKS_READ_TIMEOUT
    return lambda: _push(target, payload, timeout)


def _push(target: webpush.Subscription, payload: dict[str, Any], timeout: float) -> None:
    webpush.send(target, payload, read_timeout=timeout)


def _mail_sender(user: User, group: list[OutgoingNotification], lines: list[str]) -> Callable[[], None]:
    base = settings.PUBLIC_URL.rstrip("/")
    context = {
        "title": _title(group, lines),
        "lines": lines[:SUMMARY_LINES],
        "more": max(0, len(lines) - SUMMARY_LINES),
        "summary": group[0].held,
        "centre_url": f"{base}/notifications/",
        "settings_url": f"{base}/notifications/settings/",
    }
    template = "notifications/email/notification"
    if group[0].kind == DAILY:
        template = "notifications/email/daily_summary"
        context |= daily_context(group[0].payload)
        context["title"] = lines[0]
    message = EmailMultiAlternatives(
        subject=f"kasse: {context['title']}"[:200],
        body=render_to_string(f"{template}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return lambda: _mail(message)


def daily_context(p: dict[str, Any]) -> dict[str, Any]:
    """The daily summary's table for its e-mail: each figure today, on the same weekday last week, the change."""

    def money(value: Any) -> str:
        return f"{formats.localize(Decimal(str(value or '0')).quantize(Decimal('0.01')))} €"

    def number(value: Any) -> str:
        return str(formats.localize(Decimal(str(value or "0")).normalize()))

    names = [
        ("gross", _("Revenue"), money),
        ("net", _("Revenue without VAT"), money),
        ("receipts", _("Receipts"), number),
        ("average_basket", _("Average basket"), money),
        ("items", _("Items sold"), number),
        ("returns", _("Returns"), number),
        ("returns_amount", _("Returned amount"), money),
    ]
    rows = [
        {
            "label": label,
            "today": show(p.get(name)),
            "last_week": show(p.get(f"{name}_last_week")),
            "change": f"{int(p[f'{name}_change']):+d} %" if p.get(f"{name}_change") is not None else "–",
        }
        for name, label, show in names
    ]
    top = [
        {"name": t["name"], "quantity": number(t["quantity"]), "revenue": money(t["revenue"])}
        for t in p.get("top_products", [])
    ]
    return {
        "rows": rows,
        "top": top,
        "store": p.get("store"),
        "cash_differences": p.get("cash_differences") or 0,
        "cash_difference_total": money(p.get("cash_difference_total")),
    }


def _mail(message: EmailMultiAlternatives) -> None:
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        if codes and min(codes) >= 500:
            raise Permanent(f"the mail server refused the address: {exc.recipients}") from exc
        raise Temporary(f"the mail server deferred the address: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise Permanent(f"the mail server refused the message: {exc.smtp_code} {exc.smtp_error!r}") from exc
        raise


def _record(job: _Job, error: BaseException | None, now: datetime) -> None:
    ids = [r.pk for r in job.rows]
    rows = OutgoingNotification.objects.filter(pk__in=ids)
    sub = job.subscription
    with transaction.atomic():
        if error is None:
            rows.update(status=OutgoingStatus.SENT, sent_at=now, error="", attempts=job.rows[0].attempts + 1)
            if sub is not None:
                PushSubscription.objects.filter(pk=sub.pk).update(last_success_at=now, last_error="")
            return
        message = f"{type(error).__name__}: {error}"[:300] if not str(error) else str(error)[:300]
        log.warning("notification %s by %s failed: %s", ids[0], job.rows[0].channel, message)
        if isinstance(error, webpush.Gone) and sub is not None:
            PushSubscription.objects.filter(pk=sub.pk).update(expired_at=now, last_error=message)
            OutgoingNotification.objects.filter(subscription=sub, status__in=DUE).update(
                status=OutgoingStatus.EXPIRED, error=message
            )
            rows.update(status=OutgoingStatus.EXPIRED, error=message, attempts=job.rows[0].attempts + 1)
            return
        if sub is not None:
            PushSubscription.objects.filter(pk=sub.pk).update(last_error=message)
        first = job.rows[0].first_attempt_at or now
        attempts = job.rows[0].attempts + 1
        give_up = isinstance(error, Permanent | webpush.Refused) or now - first >= RETRY_FOR
        rows.update(
            status=OutgoingStatus.FAILED if give_up else OutgoingStatus.RETRYING,
            attempts=attempts,
            first_attempt_at=first,
            next_attempt_at=now if give_up else now + retry_delay(attempts),
            error=message,
        )

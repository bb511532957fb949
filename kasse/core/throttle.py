"""Limits on guessable things (back-office logins, pairing codes, receipt e-mails), shared by all workers.

Attempts are rows in the database (:class:`kasse.core.models.Attempt`), so
several worker processes, with or without Redis, count the same attempts. A
key is refused while it has ``limit`` attempts within ``window``; the refusal
lifts as the oldest attempt leaves the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from kasse.core.models import Attempt

KEEP = timedelta(days=1)  # longer than every window below


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` attempts per key within ``window``."""

    scope: str
    limit: int
    window: timedelta

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may now."""
        since = timezone.now() - self.window
        times = list(
            Attempt.objects.filter(scope=self.scope, key=key[:200], at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[: self.limit]
        )
        if len(times) < self.limit:
            return 0
        free_at = times[-1] + self.window
        return max(1, math.ceil((free_at - timezone.now()).total_seconds()))

    def blocked(self, key: str) -> bool:
        return self.retry_after(key) > 0

    def note(self, key: str) -> bool:
        """Count one attempt; returns whether the key has just reached its limit."""
        now = timezone.now()
        Attempt.objects.create(scope=self.scope, key=key[:200], at=now)
        Attempt.objects.filter(scope=self.scope, key=key[:200], at__lt=now - KEEP).delete()
        return Attempt.objects.filter(scope=self.scope, key=key[:200], at__gt=now - self.window).count() == self.limit

    def clear(self, key: str) -> None:
        Attempt.objects.filter(scope=self.scope, key=key[:200]).delete()


def client_address(request: HttpRequest) -> str:
    """The address a request came from (``REMOTE_ADDR``; a proxy in front must set it, e.g. uvicorn's
    ``--proxy-headers`` with ``--forwarded-allow-ips``)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


# Failed pairing-code redemptions per address (registers, customer displays and store nodes alike).
PAIRING = Limit("pairing", 10, timedelta(minutes=15))

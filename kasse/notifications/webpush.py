"""Sending one Web Push message: encrypted to the browser's keys, signed with our VAPID key, posted to its push
service through the same guarded client as webhooks.

``pywebpush`` encrypts the payload (RFC 8291, ``aes128gcm`` of RFC 8188) and ``py_vapid`` (which it brings)
signs the VAPID JWT (RFC 8292, ``Authorization: vapid t=…, k=…``); the request itself goes through
``outbound.post``, so a subscription's endpoint, which the browser chose and a user could forge, is held to
the rules for URLs that others typed in (public addresses only, checked at connect time, timeouts, a read
limit; loopback only where ``KASSE_WEBHOOKS_ALLOW_LOOPBACK`` allows it).
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPusher

from kasse.notifications import outbound, vapid

TTL = 24 * 3600  # a phone that is off gets the push within a day, else the push service drops it
JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours


class Gone(Exception):
    """The push service says the subscription no longer exists (404 or 410): never send to it again."""


class Failed(Exception):
    """This attempt failed (network, timeout, 429, 5xx ...); worth trying again later."""


class Refused(Exception):
    """The endpoint may not be called, or the push service refused the request for good (400, 401, 403,
    413): trying again would not help."""


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


def contact() -> str:
    """The ``sub`` claim: how a push service's operator reaches us (RFC 8292 section 2.1)."""
    sender = settings.DEFAULT_FROM_EMAIL
    address = sender.split("<", 1)[-1].rstrip(">").strip() if "<" in sender else sender.strip()
    return f"mailto:{address}"


def request_for(subscription: Subscription, payload: dict[str, Any], *, urgency: str = "normal") -> tuple[bytes, dict]:
    """The encrypted body and the headers of one push (separate from sending, so tests can look at them)."""
    data = json.dumps(payload, separators=(",", ":")).encode()
    pusher = WebPusher(
        {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    )
    body = bytes(pusher.encode(data, "aes128gcm")["body"])
    parts = urlsplit(subscription.endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": int(time.time()) + JWT_LIFETIME, "sub": contact()}
    signer = Vapid02.from_pem(vapid.private_pem())
    headers = {str(k): str(v) for k, v in signer.sign(claims).items()}
    headers.update(
        {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL),
            "Urgency": urgency,
        }
    )
    return body, headers


def send(subscription: Subscription, payload: dict[str, Any], *, read_timeout: float = 10.0) -> int:
    """Deliver ``payload`` (JSON) to one subscription; returns the push service's status (201 as a rule).
    Raises ``Gone``, ``Failed`` or ``Refused`` as above."""
    body, headers = request_for(subscription, payload)
    try:
        answer = outbound.post(
            subscription.endpoint,
            body,
            headers,
            allow_loopback=settings.KASSE_WEBHOOKS_ALLOW_LOOPBACK,
            read_timeout=read_timeout,
            body_limit=4096,
        )
    except outbound.Refused as exc:
        raise Refused(str(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise Failed(f"{type(exc).__name__}: {exc}"[:300]) from exc
    excerpt = answer.body[:200].decode(errors="replace")
    if answer.status in (404, 410):
        raise Gone(f"{answer.status} {excerpt}".strip())
    if 200 <= answer.status < 300:
        return answer.status
    if answer.status in (400, 401, 403, 413):
        raise Refused(f"{answer.status} {excerpt}".strip())
    raise Failed(f"{answer.status} {excerpt}".strip())

"""A user's push subscriptions and quiet hours: the writes behind the settings page's device list."""

from __future__ import annotations

import base64
import binascii
from datetime import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.notifications import outbound
from kasse.notifications.models import PushSubscription, QuietHours

MAX_DEVICES = 20


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(text) from exc


def clean_subscription(data: Any) -> tuple[str, str, str]:
    """``(endpoint, p256dh, auth)`` of a browser's ``PushSubscription.toJSON()``, or a translated
    ``ValidationError``: an https push service (http only on loopback where tests allow it) at a public
    address, a P-256 public key and a 16-byte secret."""
    invalid = ValidationError(_("This browser sent a push subscription that cannot be used."))
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise invalid
    endpoint, p256dh, auth = data.get("endpoint"), data["keys"].get("p256dh"), data["keys"].get("auth")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        raise invalid
    if not (endpoint and p256dh and auth) or len(endpoint) > 1000:
        raise invalid
    loopback = settings.KASSE_WEBHOOKS_ALLOW_LOOPBACK
    try:
        scheme, host, _port, _address = outbound.check_url(endpoint, allow_loopback=loopback, resolve=False)
        if scheme != "https" and not (loopback and host in {"127.0.0.1", "::1", "localhost"}):
            raise outbound.Refused("push services are https")
        key = _b64url(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
        if len(key) != 65 or len(_b64url(auth)) != 16:
            raise ValueError("key sizes")
    except (outbound.Refused, ValueError) as exc:
        raise invalid from exc
    return endpoint, p256dh, auth


def save_push_subscription(*, user: Any, organization: Any, data: Any, label: str = "") -> PushSubscription:
    """Keep (or renew) a browser's subscription for ``user`` in ``organization``. Only the user adds their
    own devices (no audit entry: nothing of the shop's books changes)."""
    endpoint, p256dh, auth = clean_subscription(data)
    with scope(organization=organization), transaction.atomic():
        mine = PushSubscription.objects.filter(user=user, organization=organization)
        if not mine.filter(endpoint=endpoint).exists() and mine.count() >= MAX_DEVICES:
            raise ValidationError(
                _("You can receive push notifications on at most %(n)d devices.") % {"n": MAX_DEVICES}
            )
        sub, _created = PushSubscription.objects.update_or_create(
            user=user,
            organization=organization,
            endpoint=endpoint,
            defaults={"p256dh": p256dh, "auth": auth, "label": label[:120], "expired_at": None, "last_error": ""},
        )
    return sub


def replace_push_subscription(
    *, user: Any, organization: Any, old_endpoint: str | None, data: Any, label: str = ""
) -> PushSubscription:
    """The service worker's answer to ``pushsubscriptionchange``: the push service renewed (or dropped) the
    browser's subscription, the worker subscribed again; the new one takes the old one's place (and its name)
    in one transaction. Without ``old_endpoint`` (a browser that does not say which one changed) the new one is
    kept and the old one stays until the push service answers 410 for it (then it is marked expired)."""
    clean_subscription(data)
    with scope(organization=organization), transaction.atomic():
        old = None
        if old_endpoint and old_endpoint != data["endpoint"]:
            old = PushSubscription.objects.filter(user=user, organization=organization, endpoint=old_endpoint).first()
        if old is not None:
            label = old.label or label
            old.delete()
        return save_push_subscription(user=user, organization=organization, data=data, label=label)


def remove_push_subscription(*, user: Any, organization: Any, endpoint: str | None = None, pk: Any = None) -> int:
    with scope(organization=organization):
        mine = PushSubscription.objects.filter(user=user, organization=organization)
        found = mine.filter(endpoint=endpoint) if endpoint is not None else mine.filter(pk=pk)
        return found.delete()[0]


def save_quiet_hours(*, user: Any, organization: Any, starts: time | None, ends: time | None, time_zone: str) -> None:
    """Set (both times) or clear (neither) a user's quiet hours."""
    with scope(organization=organization), transaction.atomic():
        if starts is None or ends is None or starts == ends:
            QuietHours.objects.filter(user=user, organization=organization).delete()
            return
        QuietHours.objects.update_or_create(
            user=user,
            organization=organization,
            defaults={"starts": starts, "ends": ends, "time_zone": time_zone},
        )


def device_label(user_agent: str) -> str:
    """A name a person recognises for a browser ("Chrome on Android"), from its User-Agent."""
    ua = user_agent or ""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in ua), "")
    system = next(
        (
            s
            for s, needle in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("macOS", "Mac OS"),
                ("Linux", "Linux"),
            )
            if needle in ua
        ),
        "",
    )
    names = {"Edg": "Edge"}
    browser = names.get(browser, browser)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Browser")

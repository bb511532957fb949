"""Pairing a browser to a register with a one-time code, and recognising it afterwards."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.register.models import PairingCode, RegisterDevice
from kasse.register.node_gate import node_pair_url, serving_node
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Register

PAIRING_CODE_TTL = timedelta(minutes=10)
DEVICE_COOKIE = "kasse_register"


def _digest(value: str) -> str:
    """SHA-256 of a device token (32 random bytes: nothing to brute-force)."""
    return hashlib.sha256(value.encode()).hexdigest()


CODE_HASH = "scrypt"
CODE_SCRYPT_N = 2**13  # about 30 ms per check; a code is tried against the few codes open at that moment
MAX_OPEN_CODES_CHECKED = 50


def _code_digest(code: str, salt: str | None = None) -> str:
    """Salted scrypt of an 8-digit pairing code (``scrypt$<salt>$<hex>``).

    The store node's replica holds these rows: a salted slow hash makes a code cost a
    brute force of its own, far longer than the 10 minutes it is valid.
    """
    salt = salt or secrets.token_hex(8)
    value = hashlib.scrypt(
        code.encode(), salt=salt.encode(), n=CODE_SCRYPT_N, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32
    )
    return f"{CODE_HASH}${salt}${value.hex()}"


def _code_matches(code: str, digest: str) -> bool:
    parts = digest.split("$")
    if len(parts) == 3 and parts[0] == CODE_HASH:
        return hmac.compare_digest(_code_digest(code, parts[1]), digest)
    return hmac.compare_digest(_digest(code), digest)  # a code created before salted digests


@tenant_service
def create_pairing_code(*, actor: Actor, register: Register, for_display: bool = False) -> str:
    """A new 8-digit code, valid for 10 minutes, shown once to whoever pairs the device."""
    code = f"{secrets.randbelow(10**8):08d}"
    pairing = PairingCode.objects.create(
        organization_id=register.organization_id,
        register=register,
        code_digest=_code_digest(code),
        for_display=for_display,
        expires_at=timezone.now() + PAIRING_CODE_TTL,
        created_by=actor.user,
    )
    log_action(register.organization, actor, "register.pairing_code.created", register, {"for_display": for_display})
    record("pairing_code", [pairing])
    return code


def pair_device(*, code: str, device_name: str = "") -> tuple[RegisterDevice, str]:
    """Redeem a pairing code: returns the new device and its secret token (for the cookie)."""
    code = "".join(ch for ch in code if ch.isascii() and ch.isdigit())
    with scopes_disabled(), transaction.atomic():
        pairing = _open_code(code) if len(code) == 8 else None
        if pairing is None:
            raise ValidationError({"code": _("This pairing code is unknown or has expired. Please create a new one.")})
        node = serving_node(pairing.register.store_id)
        if node is not None:  # the code stays unused: it works on the node
            where = node_pair_url(node) or _("the store node's address in the shop, followed by /register/pair/")
            raise ValidationError(
                {
                    "code": _(
                        "This register belongs to a store that sells through its store node “%(node)s”. Pair it there: "
                        "open %(where)s on this device and enter the code again."
                    )
                    % {"node": node["name"], "where": where}
                }
            )
        pairing.used_at = timezone.now()
        pairing.save(update_fields=["used_at", "updated_at"])
        token = secrets.token_urlsafe(32)
        device = RegisterDevice.objects.create(
            organization_id=pairing.organization_id,
            register=pairing.register,
            name=device_name[:120],
            token_digest=_digest(token),
            is_display=pairing.for_display,
        )
        log_action(
            pairing.register.organization,
            Actor(kind="device", label=device_name or "device"),
            "register.device.paired",
            pairing.register,
            {"device": str(device.pk), "display": pairing.for_display},
        )
        record("device", [pairing, device])
    return device, token


def _open_code(code: str) -> PairingCode | None:
    """The unused, unexpired pairing code ``code`` is (locked), checked against each open code's salted digest."""
    candidates = (
        PairingCode.objects.select_for_update()
        .select_related("register__organization")
        .filter(used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-expires_at")[:MAX_OPEN_CODES_CHECKED]
    )
    return next((p for p in candidates if _code_matches(code, p.code_digest)), None)


def device_for_token(token: str) -> RegisterDevice | None:
    """The active paired device for a cookie token, with its register, store and organization."""
    if not token:
        return None
    with scopes_disabled():
        device = (
            RegisterDevice.objects.select_related("register__store", "register__organization")
            .filter(token_digest=_digest(token), revoked_at__isnull=True, register__is_active=True)
            .first()
        )
        if device is not None:
            now = timezone.now()
            if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=1):
                RegisterDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


@tenant_service
def revoke_device(*, actor: Actor, device: RegisterDevice) -> None:
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at", "updated_at"])
        log_action(device.organization, actor, "register.device.revoked", device.register, {"device": str(device.pk)})
        record("device", [device])
        from kasse.register.live import close_device_sockets

        device_id = device.pk
        transaction.on_commit(lambda: close_device_sockets(device_id))

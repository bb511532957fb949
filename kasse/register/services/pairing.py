"""Pairing a browser to a register with a one-time code, and recognising it afterwards."""

from __future__ import annotations

import hashlib
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
from kasse.sync.changes import record
from kasse.tenancy.models import Register

PAIRING_CODE_TTL = timedelta(minutes=10)
DEVICE_COOKIE = "kasse_register"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@tenant_service
def create_pairing_code(*, actor: Actor, register: Register, for_display: bool = False) -> str:
    """A new 8-digit code, valid for 10 minutes, shown once to whoever pairs the device."""
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if not PairingCode.objects.with_scopes_disabled().filter(code_digest=_digest(code)).exists():
            break
    pairing = PairingCode.objects.create(
        organization_id=register.organization_id, register=register, code_digest=_digest(code),
        for_display=for_display, expires_at=timezone.now() + PAIRING_CODE_TTL, created_by=actor.user,
    )
    log_action(register.organization, actor, "register.pairing_code.created", register,
               {"for_display": for_display})
    record("pairing_code", [pairing])
    return code


def pair_device(*, code: str, device_name: str = "") -> tuple[RegisterDevice, str]:
    """Redeem a pairing code: returns the new device and its secret token (for the cookie)."""
    code = "".join(ch for ch in code if ch.isdigit())
    with scopes_disabled(), transaction.atomic():
        pairing = (
            PairingCode.objects.select_for_update().select_related("register__organization")
            .filter(code_digest=_digest(code)).first()
        )
        if pairing is None or pairing.used_at is not None or pairing.expires_at < timezone.now():
            raise ValidationError({"code": _("This pairing code is unknown or has expired. Please create a new one.")})
        pairing.used_at = timezone.now()
        pairing.save(update_fields=["used_at", "updated_at"])
        token = secrets.token_urlsafe(32)
        device = RegisterDevice.objects.create(
            organization_id=pairing.organization_id, register=pairing.register, name=device_name[:120],
            token_digest=_digest(token), is_display=pairing.for_display,
        )
        log_action(pairing.register.organization, Actor(kind="device", label=device_name or "device"),
                   "register.device.paired", pairing.register, {"device": str(device.pk),
                                                               "display": pairing.for_display})
        record("device", [pairing, device])
    return device, token


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
        log_action(device.organization, actor, "register.device.revoked", device.register,
                   {"device": str(device.pk)})
        record("device", [device])
        from kasse.register.live import close_device_sockets

        device_id = device.pk
        transaction.on_commit(lambda: close_device_sockets(device_id))

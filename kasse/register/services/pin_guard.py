"""Checking a register PIN with attempt limits kept in the database.

Every PIN the register asks for (switching in, manager approvals of discounts,
prices, returns, exchanges, cash movements and the drawer) is checked here, against
the one employee who was picked. Wrong PINs are counted per paired device and per
organization in ``PinThrottle`` rows that are locked while the PIN is checked, so
several cloud worker processes share one count (no cache needed) and a store node
counts in its own database. A correct PIN never resets a count: failures are only
forgiven one at a time after a quiet period, so typing one's own PIN between guesses
gains nothing. Past the free failures every further one locks longer (doubling up to
a cap). Each lockout is audited (``register.pin.locked_out``) and shown to the owner.

Call this outside any open transaction (the register views do): the count must be
committed even when the caller then refuses the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.register.models import PinThrottle, RegisterDevice
from kasse.tenancy.models import Employee

LOCKED_OUT_ACTION = "register.pin.locked_out"


@dataclass(frozen=True)
class Limit:
    """How many wrong PINs are free, how fast they are forgiven and how long a lockout lasts."""

    free: int  # wrong PINs before the first lockout
    forgive_every: timedelta  # one failure is forgotten per quiet period of this length
    first_lock: timedelta  # the lockout at ``free`` failures; each further failure doubles it
    longest_lock: timedelta

    def lock_for(self, failures: int) -> timedelta | None:
        if failures < self.free:
            return None
        return min(self.first_lock * (2 ** min(failures - self.free, 20)), self.longest_lock)


DEVICE_LIMIT = Limit(
    free=5, forgive_every=timedelta(minutes=10), first_lock=timedelta(minutes=1), longest_lock=timedelta(hours=1)
)
ORGANIZATION_LIMIT = Limit(
    free=20, forgive_every=timedelta(minutes=3), first_lock=timedelta(minutes=1), longest_lock=timedelta(minutes=15)
)


class PinLockedOut(Exception):
    """Too many wrong PINs on this device or in this organization; the message is for the cashier."""

    def __init__(self, until: datetime) -> None:
        seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
        if seconds < 120:
            message = ngettext(
                "Too many wrong PINs. Please wait %(count)d second.",
                "Too many wrong PINs. Please wait %(count)d seconds.",
                seconds,
            )
            count = seconds
        else:
            count = (seconds + 59) // 60
            message = ngettext(
                "Too many wrong PINs. Please wait %(count)d minute.",
                "Too many wrong PINs. Please wait %(count)d minutes.",
                count,
            )
        super().__init__(message % {"count": count})
        self.until = until


def _row(organization_id: object, device: RegisterDevice | None) -> PinThrottle:
    """The throttle row, created on first use and locked until the end of the transaction."""
    lookup: dict[str, Any] = {"organization_id": organization_id, "device": device}
    try:
        with transaction.atomic():
            PinThrottle.objects.get_or_create(**lookup)
    except IntegrityError:  # created at the same moment by another process
        pass
    return PinThrottle.objects.select_for_update().get(**lookup)


def _failures_now(row: PinThrottle, limit: Limit, now: datetime) -> int:
    """The row's failures minus those forgiven since the last one."""
    if not row.failures or row.last_failure_at is None:
        return 0
    forgiven = int((now - row.last_failure_at) / limit.forgive_every)
    return max(0, row.failures - forgiven)


def check_pin(*, device: RegisterDevice, employee: Employee, pin: str, purpose: str) -> bool:
    """Whether ``pin`` is ``employee``'s PIN, counting a wrong one; raises ``PinLockedOut`` while locked.

    ``purpose`` (``"unlock"``, ``"approval"``) goes into the audit entry of a lockout.
    """
    now = timezone.now()
    with scopes_disabled(), transaction.atomic():
        # Always the organization's row first, then the device's: one order, no deadlocks.
        rows = [
            (_row(device.organization_id, None), ORGANIZATION_LIMIT, "organization"),
            (_row(device.organization_id, device), DEVICE_LIMIT, "device"),
        ]
        for row, _limit, _scope in rows:
            if row.locked_until is not None and row.locked_until > now:
                raise PinLockedOut(row.locked_until)
        if employee.is_active and employee.organization_id == device.organization_id and employee.check_pin(pin):
            return True
        for row, limit, scope in rows:
            row.failures = _failures_now(row, limit, now) + 1
            row.last_failure_at = now
            lock = limit.lock_for(row.failures)
            if lock is not None:
                row.locked_until = now + lock
                _audit_lockout(device, employee, scope=scope, failures=row.failures, lock=lock, purpose=purpose)
            row.save(update_fields=["failures", "last_failure_at", "locked_until", "updated_at"])
    return False


def _audit_lockout(
    device: RegisterDevice, employee: Employee, *, scope: str, failures: int, lock: timedelta, purpose: str
) -> None:
    register = device.register
    log_action(
        device.organization_id,
        Actor(kind="device", label=device.name or register.name, ref=str(device.pk)),
        LOCKED_OUT_ACTION,
        register,
        {
            "scope": scope,
            "failures": failures,
            "seconds": int(lock.total_seconds()),
            "purpose": purpose,
            "device": str(device.pk),
            "store": str(register.store_id),
            "employee": str(employee.pk),
            "employee_name": employee.display_name,
        },
    )

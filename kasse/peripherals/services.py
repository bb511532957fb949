"""Every write of peripherals: scanners and pole displays of a store, switching them off, a display test.

Each write is logged, recorded for the change feed (so the store node gets it) and, after commit,
tells a runner in this process to re-read its configuration at once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.peripherals import bus
from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Register, Store


class PeripheralError(ValidationError):
    """A scanner or display change that cannot be made; the message is for the person who asked."""


def _check_register(store: Store, register: Register | None) -> None:
    if register is None or register.store_id != store.pk or not register.is_active:
        raise PeripheralError(_("Please choose an active register of this store."))


def _changed(obj: Scanner | PoleDisplay) -> None:
    record("peripheral", [obj])
    transaction.on_commit(bus.displays_changed)


def _save(
    *,
    actor: Actor,
    store: Store,
    device: Scanner | PoleDisplay,
    data: dict[str, Any],
    created: bool,
    kind: str,
    logged: tuple[str, ...] = (),
) -> None:
    """Write ``data`` into ``device`` (created or changed), log it (with the fields ``logged`` besides name,
    address, register and whether it is on) and publish it."""
    _check_register(store, data.get("register"))
    for name, value in data.items():
        setattr(device, name, value)
    device.full_clean(exclude=["organization", "store"])
    device.save()
    details = {
        "name": device.name,
        **{field: getattr(device, field) for field in logged},
        "address": device.address,
        "register": str(device.register_id),
        "active": device.is_active,
    }
    log_action(store.organization, actor, f"peripherals.{kind}.{'created' if created else 'changed'}", device, details)
    _changed(device)


def _switch_off(*, actor: Actor, device: Scanner | PoleDisplay, kind: str) -> None:
    """Switch a locked ``device`` off (once: a second call changes and logs nothing)."""
    if device.is_active:
        device.is_active = False
        device.save(update_fields=["is_active", "updated_at"])
        log_action(device.organization, actor, f"peripherals.{kind}.deactivated", device, {"name": device.name})
        _changed(device)


@tenant_service
def save_scanner(*, actor: Actor, store: Store, data: dict[str, Any], scanner: Scanner | None = None) -> Scanner:
    """Create or change a scanner of ``store`` (``data``: a validated form's cleaned data)."""
    device = scanner or Scanner(organization_id=store.organization_id, store=store)
    _save(
        actor=actor,
        store=store,
        device=device,
        data=data,
        created=scanner is None,
        kind="scanner",
        logged=("connection",),
    )
    return device


@tenant_service
def save_pole_display(
    *, actor: Actor, store: Store, data: dict[str, Any], display: PoleDisplay | None = None
) -> PoleDisplay:
    """Create or change a pole display of ``store``."""
    device = display or PoleDisplay(organization_id=store.organization_id, store=store)
    _save(actor=actor, store=store, device=device, data=data, created=display is None, kind="display")
    return device


@tenant_service
def deactivate_scanner(*, actor: Actor, scanner: Scanner) -> Scanner:
    """Switch a scanner off: the node closes it; it stays listed and can be switched on again."""
    scanner = Scanner.objects.select_for_update().get(pk=scanner.pk)
    _switch_off(actor=actor, device=scanner, kind="scanner")
    return scanner


@tenant_service
def deactivate_pole_display(*, actor: Actor, display: PoleDisplay) -> PoleDisplay:
    display = PoleDisplay.objects.select_for_update().get(pk=display.pk)
    _switch_off(actor=actor, device=display, kind="display")
    return display


@tenant_service
def request_display_test(*, actor: Actor, display: PoleDisplay) -> PoleDisplay:
    """Ask the node to show a test text on the display (within a few seconds; ignored after two minutes)."""
    display = PoleDisplay.objects.select_for_update().get(pk=display.pk)
    if not display.is_active:
        raise PeripheralError(_("The display is switched off; switch it on to test it."))
    display.test_requested_at = timezone.now()
    display.save(update_fields=["test_requested_at", "updated_at"])
    log_action(display.organization, actor, "peripherals.display.tested", display, {"name": display.name})
    _changed(display)
    return display

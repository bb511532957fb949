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


@tenant_service
def save_scanner(*, actor: Actor, store: Store, data: dict[str, Any], scanner: Scanner | None = None) -> Scanner:
    """Create or change a scanner of ``store`` (``data``: a validated form's cleaned data)."""
    _check_register(store, data.get("register"))
    created = scanner is None
    scanner = scanner or Scanner(organization_id=store.organization_id, store=store)
    for name, value in data.items():
        setattr(scanner, name, value)
    scanner.full_clean(exclude=["organization", "store"])
    scanner.save()
    log_action(store.organization, actor, f"peripherals.scanner.{'created' if created else 'changed'}", scanner,
               {"name": scanner.name, "connection": scanner.connection, "address": scanner.address,
                "register": str(scanner.register_id), "active": scanner.is_active})
    _changed(scanner)
    return scanner


@tenant_service
def save_pole_display(*, actor: Actor, store: Store, data: dict[str, Any],
                      display: PoleDisplay | None = None) -> PoleDisplay:
    """Create or change a pole display of ``store``."""
    _check_register(store, data.get("register"))
    created = display is None
    display = display or PoleDisplay(organization_id=store.organization_id, store=store)
    for name, value in data.items():
        setattr(display, name, value)
    display.full_clean(exclude=["organization", "store"])
    display.save()
    log_action(store.organization, actor, f"peripherals.display.{'created' if created else 'changed'}", display,
               {"name": display.name, "address": display.address, "register": str(display.register_id),
                "active": display.is_active})
    _changed(display)
    return display


@tenant_service
def deactivate_scanner(*, actor: Actor, scanner: Scanner) -> Scanner:
    """Switch a scanner off: the node closes it; it stays listed and can be switched on again."""
    scanner = Scanner.objects.select_for_update().get(pk=scanner.pk)
    if scanner.is_active:
        scanner.is_active = False
        scanner.save(update_fields=["is_active", "updated_at"])
        log_action(scanner.organization, actor, "peripherals.scanner.deactivated", scanner, {"name": scanner.name})
        _changed(scanner)
    return scanner


@tenant_service
def deactivate_pole_display(*, actor: Actor, display: PoleDisplay) -> PoleDisplay:
    display = PoleDisplay.objects.select_for_update().get(pk=display.pk)
    if display.is_active:
        display.is_active = False
        display.save(update_fields=["is_active", "updated_at"])
        log_action(display.organization, actor, "peripherals.display.deactivated", display, {"name": display.name})
        _changed(display)
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

"""Training mode: a register on which new cashiers practise (docs/fiscal.md, Integration item 6).

A manager switches it on and off with their PIN (audited). While it is on, every cart the register
starts is a training cart (``Cart.training``), and its sale a training receipt (``Sale.is_training``):
signed as ``AVTraining``, marked on every rendering of the receipt, kept out of cash, stock and every
sum. A cart keeps what it was started as: a training cart resumed elsewhere stays one, and a register
only changes mode with no items on its active cart.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.register.models import Cart, CartStatus, TrainingMode
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Employee, Register
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability


def in_training(register: Register) -> bool:
    """Whether ``register`` is in training mode now."""
    return TrainingMode.objects.filter(register=register).exists()


def _check(register: Register, approver: Employee | None) -> Employee:
    if approver is None or not has_capability(approver, Capability.MANAGER_OVERRIDE, register.store):
        raise SaleError(_("A manager must approve this. Please enter a manager PIN."))
    cart = Cart.objects.select_for_update().filter(register=register, status=CartStatus.ACTIVE).first()
    if cart is not None and cart.lines.exists():
        raise SaleError(_("Please finish, park or cancel the current cart first."))
    return approver


@tenant_service
def enter_training(*, actor: Actor, register: Register, approver: Employee | None) -> TrainingMode:
    """Switch ``register`` into training mode (a manager approves with their PIN)."""
    with transaction.atomic():
        manager = _check(register, approver)
        mode = TrainingMode.objects.filter(register=register).first()
        if mode is not None:
            return mode
        mode = TrainingMode.objects.create(
            organization_id=register.organization_id, register=register, started_by=manager
        )
        Cart.objects.filter(register=register, status=CartStatus.ACTIVE).update(training=True)
        log_action(
            register.organization, actor, "register.training.entered", register, {"approved_by": str(manager.pk)}
        )
    return mode


@tenant_service
def leave_training(*, actor: Actor, register: Register, approver: Employee | None) -> None:
    """Switch ``register`` back to selling for real (a manager approves with their PIN)."""
    with transaction.atomic():
        manager = _check(register, approver)
        gone, _kinds = TrainingMode.objects.filter(register=register).delete()
        if not gone:
            return
        Cart.objects.filter(register=register, status=CartStatus.ACTIVE).update(training=False)
        log_action(register.organization, actor, "register.training.left", register, {"approved_by": str(manager.pk)})

"""Every write of payments: terminal configuration, the payment intent, the terminal's answer, recovery and a
manager's decision. Money paths lock the register's terminal row, so two requests cannot both start a payment.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.payments import wakeup
from kasse.payments.models import (
    TRANSITIONS,
    UNRESOLVED,
    CardPayment,
    CardPaymentKind,
    CardPaymentStatus,
    CardTerminal,
    CardTerminalState,
    TerminalConnection,
)
from kasse.payments.syncing import report_payments
from kasse.peripherals.models import DeviceHealth
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Register, Store

MAX_CARD_AMOUNT = Decimal("99999.99")


class PaymentError(ValidationError):
    """A payment or terminal change that cannot be made; the message is for the person who asked."""


# --- terminal configuration -------------------------------------------------------------------------


@tenant_service
def save_card_terminal(
    *, actor: Actor, store: Store, data: dict[str, Any], terminal: CardTerminal | None = None
) -> CardTerminal:
    """Create or change the terminal of a register of ``store`` (``data``: a validated form's cleaned data)."""
    register = data.get("register")
    if not isinstance(register, Register) or register.store_id != store.pk or not register.is_active:
        raise PaymentError(_("Please choose an active register of this store."))
    device = terminal or CardTerminal(organization_id=store.organization_id, store=store)
    for name, value in data.items():
        setattr(device, name, value)
    password = device.password or ""
    if len(password) != 6 or not password.isdigit():
        raise PaymentError(_("The terminal password has six digits."))
    if device.connection == TerminalConnection.TCP and not device.host:
        raise PaymentError(_("Please enter the terminal's IP address or host name."))
    if device.connection == TerminalConnection.SERIAL and not device.serial_device:
        raise PaymentError(_("Please enter the serial device the terminal is connected to."))
    device.full_clean(exclude=["organization", "store", "register"])
    device.save()
    details = {"name": device.name, "address": device.address, "register": str(device.register_id)}
    # the password is never written to the audit log
    log_action(store.organization, actor, f"payments.terminal.{'changed' if terminal else 'created'}", device, details)
    record("card_terminal", [device])
    transaction.on_commit(wakeup.terminals_changed)
    return device


def terminal_for(register: Register) -> CardTerminal | None:
    """The register's active connected terminal, or None (then card payments are confirmed by hand)."""
    return CardTerminal.objects.filter(register=register, is_active=True).first()


# --- the payment intent -----------------------------------------------------------------------------


def _move(payment: CardPayment, status: str) -> None:
    if status not in TRANSITIONS[payment.status]:
        raise PaymentError(
            _("A card payment cannot go from “%(old)s” to “%(new)s”.")
            % {"old": payment.get_status_display(), "new": CardPaymentStatus(status).label}
        )
    payment.status = status


def unresolved_payment(register: Register) -> CardPayment | None:
    return CardPayment.objects.filter(register=register, status__in=UNRESOLVED).order_by("created_at").first()


@tenant_service
def start_card_payment(
    *,
    actor: Actor,
    register: Register,
    amount: Decimal,
    cart_id: Any = None,
    kind: str = CardPaymentKind.PAYMENT,
    original: CardPayment | None = None,
) -> CardPayment:
    """Write the intent (pending) for the register's terminal; the terminal's worker sends it after commit.

    Refused while another payment of this register is pending, at the terminal or unknown: one at a time,
    and never a second charge before the first is cleared up.
    """
    terminal = CardTerminal.objects.select_for_update().filter(register=register, is_active=True).first()
    if terminal is None:
        raise PaymentError(_("This register has no connected card terminal."))
    if kind != CardPaymentKind.REVERSAL and not Decimal("0.01") <= amount <= MAX_CARD_AMOUNT:
        raise PaymentError(_("Please enter an amount from 0,01 to 99.999,99 €."))
    waiting = unresolved_payment(register)
    if waiting is not None:
        if waiting.status == CardPaymentStatus.UNKNOWN:
            raise PaymentError(
                _("The outcome of an earlier card payment is unknown; a manager has to clear it up first.")
            )
        raise PaymentError(_("A card payment is already running at this register."))
    last = (
        CardPayment.objects.filter(terminal=terminal, trace_number__isnull=False)
        .order_by("-finished_at")
        .values_list("trace_number", flat=True)
        .first()
    )
    payment = CardPayment.objects.create(
        organization_id=register.organization_id,
        store_id=register.store_id,
        register=register,
        terminal=terminal,
        cart_id=cart_id,
        kind=kind,
        amount=amount,
        original_receipt_number=original.receipt_number if original else None,
        original_payment=original,
        last_trace_number=last,
    )
    report_payments([payment])
    log_action(
        register.organization,
        actor,
        f"payments.card.{kind}.started",
        payment,
        {"amount": str(amount), "register": str(register.pk)},
    )
    transaction.on_commit(lambda: wakeup.notify(terminal.pk))
    return payment


@tenant_service
def cancel_card_payment(*, actor: Actor, payment: CardPayment) -> CardPayment:
    """Take back an intent the terminal has not been sent yet (no store node picked it up)."""
    payment = CardPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != CardPaymentStatus.PENDING:
        raise PaymentError(_("The payment is already at the terminal; cancel it there."))
    _move(payment, CardPaymentStatus.CANCELLED)
    payment.finished_at = timezone.now()
    payment.save(update_fields=["status", "finished_at", "updated_at"])
    report_payments([payment])
    log_action(payment.organization, actor, "payments.card.cancelled", payment, {"amount": str(payment.amount)})
    return payment


@tenant_service
def claim_card_payment(*, payment_id: Any, organization: Any) -> CardPayment | None:
    """pending → sent, committed *before* the command goes to the terminal; None when someone else took it
    (or it was cancelled). A crash after this leaves "sent", which the next start turns into "unknown"."""
    payment = CardPayment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None or payment.status != CardPaymentStatus.PENDING:
        return None
    _move(payment, CardPaymentStatus.SENT)
    payment.sent_at = timezone.now()
    payment.save(update_fields=["status", "sent_at", "updated_at"])
    report_payments([payment])
    return payment


@tenant_service
def note_display_text(*, payment: CardPayment, text: str) -> None:
    CardPayment.objects.filter(pk=payment.pk).update(display_text=text[:120], updated_at=timezone.now())


@tenant_service
def resolve_card_payment(*, actor: Actor, payment: CardPayment, paid: bool, note: str = "") -> CardPayment:
    """A manager decides an unknown outcome from the terminal's journal: paid (approved) or not (declined)."""
    payment = CardPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != CardPaymentStatus.UNKNOWN:
        raise PaymentError(_("This card payment is not unclear (any more)."))
    _move(payment, CardPaymentStatus.APPROVED if paid else CardPaymentStatus.DECLINED)
    payment.resolved_by = actor.label[:150]
    payment.resolution_note = note[:255]
    payment.finished_at = timezone.now()
    payment.message = _("Decided by a manager: paid") if paid else _("Decided by a manager: not paid")
    payment.save()
    record("card_payment", [payment])  # in the cloud too: the decision goes down to the node
    log_action(payment.organization, actor, "payments.card.resolved", payment, {"paid": paid, "note": note[:255]})
    return payment


TEST_REQUEST_TTL = timedelta(minutes=2)


@tenant_service
def request_terminal_test(*, actor: Actor, terminal: CardTerminal) -> CardTerminal:
    """Ask the store node to log on to the terminal (06 00) and report; ignored after two minutes."""
    terminal = CardTerminal.objects.select_for_update().get(pk=terminal.pk)
    if not terminal.is_active:
        raise PaymentError(_("The terminal is switched off; switch it on to test it."))
    terminal.test_requested_at = timezone.now()
    terminal.save(update_fields=["test_requested_at", "updated_at"])
    log_action(terminal.organization, actor, "payments.terminal.tested", terminal, {"name": terminal.name})
    record("card_terminal", [terminal])
    transaction.on_commit(lambda: wakeup.notify(terminal.pk))
    return terminal


def save_terminal_state(terminal: CardTerminal, *, connected: bool, detail: str, software_version: str) -> None:
    """The node's answer to a connection test; on a node it goes up to the cloud in the same transaction."""
    values = {
        "state": DeviceHealth.CONNECTED if connected else DeviceHealth.ERROR,
        "detail": detail[:300],
        "software_version": software_version[:120],
        "checked_at": timezone.now(),
    }
    with transaction.atomic():
        row, _created = CardTerminalState.objects.update_or_create(
            pk=terminal.pk,
            defaults=values,
            create_defaults={"organization_id": terminal.organization_id, "terminal_id": terminal.pk, **values},
        )
        record("card_terminal_state", [row])

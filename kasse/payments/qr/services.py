"""Every write of QR payments: the provider account, the payment intent, what the provider answered,
recovery of an unknown outcome, a refund, and a cashier's cancel.

Same rules as card payments (docs/payments.md): the intent is committed before anything is sent and names
the merchant transaction id (the intent's own id), so repeating a request never charges twice; a register
starts no payment while one of its payments is pending, at the provider or unknown (its row is locked while
that is checked); what stays unclear goes to a manager on the same page as unclear card payments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.fiscal import crypto
from kasse.payments.models import (
    UNRESOLVED,
    CardPayment,
    CardPaymentKind,
    CardPaymentStatus,
    PaymentProvider,
)
from kasse.payments.qr import messages, routing
from kasse.payments.qr.models import QrAccount
from kasse.payments.qr.providers import QrOutcome, QrResult
from kasse.payments.services import MAX_CARD_AMOUNT, PaymentError, unresolved_payment
from kasse.sync.engine.changes import record
from kasse.sync.engine.local import is_node
from kasse.tenancy.models import Organization, Register, Store

QR_PROVIDERS = (PaymentProvider.BLUECODE,)


def _report(*payments: CardPayment) -> None:
    """A change of QR payments, inside its transaction: on a node it goes up with the card payments (the
    shared ``CardPayment`` rows and their sync rule, kasse/payments/syncing.py). A pending intent is not
    reported: it still holds the scanned code, which never leaves the register's process."""
    if is_node():
        record("card_payment", list(payments))


def _wake() -> None:
    from kasse.payments.qr import runner

    runner.wake_all()


# --- the provider account -----------------------------------------------------------------------------


@tenant_service
def save_qr_account(
    *,
    actor: Actor,
    organization: Organization,
    data: dict[str, Any],
    secret: str = "",
    account: QrAccount | None = None,
) -> QrAccount:
    """Create or change a provider account (``data``: a validated form's cleaned data). An empty ``secret``
    keeps the stored one; it is stored encrypted and never written to the audit log."""
    store = data.get("store")
    if store is not None and (not isinstance(store, Store) or store.organization_id != organization.pk):
        raise PaymentError(_("Please choose a store of this organization."))
    row = account or QrAccount(organization=organization)
    for name, value in data.items():
        setattr(row, name, value)
    if secret:
        row.secret = crypto.encrypt(secret)
    if not row.secret:
        raise PaymentError(_("Please enter the secret key the provider gave you."))
    clash = QrAccount.objects.filter(provider=row.provider, store=row.store, is_active=True).exclude(pk=row.pk)
    if row.is_active and clash.exists():
        raise PaymentError(_("There is an active account of this provider for that store already."))
    row.full_clean(exclude=["organization", "store"])
    row.save()
    details = {"provider": row.provider, "store": str(row.store_id or ""), "branch": row.branch_ext_id}
    log_action(organization, actor, f"payments.qr_account.{'changed' if account else 'created'}", row, details)
    record("qr_account", [row])
    return row


def account_for(store: Store | Any, provider: str = PaymentProvider.BLUECODE) -> QrAccount | None:
    """The active account a store takes ``provider``'s payments with: its own, else the organization's."""
    accounts = QrAccount.objects.filter(
        Q(store_id=store.pk) | Q(store__isnull=True),
        organization_id=store.organization_id,
        provider=provider,
        is_active=True,
    )
    return sorted(accounts, key=lambda a: a.store_id is None)[0] if accounts else None


# --- the payment intent -------------------------------------------------------------------------------


def _lock_register(register: Register) -> None:
    """Serialises every start of a payment of this register (card or QR) on its row."""
    Register.objects.select_for_update().filter(pk=register.pk).first()


def _refuse_while_unresolved(register: Register) -> None:
    waiting = unresolved_payment(register)
    if waiting is None:
        return
    if waiting.status == CardPaymentStatus.UNKNOWN:
        raise PaymentError(_("The outcome of an earlier payment is unknown; a manager has to clear it up first."))
    raise PaymentError(_("A payment is already running at this register."))


@tenant_service
def start_qr_payment(
    *, actor: Actor, register: Register, amount: Decimal, code: str, cart_id: Any = None
) -> CardPayment:
    """Write the intent (pending) for the provider the code belongs to; the QR worker sends it after commit."""
    code = (code or "").strip()
    scheme = routing.payment_scheme(code)
    if scheme is None:
        raise PaymentError(_("This is not a payment code."))
    if not scheme.supported:
        raise PaymentError(messages.unsupported_scheme(scheme.label))
    account = account_for(register.store, scheme.key)
    if account is None:
        raise PaymentError(messages.not_set_up(scheme.label))
    if not Decimal("0.01") <= amount <= MAX_CARD_AMOUNT:
        raise PaymentError(_("Please enter an amount from 0,01 to 99.999,99 €."))
    _lock_register(register)
    _refuse_while_unresolved(register)
    payment = CardPayment.objects.create(
        organization_id=register.organization_id,
        store_id=register.store_id,
        register=register,
        provider=scheme.key,
        qr_account=account,
        cart_id=cart_id,
        amount=amount,
        presented_code=code,
        masked_pan=routing.mask(code),
    )
    log_action(
        register.organization,
        actor,
        "payments.qr.payment.started",
        payment,
        {"amount": str(amount), "register": str(register.pk), "provider": scheme.key},
    )
    transaction.on_commit(_wake)
    return payment


@tenant_service
def start_qr_refund(
    *,
    actor: Actor,
    register: Register,
    original: CardPayment,
    amount: Decimal,
    reason: str = "",
    return_id: Any = None,
) -> CardPayment:
    """Write the intent to pay (part of) an approved QR payment back through its provider. ``return_id``: the
    return receipt it pays back; asked again for the same return, the refund already written is the answer."""
    original = CardPayment.objects.select_for_update().get(pk=original.pk)
    if return_id is not None:
        earlier = original.refunds.filter(cart_id=return_id).exclude(
            status__in=(CardPaymentStatus.DECLINED, CardPaymentStatus.FAILED, CardPaymentStatus.CANCELLED)
        )
        if earlier.exists():
            return earlier.first()  # type: ignore[return-value]
    if (
        original.provider not in QR_PROVIDERS
        or original.kind != CardPaymentKind.PAYMENT
        or original.status != CardPaymentStatus.APPROVED
        or not original.provider_tx_id
    ):
        raise PaymentError(_("Only an approved QR payment can be refunded through its provider."))
    taken = original.refunds.filter(Q(status=CardPaymentStatus.APPROVED) | Q(status__in=UNRESOLVED)).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0.00")
    if not Decimal("0.01") <= amount <= original.amount - taken:
        raise PaymentError(
            _("At most %(amount)s € of this payment can still be refunded.") % {"amount": original.amount - taken}
        )
    _lock_register(register)
    _refuse_while_unresolved(register)
    refund = CardPayment.objects.create(
        organization_id=register.organization_id,
        store_id=register.store_id,
        register=register,
        provider=original.provider,
        qr_account=original.qr_account,
        kind=CardPaymentKind.REFUND,
        original_payment=original,
        cart_id=return_id,
        amount=amount,
        masked_pan=original.masked_pan,
        resolution_note=reason[:255],
    )
    log_action(
        register.organization,
        actor,
        "payments.qr.refund.started",
        refund,
        {"amount": str(amount), "original": str(original.pk)},
    )
    _report(refund)
    transaction.on_commit(_wake)
    return refund


@tenant_service
def request_qr_cancel(*, actor: Actor, payment: CardPayment) -> CardPayment:
    """The cashier gives up: a pending intent is cancelled at once; one at the provider is cancelled there by
    the worker (``/cancel``), whose answer decides."""
    payment = CardPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == CardPaymentStatus.PENDING:
        payment.status = CardPaymentStatus.CANCELLED
        payment.presented_code = ""
        payment.finished_at = timezone.now()
        payment.message = _("Cancelled at the register; nothing was charged.")
        payment.save()
        log_action(payment.organization, actor, "payments.qr.cancelled", payment, {"amount": str(payment.amount)})
        _report(payment)
    elif payment.status == CardPaymentStatus.SENT and payment.kind == CardPaymentKind.PAYMENT:
        payment.cancel_requested = True
        payment.save(update_fields=["cancel_requested", "updated_at"])
        log_action(payment.organization, actor, "payments.qr.cancel_requested", payment, {})
        _report(payment)
        transaction.on_commit(_wake)
    return payment


@tenant_service
def claim_qr_payment(*, payment_id: Any, organization: Any) -> tuple[CardPayment, str] | None:
    """pending → sent with the scanned code taken out of the row, committed *before* the provider is asked;
    None when someone else took it or it was cancelled."""
    payment = CardPayment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None or payment.status != CardPaymentStatus.PENDING:
        return None
    code = payment.presented_code
    payment.status = CardPaymentStatus.SENT
    payment.presented_code = ""
    payment.sent_at = timezone.now()
    payment.save(update_fields=["status", "presented_code", "sent_at", "updated_at"])
    _report(payment)
    return payment, code


def _store_charge(payment: CardPayment, result: QrResult) -> None:
    if result.provider_tx_id:
        payment.provider_tx_id = result.provider_tx_id[:64]
    if result.amount_cents is not None:
        payment.terminal_amount = Decimal(result.amount_cents) / 100
    if result.scheme:
        payment.card_name = result.scheme[:60]
    payment.provider_code = result.code[:60]


@tenant_service
def record_qr_result(*, payment: CardPayment, result: QrResult, uncertain: bool = False) -> CardPayment:
    """sent → approved, declined, failed (refused as a whole: nothing was charged) or unknown.

    ``uncertain``: an earlier attempt had no answer, so a refusal of the whole request (REJECTED) no longer
    proves that nothing was charged."""
    payment = CardPayment.objects.select_for_update().select_related("organization").get(pk=payment.pk)
    if payment.status != CardPaymentStatus.SENT:
        return payment  # decided already (a manager, another worker): the first answer stands
    _store_charge(payment, result)
    outcome = result.outcome
    if outcome == QrOutcome.APPROVED:
        same = result.amount_cents is None or Decimal(result.amount_cents) / 100 == payment.amount
        payment.status = CardPaymentStatus.APPROVED if same else CardPaymentStatus.UNKNOWN
        payment.booked_at = timezone.now()
        payment.message = messages.approved(payment) if same else _("The provider booked a different amount.")
    elif outcome == QrOutcome.DECLINED or (outcome == QrOutcome.NOT_FOUND and payment.kind == CardPaymentKind.REFUND):
        payment.status = CardPaymentStatus.DECLINED
        payment.message = messages.refusal(result.code, refund=payment.kind == CardPaymentKind.REFUND)
    elif outcome == QrOutcome.REJECTED and not uncertain:
        payment.status = CardPaymentStatus.FAILED  # refused as a whole: nothing was charged, fix the set-up
        payment.message = messages.refusal(result.code, refund=payment.kind == CardPaymentKind.REFUND)
    else:
        payment.status = CardPaymentStatus.UNKNOWN
        payment.message = messages.unknown(result)
    payment.finished_at = timezone.now()
    payment.save()
    log_action(
        payment.organization,
        Actor.system(payment.provider),
        f"payments.qr.{payment.kind}.{payment.status}",
        payment,
        {"outcome": outcome.value, "code": result.code, "error": result.error[:200]},
    )
    _report(payment)
    return payment


@tenant_service
def record_qr_recovery(*, payment: CardPayment, decided: str | None, result: QrResult, note: str) -> CardPayment:
    """An unknown payment after asking the provider: decided (approved or declined), or still unknown."""
    payment = CardPayment.objects.select_for_update().select_related("organization").get(pk=payment.pk)
    if payment.status != CardPaymentStatus.UNKNOWN:
        return payment
    if decided is None:
        payment.message = note
        payment.save(update_fields=["message", "updated_at"])
        _report(payment)
        return payment
    _store_charge(payment, result)
    payment.status = decided
    payment.message = note
    payment.finished_at = timezone.now()
    if decided == CardPaymentStatus.APPROVED:
        payment.booked_at = payment.booked_at or timezone.now()
    payment.save()
    log_action(
        payment.organization,
        Actor.system(payment.provider),
        "payments.qr.recovered",
        payment,
        {"status": decided, "code": result.code},
    )
    _report(payment)
    return payment


@tenant_service
def mark_qr_interrupted(*, payment_id: Any, organization: Any) -> CardPayment | None:
    """At a worker's start: a QR payment a stopped process left at the provider is unknown, never failed."""
    payment = CardPayment.objects.select_for_update().filter(pk=payment_id, status=CardPaymentStatus.SENT).first()
    if payment is None:
        return None
    payment.status = CardPaymentStatus.UNKNOWN
    payment.message = _("The process stopped while the provider had the payment; asking the provider.")
    payment.save(update_fields=["status", "message", "updated_at"])
    _report(payment)
    return payment

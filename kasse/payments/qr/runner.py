"""The QR payment worker: sends pending QR payments to their provider, follows PROCESSING answers, and
recovers unknown outcomes by asking for the payment's status.

One `QrPaymentRunner` per process that serves registers (``kasse store run`` for its store, ``kasse cloud``
for all): its supervisor thread claims each pending intent (pending → sent, committed) and runs the dialog
in a thread of its own, so one customer's slow app does not hold up another register. The dialog:

1. ``pay`` with the intent's merchant transaction id; no answer (time-out, dropped connection, 5xx, an
   unreadable body) → the same request again, at most ``attempts`` times (the same id: never a second
   charge; DUPLICATE then means the first one arrived → ``status``);
2. PROCESSING → ``status`` after ``check_status_in``, until a final answer or the ttl has passed; a cashier's
   cancel is sent as ``cancel``;
3. a final answer is recorded; anything else makes the payment **unknown**, and recovery asks ``status``:
   approved → paid; declined → not charged; still processing after its ttl, or not found once the last
   request can no longer arrive (``settle_seconds``) → ``cancel``, and a confirmed cancel means not charged.
   Whatever stays unclear is asked again every ``recover_seconds`` and waits for a manager meanwhile.

A refund is sent once (the provider's refund has no id of ours to make a repeat harmless): no answer makes
it unknown; recovery accepts it only when the provider reports the original payment as fully refunded.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kasse.core.channels_bridge import send_from_thread
from kasse.core.supervisor import Supervisor
from kasse.payments.models import CardPayment, CardPaymentKind, CardPaymentStatus
from kasse.payments.qr import services
from kasse.payments.qr.models import QrAccount
from kasse.payments.qr.providers import PaymentRequest, QrOutcome, QrProvider, QrResult
from kasse.peripherals.bus import scan_group
from kasse.sync.engine.local import is_node

logger = logging.getLogger(__name__)

ProviderFactory = Callable[[QrAccount], QrProvider]


def provider_for(account: QrAccount) -> QrProvider:
    """The provider client of ``account``; on a store node its secret comes from the cloud (memory only)."""
    from kasse.payments.qr.bluecode import BluecodeProvider
    from kasse.payments.qr.node_credentials import secret_for

    return BluecodeProvider(account.api_url, account.username, secret_for(account), account.branch_ext_id)


def publish(payment: CardPayment) -> None:
    """The payment's new state to its register page (it re-reads its status partial). Never raises."""
    payload = {"type": "card", "payment": str(payment.pk), "status": payment.status, "text": payment.message}
    send_from_thread(scan_group(payment.register_id), {"type": "card.status", "payload": payload})


_RUNNERS: weakref.WeakSet[QrPaymentRunner] = weakref.WeakSet()


def wake_all() -> None:
    """After an intent or a cancel was committed: the runners of this process look at once."""
    for runner in list(_RUNNERS):
        runner.wake()


@dataclass(eq=False)
class QrPaymentRunner:
    store_ids: list[Any] | None = None  # None: every store (the cloud)
    provider: ProviderFactory = provider_for
    idle_seconds: float = 1.0
    attempts: int = 3  # pay requests with the same merchant transaction id before "unknown"
    retry_seconds: float = 1.0
    settle_seconds: float = 35.0  # after this, a payment the provider does not know can no longer arrive
    recover_seconds: float = 20.0  # an unknown payment is asked about again this often
    max_wait_seconds: float = 120.0  # PROCESSING beyond its ttl never keeps a worker longer than this
    inline: bool = False  # tests: run each dialog in the calling thread
    sleep: Callable[[float], None] = time.sleep
    threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._started = False
        self._busy: set[Any] = set()  # payments a thread of this runner is dealing with
        self._lock = threading.Lock()
        self._supervisor = Supervisor("qr-payments", self.step, idle_seconds=self.idle_seconds, database=True)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> QrPaymentRunner:
        _RUNNERS.add(self)
        self._supervisor.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        _RUNNERS.discard(self)
        self._supervisor.stop(timeout)
        for thread in list(self.threads):
            thread.join(timeout)

    def wake(self) -> None:
        self._supervisor.wake()

    # -- one round ---------------------------------------------------------------------------------
    def _mine(self) -> Any:
        payments = CardPayment.objects.filter(provider__in=services.QR_PROVIDERS)
        if self.store_ids is not None:
            return payments.filter(store_id__in=self.store_ids)
        if is_node():
            return payments
        # The cloud drives the payments of stores it sells for; a store with a paired node sells (and takes
        # QR payments) there only, and its payments that sync up are the node's to drive (register/node_gate.py).
        from kasse.sync.models import StoreNode

        return payments.exclude(store_id__in=StoreNode.objects.filter(revoked_at__isnull=True).values("store_id"))

    def step(self) -> float:
        with scopes_disabled():
            if not self._started:
                self._started = True
                for pk, org in self._mine().filter(status=CardPaymentStatus.SENT).values_list("pk", "organization_id"):
                    services.mark_qr_interrupted(payment_id=pk, organization=org)
            pending = list(
                self._mine()
                .filter(status=CardPaymentStatus.PENDING)
                .order_by("created_at")
                .values_list("pk", "organization_id")
            )
            due = timezone.now() - timedelta(seconds=self.recover_seconds)
            unknown = list(
                self._mine()
                .filter(status=CardPaymentStatus.UNKNOWN)
                .filter(updated_at__lte=due)
                .values_list("pk", "organization_id")
            )
            fresh = list(
                self._mine()
                .filter(status=CardPaymentStatus.UNKNOWN, finished_at__isnull=True)
                .values_list("pk", "organization_id")
            )
        for pk, org in pending:
            claimed = services.claim_qr_payment(payment_id=pk, organization=org)
            if claimed is not None:
                self._spawn(claimed[0].pk, self._dialog, claimed[0], claimed[1])
        for pk, org in {*unknown, *fresh}:
            self._spawn(pk, self._recover_id, pk, org)
        self.threads = [t for t in self.threads if t.is_alive()]
        return self.idle_seconds

    def _spawn(self, payment_id: Any, target: Callable[..., None], *args: Any) -> None:
        with self._lock:
            if payment_id in self._busy:
                return
            self._busy.add(payment_id)

        def run() -> None:
            try:
                if not self.inline:
                    close_old_connections()  # a thread of its own: a fresh connection
                target(*args)
            except Exception:
                logger.exception("QR payment worker failed")
            finally:
                with self._lock:
                    self._busy.discard(payment_id)
                if not self.inline:
                    connection.close()

        if self.inline:
            run()
            return

        thread = threading.Thread(target=run, name="qr-payment", daemon=True)
        self.threads.append(thread)
        thread.start()

    def _context(self, payment: CardPayment) -> Any:
        return translation.override(str(payment.organization.language or "de"))

    # -- the dialog --------------------------------------------------------------------------------
    def _dialog(self, payment: CardPayment, code: str) -> None:
        with scope(organization=payment.organization_id):
            payment = CardPayment.objects.select_related("organization", "qr_account", "original_payment").get(
                pk=payment.pk
            )
            with self._context(payment):
                try:
                    provider = self.provider(payment.qr_account)  # type: ignore[arg-type]
                except Exception as exc:  # nothing was sent: the payment failed, safe to try again
                    logger.warning("QR payment %s not sent: %s", payment.pk, exc)
                    missing = QrResult(QrOutcome.REJECTED, code="CREDENTIALS", error=str(exc)[:200])
                    publish(services.record_qr_result(payment=payment, result=missing))
                    return
                publish(payment)
                if payment.kind == CardPaymentKind.REFUND:
                    original = payment.original_payment
                    assert original is not None
                    result = provider.refund(
                        original.provider_tx_id, int(payment.amount * 100), payment.resolution_note or "return"
                    )
                    payment = services.record_qr_result(payment=payment, result=result)
                else:
                    result, uncertain = self._pay(provider, payment, code)
                    payment = services.record_qr_result(payment=payment, result=result, uncertain=uncertain)
                publish(payment)
                if payment.status == CardPaymentStatus.UNKNOWN:
                    self._recover(provider, payment)

    def _pay(self, provider: QrProvider, payment: CardPayment, code: str) -> tuple[QrResult, bool]:
        request = PaymentRequest(
            code=code,
            amount_cents=int(payment.amount * 100),
            merchant_tx_id=payment.merchant_tx_id,
            terminal=str(payment.register_id),
            slip=str(payment.cart_id or ""),
        )
        uncertain = False
        result = provider.pay(request)
        for _attempt in range(self.attempts - 1):
            if result.outcome != QrOutcome.UNKNOWN:
                break
            uncertain = True
            self.sleep(self.retry_seconds)
            result = provider.pay(request)
        if result.outcome == QrOutcome.UNKNOWN:
            uncertain = True
        if result.outcome == QrOutcome.DUPLICATE:
            uncertain = True
            result = provider.status(payment.merchant_tx_id)
        started = time.monotonic()
        while result.outcome == QrOutcome.PROCESSING:
            waited = time.monotonic() - started
            if waited > min(max(result.ttl, 1.0), self.max_wait_seconds):
                return QrResult(QrOutcome.UNKNOWN, error=_("no final answer within its time limit")), True
            if CardPayment.objects.filter(pk=payment.pk, cancel_requested=True).exists():
                cancelled = provider.cancel(payment.merchant_tx_id)
                if cancelled.outcome in (QrOutcome.APPROVED, QrOutcome.DECLINED):
                    return QrResult(QrOutcome.DECLINED, code="CANCELED", raw=cancelled.raw), uncertain
                return cancelled, True
            self.sleep(min(max(result.check_in, 0.0), 5.0))
            result = provider.status(payment.merchant_tx_id)
        return result, uncertain

    # -- recovery ----------------------------------------------------------------------------------
    def _recover_id(self, payment_id: Any, organization: Any) -> None:
        with scope(organization=organization):
            payment = CardPayment.objects.select_related("organization", "qr_account", "original_payment").get(
                pk=payment_id
            )
            with self._context(payment):
                self._recover(self.provider(payment.qr_account), payment)  # type: ignore[arg-type]

    def _recover(self, provider: QrProvider, payment: CardPayment) -> CardPayment:
        if payment.kind == CardPaymentKind.REFUND:
            decided, result, note = self._recover_refund(provider, payment)
        else:
            decided, result, note = self._recover_payment(provider, payment)
        payment = services.record_qr_recovery(payment=payment, decided=decided, result=result, note=note)
        if decided is None and payment.finished_at is None:
            # asked once: from now on every recover_seconds (the query above keys on finished_at)
            CardPayment.objects.filter(pk=payment.pk, finished_at__isnull=True).update(finished_at=timezone.now())
        publish(payment)
        return payment

    def _settled(self, payment: CardPayment) -> bool:
        sent = payment.sent_at or payment.created_at
        return timezone.now() - sent >= timedelta(seconds=self.settle_seconds)

    def _recover_payment(self, provider: QrProvider, payment: CardPayment) -> tuple[str | None, QrResult, str]:
        result = provider.status(payment.merchant_tx_id)
        if result.outcome == QrOutcome.APPROVED:
            same = result.amount_cents is None or result.amount_cents == int(payment.amount * 100)
            if same:
                return CardPaymentStatus.APPROVED, result, _("Recovered from the provider: paid.")
            return None, result, _("The provider booked a different amount; a manager has to decide.")
        if result.outcome == QrOutcome.DECLINED:
            return CardPaymentStatus.DECLINED, result, _("Recovered from the provider: not charged.")
        expired = result.outcome == QrOutcome.PROCESSING and self._settled(payment)
        missing = result.outcome == QrOutcome.NOT_FOUND and self._settled(payment)
        if expired or missing:
            cancelled = provider.cancel(payment.merchant_tx_id)
            if cancelled.outcome in (QrOutcome.APPROVED, QrOutcome.DECLINED, QrOutcome.NOT_FOUND):
                return CardPaymentStatus.DECLINED, cancelled, _("Cancelled at the provider: not charged.")
        return (
            None,
            result,
            _("The provider's answer does not settle it yet (%(detail)s); asked again shortly.")
            % {"detail": result.error or result.code or result.outcome.value},
        )

    def _recover_refund(self, provider: QrProvider, payment: CardPayment) -> tuple[str | None, QrResult, str]:
        original = payment.original_payment
        assert original is not None
        result = provider.status(original.merchant_tx_id)
        full = payment.amount == original.amount
        if full and result.outcome == QrOutcome.UNKNOWN and result.code == "REFUNDED":
            return CardPaymentStatus.APPROVED, result, _("Recovered from the provider: refunded.")
        if full and result.outcome == QrOutcome.APPROVED and self._settled(payment):
            return CardPaymentStatus.DECLINED, result, _("The provider shows the payment as not refunded.")
        return None, result, _("Whether the refund went through is unclear; a manager has to decide.")

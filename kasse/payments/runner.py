"""The store node's card terminal workers: one `Supervisor` thread per active terminal sends its pending
payments, one after the other, and streams what the terminal says to the register and its customer display.

Order of a payment (docs/payments.md): the intent is written by the register's request (pending); the worker
commits pending → sent, *then* sends 06 01; the terminal's answer is recorded; a link lost after the command
went out gives "unknown", and the worker at once reconnects and asks for the last receipt (06 20), which is
matched against the intent. It never sends 06 01 again by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.backoff import Backoff
from kasse.core.channels_bridge import send_from_thread
from kasse.core.pool import SupervisedWorker, WorkerPool
from kasse.core.supervisor import Supervisor
from kasse.hardware.terminals.base import CardTerminal as TerminalDriver
from kasse.hardware.terminals.zvt import records, texts
from kasse.hardware.terminals.zvt.client import Outcome, Result
from kasse.hardware.terminals.zvt.terminal import ZvtTerminal, serial_link, tcp_link
from kasse.payments import outcomes, services, settlement, wakeup
from kasse.payments.models import (
    CardPayment,
    CardPaymentKind,
    CardPaymentStatus,
    CardSettlement,
    CardSettlementStatus,
    CardTerminal,
    TerminalConnection,
)
from kasse.peripherals.bus import scan_group

logger = logging.getLogger(__name__)

DriverFactory = Callable[[CardTerminal], TerminalDriver]


def zvt_driver(terminal: CardTerminal) -> TerminalDriver:
    if terminal.connection == TerminalConnection.SERIAL:
        device, baud = terminal.serial_device, terminal.baud_rate
        return ZvtTerminal(lambda: serial_link(device, baud), terminal.password)
    host, port = terminal.host, terminal.port
    return ZvtTerminal(lambda: tcp_link(host, port), terminal.password)


def publish(payment: CardPayment, text: str = "") -> None:
    """The payment's state to the register page over its device socket; the page re-reads its status partial
    (which also shows it on the customer display). Never raises: the payment dialog must go on."""
    payload = {"type": "card", "payment": str(payment.pk), "status": payment.status, "text": text or payment.message}
    send_from_thread(scan_group(payment.register_id), {"type": "card.status", "payload": payload})


class TerminalWorker(SupervisedWorker):
    """Sends one terminal's payments, one after the other, until stopped."""

    def __init__(self, terminal_id: Any, organization_id: Any, *, driver: DriverFactory, idle_seconds: float) -> None:
        self.terminal_id = terminal_id
        self.organization_id = organization_id
        self.driver = driver
        self._started = False
        self._tested: Any = None
        self._driver: TerminalDriver | None = None  # the one running a command now
        # The terminal that took our last command (its address and password) and a driver for it: kasse is
        # logged on there (06 00) until it logs off (06 02, `_log_off`).
        self._session: tuple[tuple[str, str], TerminalDriver] | None = None
        self.supervisor = Supervisor(
            f"card-terminal-{terminal_id}",
            self._step,
            idle_seconds=idle_seconds,
            database=True,
            backoff=Backoff(initial=0.5, maximum=30.0),
            on_exit=self.release,
        )

    def abort(self) -> None:
        driver = self._driver
        if driver is not None:
            driver.request_abort()

    def _step(self) -> float:
        with scope(organization=self.organization_id), translation.override(self._language()):
            if not self._started:
                self._started = True
                for payment in outcomes.mark_interrupted(
                    terminal_id=self.terminal_id, organization=self.organization_id
                ):
                    self._recover(payment)
                settlement.mark_end_of_day_interrupted(terminal_id=self.terminal_id, organization=self.organization_id)
            self._log_off_if_changed()
            self._test_if_asked()
            pending = (
                CardPayment.objects.filter(terminal_id=self.terminal_id, status=CardPaymentStatus.PENDING)
                .order_by("created_at")
                .values_list("pk", flat=True)
                .first()
            )
            if pending is not None:
                claimed = services.claim_card_payment(payment_id=pending, organization=self.organization_id)
                if claimed is not None:
                    self._run(claimed)
                return 0.0
            closing = (
                CardSettlement.objects.filter(terminal_id=self.terminal_id, status=CardSettlementStatus.PENDING)
                .order_by("created_at")
                .values_list("pk", flat=True)
                .first()
            )
            if closing is None:
                return self.supervisor.idle_seconds
            taken = settlement.claim_end_of_day(settlement_id=closing, organization=self.organization_id)
            if taken is not None:
                self._end_of_day(taken)
        return 0.0

    def _end_of_day(self, taken: CardSettlement) -> None:
        """06 50 once; the totals are recorded, a broken link leaves them unknown (never sent again). A day
        closed at the terminal (its totals read) ends kasse's session there: log-off (06 02), so that until
        the register's next card payment logs on again the terminal works on its own (prints its receipts
        itself), as after the shop closes."""
        terminal = CardTerminal.objects.get(pk=self.terminal_id)
        driver = self.driver(terminal)
        result = driver.end_of_day()
        self._note_session(terminal, driver, result)
        done = settlement.record_end_of_day(settlement=taken, result=result)
        payload = {"type": "card", "settlement": str(done.pk), "status": done.status, "text": done.message}
        send_from_thread(scan_group(done.register_id), {"type": "card.status", "payload": payload})
        if done.status == CardSettlementStatus.DONE:
            self._log_off()  # after the register heard: the shift closes without waiting for it

    # --- log-on and log-off (docs/payments.md, "Log-off") -------------------------------------------

    @staticmethod
    def _key(terminal: CardTerminal) -> tuple[str, str]:
        return (terminal.address, terminal.password)

    def _note_session(self, terminal: CardTerminal, driver: TerminalDriver, result: Result) -> None:
        """Every command logs on first (06 00); one that reached the terminal leaves kasse logged on there."""
        if result.outcome is not Outcome.NOT_SENT:
            self._session = (self._key(terminal), driver)

    def _log_off(self) -> None:
        """06 02 to the terminal kasse is logged on to; what it answers changes nothing else (never raises)."""
        session, self._session = self._session, None
        if session is None:
            return
        key, driver = session
        try:
            result = driver.log_off()
        except Exception:  # a broken driver must not stop the worker
            logger.exception("card terminal %s: log-off failed", self.terminal_id)
            return
        logger.info("card terminal %s (%s): log-off %s", self.terminal_id, key[0], result.outcome.value)

    def _log_off_if_changed(self) -> None:
        """The terminal's address or password changed in the back office: log off the old one first."""
        if self._session is None:
            return
        terminal = CardTerminal.objects.filter(pk=self.terminal_id).first()
        if terminal is None or self._key(terminal) != self._session[0]:
            self._log_off()

    def release(self) -> None:
        """When the worker ends (its supervisor's ``on_exit``): a terminal switched off, removed or moved to
        another address is logged off, so that it works on its own again. A node that merely stops stays
        logged on (the next command logs on again anyway)."""
        if self._session is None:
            return
        with scope(organization=self.organization_id):
            terminal = CardTerminal.objects.filter(pk=self.terminal_id).first()
            if terminal is None or not terminal.is_active or self._key(terminal) != self._session[0]:
                self._log_off()

    def _test_if_asked(self) -> None:
        """The back office's connection test: log on (06 00) and store what the terminal said."""
        terminal = CardTerminal.objects.get(pk=self.terminal_id)
        asked = terminal.test_requested_at
        if asked is None or asked == self._tested or timezone.now() - asked > services.TEST_REQUEST_TTL:
            return
        self._tested = asked
        driver = self.driver(terminal)
        result = driver.test()
        self._note_session(terminal, driver, result)
        version = result.completion.software_version if result.completion else ""
        detail = result.error or (texts.result_text(result.result_code) if result.result_code is not None else "")
        services.save_terminal_state(
            terminal, connected=result.outcome is Outcome.COMPLETED, detail=detail, software_version=version
        )

    def _language(self) -> str:
        """Messages stored with a payment are in the shop's language, like its receipts."""
        from kasse.tenancy.models import Organization

        with scopes_disabled():
            return str(
                Organization.objects.filter(pk=self.organization_id).values_list("language", flat=True).first() or "de"
            )

    def _terminal(self) -> TerminalDriver:
        return self.driver(CardTerminal.objects.get(pk=self.terminal_id))

    def _run(self, payment: CardPayment) -> None:
        payment = CardPayment.objects.select_related("organization", "store").get(pk=payment.pk)
        publish(payment, texts.status_text(0x17, payment.organization.language))
        terminal = CardTerminal.objects.get(pk=self.terminal_id)
        driver = self.driver(terminal)
        self._driver = driver
        language = payment.organization.language

        def on_event(record: records.Record) -> None:
            if isinstance(record, records.IntermediateStatus):
                text = texts.status_text(record.code, language)
                services.note_display_text(payment=payment, text=text)
                publish(payment, text)

        cents = int(payment.amount * 100)
        result: Result
        if payment.kind == CardPaymentKind.REFUND:
            result = driver.refund(cents, on_event)
        elif payment.kind == CardPaymentKind.REVERSAL:
            result = driver.reverse(payment.original_receipt_number or 0, on_event)
        else:
            result = driver.pay(cents, on_event)
        self._driver = None
        self._note_session(terminal, driver, result)
        payment = outcomes.record_result(payment=payment, result=result)
        if payment.status == CardPaymentStatus.UNKNOWN:
            payment = self._recover(payment, driver)
        self._print(payment)
        publish(payment)

    def _recover(self, payment: CardPayment, driver: TerminalDriver | None = None) -> CardPayment:
        """Reconnect and ask for the last receipt; harmless to repeat, it charges nothing."""
        terminal = CardTerminal.objects.get(pk=self.terminal_id)
        driver = driver or self.driver(terminal)
        result = driver.repeat_receipt()
        self._note_session(terminal, driver, result)
        return outcomes.record_recovery(payment=payment, result=result)

    def _print(self, payment: CardPayment) -> None:
        if payment.status != CardPaymentStatus.APPROVED or not payment.receipts:
            return
        terminal = payment.terminal
        if terminal is None:
            return
        wanted = []
        for receipt in payment.receipts:
            kind = receipt.get("type")
            if (kind == 1 and terminal.print_merchant_copy) or (kind != 1 and terminal.print_customer_copy):
                wanted.append([str(line) for line in receipt.get("lines", [])])
        from kasse.printing.services import enqueue_card_receipts

        enqueue_card_receipts(
            actor=Actor.system("card terminal"), register=payment.register, receipts=wanted, title=str(payment)
        )


@dataclass(eq=False)
class CardTerminalPool(WorkerPool[TerminalWorker]):
    """One `TerminalWorker` per active terminal (of ``store_ids``, or all); follows terminals being changed
    (:class:`kasse.core.pool.WorkerPool`)."""

    name: ClassVar[str] = "card-terminal-pool"

    driver: DriverFactory = zvt_driver
    idle_seconds: float = 1.0

    def listen(self, on: bool) -> None:
        (wakeup.add_pool if on else wakeup.remove_pool)(self)

    def abort(self, terminal_id: Any) -> None:
        worker = self.workers.get(terminal_id)
        if worker is not None:
            worker.abort()

    def wanted(self) -> dict[Any, Any]:
        """Active terminal → its organization."""
        with scopes_disabled():
            terminals = CardTerminal.objects.filter(is_active=True)
            if self.store_ids is not None:
                terminals = terminals.filter(store_id__in=self.store_ids)
            return dict(terminals.values_list("pk", "organization_id"))

    def make_worker(self, key: Any, detail: Any) -> TerminalWorker:
        return TerminalWorker(key, detail, driver=self.driver, idle_seconds=self.idle_seconds)

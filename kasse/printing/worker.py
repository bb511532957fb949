"""The print worker: one thread per printer sends that printer's queued jobs in order.

The rules (docs/architecture.md, "Printing"):

- A job is claimed by a compare-and-set from ``queued`` to ``printing`` (one worker per job, even with
  two processes), then the printer is asked for its status (DLE EOT). Unreachable, offline, cover
  open, paper out: nothing was sent, so the job goes back to the queue with exponential backoff and
  jitter, and fails clearly after ``RetryPolicy.max_attempts``. Later jobs wait behind it (order).
- ``send_started_at`` is written just before the first byte. If sending breaks, or the printer reports
  a fault right after the job, the job is **failed, not retried**: part of it may be on paper, and
  only the cashier can see that ("check the printout"). Retrying a failed job is a person's decision
  (``services.retry_job``). So a job is never printed twice without somebody asking.
- After a restart, ``printing`` jobs without ``send_started_at`` go back to the queue (nothing was
  sent); those with it become failed "interrupted" (ESC/POS printers cannot say which job they
  finished, so the printer cannot confirm it).
- A drawer kick older than ``DRAWER_MAX_AGE`` is not sent at all: a drawer must not spring open
  minutes after somebody asked.
- A worker takes only the jobs of its side (``PrintJob.on_node``; :mod:`kasse.printing.syncing`): in the
  cloud the jobs queued for itself, on a store node the node's. On a node every state a job waits in or
  ends with goes into the outbox in the same transaction, and so does the printer's state.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.backoff import Backoff
from kasse.core.pool import SupervisedWorker, WorkerPool
from kasse.core.supervisor import Supervisor
from kasse.hardware.printers import escpos_render
from kasse.hardware.transports.base import Transport, TransportError
from kasse.printing import devices
from kasse.printing.devices import ConfigurationError, DeviceStatus
from kasse.printing.models import (
    Health,
    JobError,
    JobKind,
    JobStatus,
    Printer,
    PrinterKind,
    PrinterState,
    PrintJob,
)
from kasse.printing.payloads import render_payload
from kasse.printing.syncing import hand_over_job, node_prints_for, node_store_ids, report_jobs, report_state
from kasse.printing.wakeup import add_pool, remove_pool
from kasse.sync.engine.local import is_node

logger = logging.getLogger(__name__)

TransportFactory = Callable[[Printer], Transport]
DRAWER_MAX_AGE = timedelta(seconds=30)


@dataclass(frozen=True)
class RetryPolicy:
    """A job waits by the one backoff rule (:class:`kasse.core.backoff.Backoff`: base × 2^(attempt−1), capped,
    up to ``jitter`` of it taken off at random) and fails after ``max_attempts``."""

    base_seconds: float = 1.0
    max_seconds: float = 60.0
    jitter: float = 0.2
    max_attempts: int = 10

    @property
    def backoff(self) -> Backoff:
        return Backoff(initial=self.base_seconds, maximum=self.max_seconds, jitter=self.jitter)

    def delay(self, attempts: int) -> float:
        return self.backoff.delay(max(1, attempts))


DEFAULT_POLICY = RetryPolicy()


@dataclass
class StepResult:
    job: PrintJob | None = None
    outcome: str = "idle"  # idle | waiting | done | retry | failed
    wait_seconds: float | None = None


def _now() -> datetime:
    return timezone.now()


# --- state -------------------------------------------------------------------------------------------


def save_state(printer: Printer, status: DeviceStatus) -> None:
    values = {
        "organization_id": printer.organization_id,
        "health": status.health,
        "reachable": status.reachable,
        "online": status.online,
        "cover_open": status.cover_open,
        "paper_near_end": status.paper_near_end,
        "paper_out": status.paper_out,
        "error": status.error,
        "detail": status.detail[:300],
        "drawer_open": status.drawer_open if printer.kind == PrinterKind.RECEIPT else None,
        "checked_at": _now(),
    }
    with transaction.atomic():
        # The printer's id is the state's id: the row a node sends up meets the cloud's row of the printer.
        state, _created = PrinterState.objects.update_or_create(
            printer=printer, defaults=values, create_defaults={"id": printer.pk, **values}
        )
        report_state(state)


def _fault_code(status: DeviceStatus) -> str:
    if not status.reachable:
        return JobError.UNREACHABLE
    if status.paper_out:
        return JobError.PAPER_OUT
    if status.cover_open:
        return JobError.COVER_OPEN
    if status.online is False or status.health == Health.UNKNOWN:
        return JobError.OFFLINE
    return JobError.PRINTER_ERROR


# --- one job -----------------------------------------------------------------------------------------


def recover_interrupted(printer: Printer) -> int:
    """After a restart: jobs left ``printing`` are queued again if nothing was sent, else failed."""
    with scope(organization=printer.organization_id), transaction.atomic():
        stuck = PrintJob.objects.filter(printer=printer, status=JobStatus.PRINTING, on_node=is_node())
        ids = list(stuck.values_list("pk", flat=True))
        requeued = stuck.filter(send_started_at__isnull=True).update(
            status=JobStatus.QUEUED, next_attempt_at=_now(), updated_at=_now()
        )
        failed = stuck.filter(send_started_at__isnull=False).update(
            status=JobStatus.FAILED,
            error=JobError.INTERRUPTED,
            finished_at=_now(),
            updated_at=_now(),
            error_detail="the print worker stopped while sending",
        )
        report_jobs(ids)
    if requeued or failed:
        logger.warning("printer %s: %d interrupted job(s) queued again, %d failed", printer.pk, requeued, failed)
    return requeued + failed


def next_job(printer: Printer) -> PrintJob | None:
    """The oldest queued job of this side for the printer (order is kept: a job waiting for its retry holds
    the rest)."""
    return (
        PrintJob.objects.filter(printer=printer, status=JobStatus.QUEUED, on_node=is_node())
        .order_by("created_at", "id")
        .first()
    )


def claim(job: PrintJob) -> bool:
    """queued → printing, one attempt more; False when another worker was quicker or the job changed sides."""
    claimed = PrintJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED, on_node=is_node()).update(
        status=JobStatus.PRINTING, attempts=job.attempts + 1, updated_at=_now()
    )
    if claimed:
        job.status = JobStatus.PRINTING
        job.attempts += 1
    return bool(claimed)


def _finish(job: PrintJob, status: str, error: str = "", detail: str = "") -> None:
    job.status = status
    job.error = error
    job.error_detail = detail[:300]
    job.finished_at = _now()
    with transaction.atomic():
        PrintJob.objects.filter(pk=job.pk).update(
            status=status,
            error=error,
            error_detail=job.error_detail,
            finished_at=job.finished_at,
            updated_at=job.finished_at,
        )
        report_jobs([job.pk])


def _retry_later(job: PrintJob, error: str, detail: str, policy: RetryPolicy) -> str:
    if job.attempts >= policy.max_attempts:
        _finish(job, JobStatus.FAILED, error, f"{detail} (gave up after {job.attempts} attempts)")
        return "failed"
    job.status = JobStatus.QUEUED
    job.next_attempt_at = _now() + timedelta(seconds=policy.delay(job.attempts))
    job.error, job.error_detail = error, detail[:300]
    with transaction.atomic():
        PrintJob.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED,
            next_attempt_at=job.next_attempt_at,
            error=error,
            error_detail=job.error_detail,
            updated_at=_now(),
        )
        report_jobs([job.pk])
        if not is_node() and node_prints_for(job.printer.store_id):
            hand_over_job(job)  # a node paired while this worker tried: the next attempt is the node's
    return "retry"


def kicks_drawer(job: PrintJob, printer: Printer) -> bool:
    """A fresh receipt of a sale with cash (paid or paid out) opens the drawer on its printer, once: not a copy,
    not a job a person sent again, not a receipt that waited longer than ``DRAWER_MAX_AGE``."""
    if job.kind != JobKind.RECEIPT or job.sale_id is None or job.manual_retry or not printer.drawer_on_cash:
        return False
    if _now() - job.created_at > DRAWER_MAX_AGE:
        return False
    from kasse.sales.models import Payment, PaymentMethod

    return Payment.objects.filter(sale_id=job.sale_id, method=PaymentMethod.CASH).exists()


def send_job(
    job: PrintJob,
    printer: Printer,
    transport_factory: TransportFactory = devices.transport_for,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> str:
    """Send one claimed job; returns the outcome ("done", "retry" or "failed"). Never raises for printer trouble."""
    if job.kind == JobKind.DRAWER and _now() - job.created_at > DRAWER_MAX_AGE:
        _finish(job, JobStatus.FAILED, JobError.EXPIRED, "drawer kick older than 30 s")
        return "failed"
    try:
        payload = render_payload(job)
        if kicks_drawer(job, printer):
            payload = escpos_render.drawer_kick() + payload
        transport = transport_factory(printer)
    except (ConfigurationError, ValueError, KeyError) as exc:
        _finish(job, JobStatus.FAILED, JobError.PERMANENT, str(exc))
        return "failed"
    try:
        transport.open()
    except TransportError as exc:
        save_state(printer, DeviceStatus.unreachable(str(exc)))
        return _retry_later(job, JobError.UNREACHABLE, str(exc), policy)
    try:
        if devices.asks_status(printer):
            before = devices.query_status(printer, transport)
            save_state(printer, before)
            if not before.ready:  # a fault, or no answer: do not send into a printer that may drop it
                return _retry_later(job, _fault_code(before), before.detail, policy)
        started = _now()
        PrintJob.objects.filter(pk=job.pk).update(send_started_at=started)
        job.send_started_at = started
        try:
            transport.write(payload)
        except TransportError as exc:
            save_state(printer, DeviceStatus.unreachable(str(exc)))
            _finish(job, JobStatus.FAILED, JobError.INTERRUPTED, str(exc))
            return "failed"
        if devices.asks_status(printer):
            after = devices.query_status(printer, transport)
            save_state(printer, after)
            if not after.reachable:
                _finish(job, JobStatus.FAILED, JobError.INTERRUPTED, after.detail or "connection lost after sending")
                return "failed"
            if not after.ready:
                _finish(job, JobStatus.FAILED, JobError.CHECK_PRINTOUT, f"{_fault_code(after)}: {after.detail}")
                return "failed"
        _finish(job, JobStatus.DONE)
        return "done"
    finally:
        transport.close()


def process_next(
    printer_id: Any,
    *,
    transport_factory: TransportFactory = devices.transport_for,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> StepResult:
    """One step of a printer's worker: send the next due job, or say how long to wait."""
    with scopes_disabled():
        printer = Printer.objects.filter(pk=printer_id).select_related("store").first()
    if printer is None:
        return StepResult()
    with scope(organization=printer.organization_id):
        job = next_job(printer)
        if job is None:
            return StepResult()
        if not printer.is_active:
            _finish(job, JobStatus.FAILED, JobError.PERMANENT, "the printer is switched off in the back office")
            return StepResult(job, "failed")
        due = job.next_attempt_at or job.created_at
        if due > _now():
            return StepResult(job, "waiting", (due - _now()).total_seconds())
        if not claim(job):
            return StepResult(job, "idle", 0)
        job.printer = printer
        try:
            outcome = send_job(job, printer, transport_factory, policy)
        except Exception as exc:  # a bug must not leave the job "printing" forever nor kill the worker
            logger.exception("print job %s failed unexpectedly", job.pk)
            outcome = "failed"
            if job.send_started_at is None:
                outcome = _retry_later(job, JobError.PERMANENT, repr(exc)[:300], policy)
            else:
                _finish(job, JobStatus.FAILED, JobError.INTERRUPTED, repr(exc)[:300])
        return StepResult(job, outcome)


def poll_status(printer_id: Any, *, transport_factory: TransportFactory = devices.transport_for) -> DeviceStatus:
    """Ask an idle printer how it is (the register's indicator), and store the answer."""
    with scopes_disabled():
        printer = Printer.objects.get(pk=printer_id)
    try:
        transport = transport_factory(printer)
    except ConfigurationError as exc:
        status = DeviceStatus.unreachable(str(exc))
    else:
        status = (
            devices.check_status(printer, transport)
            if devices.asks_status(printer)
            else DeviceStatus(health=Health.UNKNOWN, reachable=True, detail="status queries are switched off")
        )
    with scope(organization=printer.organization_id):
        save_state(printer, status)
    return status


# --- threads -----------------------------------------------------------------------------------------


class PrinterWorker(SupervisedWorker):
    """Sends one printer's jobs, one after the other, until stopped (one :class:`Supervisor` thread)."""

    def __init__(
        self,
        printer_id: Any,
        *,
        transport_factory: TransportFactory,
        policy: RetryPolicy,
        idle_seconds: float,
        status_seconds: float,
    ) -> None:
        self.printer_id = printer_id
        self.transport_factory = transport_factory
        self.policy = policy
        self.idle_seconds = idle_seconds
        self.status_seconds = status_seconds
        self._last_poll = 0.0
        self._recovered = False
        # A step that fails (the database is busy at start-up, a bug) is tried again by the one backoff rule.
        self.supervisor = Supervisor(
            f"print-worker-{printer_id}",
            self._step,
            idle_seconds=idle_seconds,
            backoff=Backoff(initial=min(0.5, idle_seconds), maximum=max(idle_seconds, 30.0)),
            database=True,
        )

    def _recover(self) -> None:
        with scopes_disabled():
            printer = Printer.objects.filter(pk=self.printer_id).first()
        if printer is not None:
            recover_interrupted(printer)  # before the first job: nothing interrupted is sent again unseen
        self._recovered = True

    def _step(self) -> float:
        if not self._recovered:
            self._recover()
        result = process_next(self.printer_id, transport_factory=self.transport_factory, policy=self.policy)
        if result.outcome in {"done", "retry", "failed"}:
            self._last_poll = time.monotonic()  # the job just asked the printer
            return 0.0
        if time.monotonic() - self._last_poll >= self.status_seconds:
            self._last_poll = time.monotonic()
            with contextlib.suppress(Exception):
                poll_status(self.printer_id, transport_factory=self.transport_factory)
        wait = self.idle_seconds if result.wait_seconds is None else min(result.wait_seconds, self.idle_seconds)
        return max(0.0, wait)


@dataclass(eq=False)
class PrintWorkerPool(WorkerPool[PrinterWorker]):
    """One ``PrinterWorker`` per active printer (of ``store_ids``, or all); follows printers being added,
    changed or switched off (:class:`kasse.core.pool.WorkerPool`). The store node starts it; ``kasse printworker``
    runs it on its own.

    ``idle_seconds``: how often an idle worker looks for jobs queued by another process;
    ``status_seconds``: how often an idle printer is asked for its status.
    """

    name: ClassVar[str] = "print-worker-pool"

    transport_factory: TransportFactory = devices.transport_for
    policy: RetryPolicy = DEFAULT_POLICY
    idle_seconds: float = 1.0
    status_seconds: float = 30.0

    def listen(self, on: bool) -> None:
        (add_pool if on else remove_pool)(self)

    def _active_printer_ids(self) -> set[Any]:
        with scopes_disabled(), transaction.atomic():
            printers = Printer.objects.filter(is_active=True)
            if self.store_ids is not None:
                printers = printers.filter(store_id__in=self.store_ids)
            if not is_node():
                # A store with a node: its printers are the node's (on its LAN); the cloud never drives them.
                printers = printers.exclude(store_id__in=node_store_ids())
            return set(printers.values_list("pk", flat=True))

    def wanted(self) -> dict[Any, Any]:
        return dict.fromkeys(self._active_printer_ids())

    def make_worker(self, key: Any, detail: Any) -> PrinterWorker:
        return PrinterWorker(
            key,
            transport_factory=self.transport_factory,
            policy=self.policy,
            idle_seconds=self.idle_seconds,
            status_seconds=self.status_seconds,
        )

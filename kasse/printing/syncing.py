"""Print jobs and printer states between the cloud and a store node.

**One side prints a job, ever.** ``PrintJob.on_node`` says which, and it is fixed when the job is queued:
a job of a store served by a paired (not revoked) store node is the node's, every other job belongs to
the print worker next to the database it was queued in. The cloud's workers take only ``on_node=False``
jobs and do not drive printers of a store with a node at all; a node's workers take only its own jobs.

- Queued in the cloud for a node's store (test page, labels, a retry from the back office), the job
  travels down the change feed with its bytes and the node's pool prints it.
- The node sends a job's state up when it waits for the printer and when it is done or failed (not
  its bytes), so the back office shows the outcome; the cloud never writes a node's job otherwise.
- "Print again" in the cloud counts ``retries`` up and sends the row down; the node takes it only if its
  own copy is *failed* and has seen fewer retries. A replayed feed event (same count) or a retry the node
  already did itself changes nothing: a person's retry prints at most once, and nothing prints twice
  without somebody asking.
- A job changes sides only while it is queued and nothing was sent, by one compare-and-set on
  ``(status=queued, on_node)`` that the workers' claim also checks: when a node pairs, the store's queued
  cloud jobs become the node's (``hand_over_to_node``), and so does one a cloud worker was trying at that
  moment once it goes back to the queue; when a node is revoked, the store's jobs it had not reported are
  failed for a person to check (``release_node_jobs``), never printed by the cloud on its own.
- ``PrinterState`` goes up only (the node asks the printers), on change and at least every 45 s so the
  cloud's copy does not go stale while the node runs (:mod:`kasse.sync.engine.device_states`, the rule scanners
  and pole displays follow too).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.printing.models import Health, JobError, JobKind, JobStatus, PrinterState, PrintJob
from kasse.sync.engine.changes import record
from kasse.sync.engine.device_states import StateReporter, check_state
from kasse.sync.engine.local import is_node
from kasse.sync.engine.registry import Direction, NodeHooks, Scope, SyncSpec, register


def node_prints_for(store_id: Any) -> bool:
    """Whether jobs of ``store_id`` are printed by a store node (always, on a node)."""
    if is_node():
        return True
    from kasse.sync.models import StoreNode

    with scopes_disabled():
        return StoreNode.objects.filter(store_id=store_id, revoked_at__isnull=True).exists()


def node_store_ids() -> set[Any]:
    """Stores served by a paired store node (the cloud's workers leave their printers alone)."""
    from kasse.sync.models import StoreNode

    with scopes_disabled():
        return set(StoreNode.objects.filter(revoked_at__isnull=True).values_list("store_id", flat=True))


# --- checks of rows that travel (both ways) -------------------------------------------------------------


def check_print_job(values: dict[str, Any]) -> str:
    """Why a print job row may not be stored from the other side ('' when it may)."""
    if values.get("on_node") is not True:
        return "only jobs printed by the store node sync"
    for name, allowed in (("status", JobStatus.values), ("kind", JobKind.values), ("error", JobError.values)):
        if name in values and values[name] not in allowed:
            return f"unknown {name} {values[name]!r}"
    return ""


def check_printer_state(values: dict[str, Any]) -> str:
    return check_state(values, device_field="printer_id", status_field="health", allowed=Health.values)


# --- on the node: the cloud's rows ----------------------------------------------------------------------


def apply_print_jobs(rows: list[dict[str, Any]]) -> int:
    """Store print jobs from the cloud's feed on the node (decoded rows); returns how many changed.

    A new job is inserted (due now by the node's clock); a known one changes only when the row is a
    newer retry of a job that failed here.
    """
    from kasse.printing.wakeup import notify

    now = timezone.now()
    written = 0
    with scopes_disabled():
        for values in rows:
            current = PrintJob.objects.filter(pk=values["id"]).only("status", "retries", "printer_id").first()
            if current is None:
                PrintJob.objects.create(**{**values, "next_attempt_at": now})
            elif (
                values.get("status") == JobStatus.QUEUED
                and current.status == JobStatus.FAILED
                and values.get("retries", 0) > current.retries
            ):
                PrintJob.objects.filter(pk=current.pk, status=JobStatus.FAILED).update(
                    status=JobStatus.QUEUED,
                    manual_retry=True,
                    retries=values["retries"],
                    attempts=0,
                    next_attempt_at=now,
                    error=JobError.NONE,
                    error_detail="",
                    send_started_at=None,
                    finished_at=None,
                    updated_at=now,
                )
            else:
                continue  # the node's state wins: printed, printing, waiting, or this retry is not newer
            written += 1
            transaction.on_commit(functools.partial(notify, values["printer_id"]))
    return written


# --- on the node: what goes up --------------------------------------------------------------------------


def report_jobs(job_ids: list[Any]) -> None:
    """On a node, the current state of these jobs goes into the outbox (call inside the change's transaction)."""
    if not is_node() or not job_ids:
        return
    jobs = list(PrintJob.objects.filter(pk__in=job_ids).defer("payload").order_by("created_at", "id"))
    if jobs:
        record("print_job", jobs)


_states = StateReporter("printer_state")


def report_state(state: PrinterState) -> None:
    """On a node, a printer's state goes up when it changed, and at least every 45 s."""
    _states.report(
        state,
        (
            state.health,
            state.reachable,
            state.online,
            state.cover_open,
            state.paper_near_end,
            state.paper_out,
            state.error,
            state.drawer_open,
            state.detail,
        ),
    )


# --- in the cloud: a node arrives or goes ---------------------------------------------------------------


def _with_bytes(job: PrintJob) -> PrintJob:
    """A receipt queued in the cloud is rendered before it goes to a node (the node may not hold the sale)."""
    if not job.payload and job.kind in (JobKind.RECEIPT, JobKind.REPRINT) and job.sale_id is not None:
        from kasse.printing.payloads import render_payload

        render_payload(job)
    return job


def hand_over_job(job: PrintJob) -> bool:
    """A queued cloud job becomes the node's and goes down the feed; False when a worker claimed it first."""
    try:
        _with_bytes(job)
    except Exception:  # a receipt that cannot be rendered here stays with the cloud (and fails there)
        return False
    # The same condition as the workers' claim: either a worker took it, or the node gets it, never both.
    if not PrintJob.objects.filter(pk=job.pk, on_node=False, status=JobStatus.QUEUED).update(on_node=True):
        return False
    job.on_node = True
    job.status = JobStatus.QUEUED
    record("print_job", [PrintJob.objects.get(pk=job.pk)])
    return True


def hand_over_to_node(store_id: Any) -> int:
    """A node paired for the store: its queued cloud jobs become the node's (its snapshot carries them)."""
    with scopes_disabled():
        jobs = list(PrintJob.objects.filter(printer__store_id=store_id, on_node=False, status=JobStatus.QUEUED))
        return sum(hand_over_job(job) for job in jobs)


def release_node_jobs(store_id: Any) -> int:
    """The store's node was revoked: jobs it had not reported as done or failed are failed in the cloud.

    The node may have printed them while it could not report; a person checks and prints again.
    """
    if node_prints_for(store_id):
        return 0  # another node still serves the store
    now = timezone.now()
    with scopes_disabled():
        return PrintJob.objects.filter(
            printer__store_id=store_id,
            on_node=True,
            status__in=[JobStatus.QUEUED, JobStatus.PRINTING],
        ).update(
            status=JobStatus.FAILED,
            error=JobError.NODE_GONE,
            finished_at=now,
            updated_at=now,
            error_detail="the store node was revoked before it reported this job",
        )


def _node_retired(store_id: Any) -> dict[str, Any]:
    return {"print_jobs_failed": release_node_jobs(store_id)}


register(
    SyncSpec("printing.Printer", Direction.DOWN, Scope.STORE),
    SyncSpec("printing.RegisterPrinter", Direction.DOWN, Scope.STORE, "printer.store_id"),
    # Print jobs of a store with a node are the node's to print: queued in the cloud they come down, the
    # node sends their outcome up (never the bytes). A pairing node takes the store's queued ones.
    SyncSpec(
        "printing.PrintJob",
        Direction.BOTH,
        Scope.STORE,
        "printer.store_id",
        up_fields=frozenset(
            {
                "status",
                "attempts",
                "retries",
                "manual_retry",
                "error",
                "error_detail",
                "send_started_at",
                "finished_at",
                "next_attempt_at",
                "updated_at",
            }
        ),
        up_omit=frozenset({"payload"}),
        node_drops=frozenset({"sale_id", "shift_id"}),
        check=check_print_job,
        apply=apply_print_jobs,
        snapshot_filter={"on_node": True, "status": "queued"},
    ),
    SyncSpec(
        "printing.PrinterState",
        Direction.UP,
        Scope.STORE,
        "printer.store_id",
        check=check_printer_state,
        snapshot_filter={"pk__in": []},
    ),
    # Pairing hands the store's queued jobs to the node (its snapshot carries them); a node that goes fails
    # the jobs it had not reported, for a person to check.
    node_hooks=NodeHooks(paired=hand_over_to_node, retired=_node_retired),
)

"""Print jobs of a store with a store node: queued in the cloud they go down the feed, the node prints them
and their outcome comes back up; printer states come up; exactly one side ever prints a job.

Both roles share the test database here; ``node_records`` runs the node's part and rolls it back, so what
the node did exists only as the outbox records it would push (as in ``kasse/sync/tests/test_ingest.py``).
The same flow with real cloud and node processes: ``kasse/sync/tests/test_print_processes.py``.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.printing import syncing
from kasse.printing.devices import DeviceStatus
from kasse.printing.models import Health, JobError, JobKind, JobStatus, PrinterState, PrintJob
from kasse.printing.services import enqueue_test_page, retry_job
from kasse.printing.worker import PrintWorkerPool, claim, process_next, save_state
from kasse.sync.cloud.feed import snapshot
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.cloud.services import create_node_pairing_code, pair_node, revoke_node
from kasse.sync.engine.device_states import StateReporter
from kasse.sync.engine.local import NODE_BLOCK_SIZE
from kasse.sync.models import ChangeEvent, StoreNode
from kasse.sync.node.apply import IncompatibleRow, apply_events
from kasse.testing.factories import StoreFactory
from kasse.testing.sync import as_node, node_records, of_kind

pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner@example.org")


@pytest.fixture(autouse=True)
def _fresh_state_reports(monkeypatch):
    monkeypatch.setattr(syncing, "_states", StateReporter("printer_state"))


def _events(organization, model="printing.PrintJob"):
    with scopes_disabled():
        return [
            {"seq": e.seq, "model": e.model, "id": e.object_id, "deleted": e.deleted, "row": e.row}
            for e in ChangeEvent.objects.filter(organization=organization, model=model).order_by("seq")
        ]


def _test_page(printer):
    with scope(organization=printer.organization_id):
        return enqueue_test_page(actor=OWNER, printer=printer, language="en")


def _job(job):
    with scopes_disabled():
        return PrintJob.objects.get(pk=job.pk)


def _node_prints(events, factory, *, before=None):
    """As the node: (optionally change the shared row first), apply the cloud's events, run the worker once."""

    def run():
        with scopes_disabled():
            if before is not None:
                before()
            apply_events(events)
            printer_id = PrintJob.objects.get(pk=events[-1]["id"]).printer_id
        return process_next(printer_id, transport_factory=factory)

    return node_records(run)


def test_a_test_page_for_a_node_store_goes_down_the_feed_and_the_cloud_never_prints_it(
    node, receipt_printer, link, factory
):
    job = _test_page(receipt_printer)
    assert job.on_node
    [event] = _events(receipt_printer.organization)
    assert base64.b64decode(event["row"]["payload"]) == bytes(job.payload)  # the bytes travel with it
    with scopes_disabled():
        assert ChangeEvent.objects.get(model="printing.PrintJob").store_id == receipt_printer.store_id
    # The cloud's own worker: no worker for the node's printer, and the job is not its to take.
    assert PrintWorkerPool()._active_printer_ids() == set()
    assert process_next(receipt_printer.pk, transport_factory=factory).outcome == "idle"
    with scopes_disabled():
        assert not claim(_job(job))
    assert link.printed == []
    assert _job(job).status == JobStatus.QUEUED


def test_the_node_prints_a_cloud_job_and_its_outcome_comes_back_without_the_bytes(node, receipt_printer, link, factory):
    job = _test_page(receipt_printer)
    events = _events(receipt_printer.organization)
    records = _node_prints(events, factory, before=lambda: PrintJob.objects.all().delete())
    assert link.printed == [bytes(job.payload)]  # printed once, on the node
    [record] = of_kind(records, "print_job")
    [[table, row]] = record["rows"]
    assert table == "printing.PrintJob"
    assert row["status"] == JobStatus.DONE
    assert "payload" not in row
    assert _job(job).status == JobStatus.QUEUED  # the cloud does not know yet
    assert Ingestor(node, records).run()[record["id"]] == {"status": "ok"}
    cloud = _job(job)
    assert (cloud.status, cloud.attempts, cloud.on_node) == (JobStatus.DONE, 1, True)
    assert bytes(cloud.payload) == bytes(job.payload)  # an upload changes the state, never the bytes


def test_a_waiting_job_shows_why_in_the_cloud(node, receipt_printer, link, factory):
    from kasse.hardware.virtual.network_printer import PrinterState as VirtualState

    job = _test_page(receipt_printer)
    link.state = VirtualState.PAPER_OUT
    records = _node_prints(
        _events(receipt_printer.organization), factory, before=lambda: PrintJob.objects.all().delete()
    )
    assert link.printed == []
    Ingestor(node, records).run()
    cloud = _job(job)
    assert (cloud.status, cloud.error) == (JobStatus.QUEUED, JobError.PAPER_OUT)
    with scopes_disabled():
        state = PrinterState.objects.get()
    assert (state.pk, state.paper_out, state.health) == (receipt_printer.pk, True, Health.FAULT)


def test_a_retry_in_the_cloud_prints_once_on_the_node_and_a_replayed_event_never_prints_again(
    node, receipt_printer, link, factory
):
    job = _test_page(receipt_printer)
    [created] = _events(receipt_printer.organization)
    with scopes_disabled():
        PrintJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=JobError.INTERRUPTED)
    # Replaying the creation event on a node whose copy failed does not queue it again.
    _node_prints([created], factory)
    assert link.printed == []
    with scope(organization=receipt_printer.organization_id):
        retried = retry_job(actor=OWNER, job=_job(job))
    assert (retried.retries, retried.on_node) == (1, True)
    [_created, retry] = _events(receipt_printer.organization)
    assert retry["row"]["retries"] == 1
    records = _node_prints([created, retry], factory)  # the node's copy failed: the retry is taken
    assert link.printed == [bytes(job.payload)]
    [record] = of_kind(records, "print_job")
    assert record["rows"][0][1]["status"] == JobStatus.DONE
    assert record["rows"][0][1]["manual_retry"] is True

    def done_here():
        PrintJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, retries=1)

    _node_prints([created, retry], factory, before=done_here)  # replayed after it printed
    assert len(link.printed) == 1

    def failed_again_after_its_own_retry():
        PrintJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, retries=1)

    _node_prints([retry], factory, before=failed_again_after_its_own_retry)  # not newer than what it did
    assert len(link.printed) == 1


def test_a_revoked_nodes_unreported_jobs_fail_and_a_person_can_print_them_in_the_cloud(
    node, receipt_printer, link, factory
):
    job = _test_page(receipt_printer)
    with scope(organization=receipt_printer.organization_id):
        revoke_node(actor=OWNER, node=node)
    failed = _job(job)
    assert (failed.status, failed.error) == (JobStatus.FAILED, JobError.NODE_GONE)
    assert process_next(receipt_printer.pk, transport_factory=factory).outcome == "idle"  # never on its own
    with scope(organization=receipt_printer.organization_id):
        retried = retry_job(actor=OWNER, job=failed)
    assert not retried.on_node  # no node any more: the cloud's worker prints it
    assert process_next(receipt_printer.pk, transport_factory=factory).outcome == "done"
    assert link.printed == [bytes(job.payload)]


def test_a_pairing_node_takes_the_stores_queued_jobs_but_not_one_a_worker_is_sending(
    organization, store, receipt_printer
):
    queued = _test_page(receipt_printer)
    sending = _test_page(receipt_printer)
    assert not queued.on_node
    with scopes_disabled():
        PrintJob.objects.filter(pk=sending.pk).update(status=JobStatus.PRINTING, send_started_at=timezone.now())
    with scope(organization=organization):
        code = create_node_pairing_code(actor=OWNER, store=store)
    node, _token = pair_node(code=code, name="Laden-PC", version="test")
    assert _job(queued).on_node
    assert not _job(sending).on_node
    tables = dict(snapshot(node))
    assert [row["id"] for row in tables["printing.PrintJob"]] == [str(queued.pk)]
    assert "printing.PrinterState" not in tables


def test_a_store_without_a_node_prints_in_the_cloud_as_before(receipt_printer, link, factory):
    job = _test_page(receipt_printer)
    assert not job.on_node
    assert _events(receipt_printer.organization) == []
    assert PrintWorkerPool()._active_printer_ids() == {receipt_printer.pk}
    assert process_next(receipt_printer.pk, transport_factory=factory).outcome == "done"
    assert link.printed == [bytes(job.payload)]


def test_printer_states_from_the_node_show_on_the_clouds_printers_page(node, owner_client, receipt_printer):
    paper_out = DeviceStatus(
        health=Health.FAULT,
        reachable=True,
        online=True,
        cover_open=False,
        paper_near_end=False,
        paper_out=True,
        error=False,
    )

    def node_sees(status):
        def run():
            with scope(organization=receipt_printer.organization_id):
                save_state(receipt_printer, status)

        return node_records(run)

    records = node_sees(paper_out)
    [record] = of_kind(records, "printer_state")
    assert record["rows"][0][1]["id"] == str(receipt_printer.pk)
    assert of_kind(node_sees(paper_out), "printer_state") == []  # unchanged and recent: not sent again
    with scopes_disabled():
        assert not PrinterState.objects.exists()
    Ingestor(node, records).run()
    page = BeautifulSoup(owner_client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE="en").content, "html.parser")
    cell = page.select_one(f"[data-printer='{receipt_printer.pk}'] [data-testid=printer-status]")
    assert cell["data-status"] == "paper_out"
    assert "Laden-PC" in page.select_one("[data-testid=printed-by-node]").text
    ready = DeviceStatus(
        health=Health.OK,
        reachable=True,
        online=True,
        cover_open=False,
        paper_near_end=False,
        paper_out=False,
        error=False,
    )
    Ingestor(node, node_sees(ready)).run()  # changed: sent at once
    page = BeautifulSoup(owner_client.get("/devices/printers/live/").content, "html.parser")
    assert page.select_one(f"[data-printer='{receipt_printer.pk}'] [data-testid=printer-status]")["data-status"] == "ok"


def _job_row(job, **changes):
    """The job as a node would send it up (JSON, without its bytes), changed."""
    from kasse.sync.engine.registry import encode_row

    with scopes_disabled():
        row = json.loads(json.dumps(encode_row(PrintJob.objects.get(pk=job.pk), frozenset({"payload"}))))
    return {**row, **changes}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"on_node": False}, "only jobs printed by the store node sync"),
        ({"status": "vanished"}, "unknown status 'vanished'"),
        ({"kind": "fax"}, "unknown kind 'fax'"),
        ({"payload": "%%% not base64"}, "base64"),
    ],
)
def test_bad_print_job_uploads_are_refused_and_change_nothing(node, receipt_printer, changes, reason):
    job = _test_page(receipt_printer)
    row = _job_row(job, **{"status": "done", **changes})
    with scopes_disabled():
        PrintJob.objects.all().delete()
    answer = Ingestor(
        node,
        [{"id": "0190a0c0-0000-7000-8000-000000000001", "kind": "print_job", "rows": [["printing.PrintJob", row]]}],
    ).run()
    [result] = answer.values()
    assert result["status"] == "rejected"
    assert reason in result["detail"]
    with scopes_disabled():
        assert not PrintJob.objects.exists()


def test_a_node_cannot_send_jobs_or_states_of_another_stores_printer(node, organization, receipt_printer):
    from kasse.printing.models import Printer

    other_store = StoreFactory(organization=organization)
    with scopes_disabled():
        other = Printer.objects.create(organization=organization, store=other_store, name="Fremd", host="192.0.2.9")
    job = _test_page(other)  # the other store has no node: a cloud job
    row = _job_row(job, on_node=True, status="done")
    state = {
        "id": str(other.pk),
        "organization_id": str(organization.pk),
        "printer_id": str(other.pk),
        "health": "ok",
        "reachable": True,
        "online": True,
        "detail": "",
        "checked_at": timezone.now().isoformat(),
        "created_at": timezone.now().isoformat(),
        "updated_at": timezone.now().isoformat(),
    }
    answer = Ingestor(
        node,
        [
            {"id": "0190a0c0-0000-7000-8000-000000000002", "kind": "print_job", "rows": [["printing.PrintJob", row]]},
            {
                "id": "0190a0c0-0000-7000-8000-000000000003",
                "kind": "printer_state",
                "rows": [["printing.PrinterState", state]],
            },
            {
                "id": "0190a0c0-0000-7000-8000-000000000004",
                "kind": "printer_state",
                "rows": [["printing.PrinterState", {**state, "printer_id": str(receipt_printer.pk)}]],
            },
        ],
    ).run()
    assert {key: value["status"] for key, value in answer.items()} == {
        "0190a0c0-0000-7000-8000-000000000002": "rejected",
        "0190a0c0-0000-7000-8000-000000000003": "rejected",
        "0190a0c0-0000-7000-8000-000000000004": "rejected",
    }
    assert "another store" in answer["0190a0c0-0000-7000-8000-000000000002"]["detail"]
    assert "its device's id" in answer["0190a0c0-0000-7000-8000-000000000004"]["detail"]
    assert _job(job).status == JobStatus.QUEUED
    with scopes_disabled():
        assert not PrinterState.objects.exists()


def test_the_node_refuses_a_job_row_it_would_not_print(node, receipt_printer):
    job = _test_page(receipt_printer)
    [event] = _events(receipt_printer.organization)
    bad = copy.deepcopy(event)
    bad["row"]["on_node"] = False
    with as_node(), scopes_disabled(), pytest.raises(IncompatibleRow, match="only jobs printed by the store node"):
        apply_events([bad])
    assert job.kind == JobKind.TEST


def test_a_job_the_cloud_could_not_send_goes_to_a_node_paired_meanwhile(
    organization, store, receipt_printer, link, factory
):
    job = _test_page(receipt_printer)
    with scopes_disabled():
        PrintJob.objects.filter(pk=job.pk).update(status=JobStatus.PRINTING, attempts=1)  # a cloud worker has it
    StoreNode.objects.with_scopes_disabled().create(
        organization=organization,
        store=store,
        name="Laden-PC",
        token_digest="y" * 64,
        customer_number_base=NODE_BLOCK_SIZE,
    )
    link.refuse = True
    with scope(organization=organization):
        from kasse.printing.worker import send_job

        claimed = _job(job)
        assert send_job(claimed, receipt_printer, factory) == "retry"
    moved = _job(job)
    assert (moved.status, moved.on_node) == (JobStatus.QUEUED, True)
    [event] = _events(organization)
    assert event["row"]["on_node"] is True

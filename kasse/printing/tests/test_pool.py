"""The worker pool in its threads against the virtual ESC/POS network printer on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.hardware.virtual.network_printer import PrinterState as VirtualState
from kasse.hardware.virtual.network_printer import VirtualNetworkPrinter
from kasse.printing import services
from kasse.printing.models import JobError, JobStatus, Printer, PrinterKind, PrinterState, PrintJob
from kasse.printing.worker import PrintWorkerPool, RetryPolicy


def _wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with scopes_disabled():
                value = predicate()
        except OperationalError:  # SQLite's shared in-memory test database locks whole tables
            value = None
        if value:
            return value
        time.sleep(0.02)
    return None


def _retrying(call):
    for _ in range(50):
        try:
            return call()
        except OperationalError:
            time.sleep(0.02)
    return call()


@pytest.fixture
def virtual_printer(tmp_path):
    with VirtualNetworkPrinter(0, paper_mm=58, out_dir=tmp_path / "out", idle_timeout=2) as printer:
        yield printer


@pytest.mark.django_db(transaction=True)
def test_queued_jobs_reach_the_virtual_printer_through_the_pool_and_wait_while_the_paper_is_out(
    organization, store, virtual_printer
):
    # Given a receipt printer pointing at the virtual printer, whose paper is out, and a running pool
    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization,
            store=store,
            name="Virtuell",
            kind=PrinterKind.RECEIPT,
            host="127.0.0.1",
            port=virtual_printer.port,
            profile="generic-58",
        )
    virtual_printer.state = VirtualState.PAPER_OUT
    policy = RetryPolicy(base_seconds=0.2, max_seconds=0.4, jitter=0.1, max_attempts=50)
    with PrintWorkerPool(policy=policy, idle_seconds=0.1, status_seconds=0.2, refresh_seconds=0.2):
        # When a test page is queued
        job = _retrying(lambda: services.enqueue_test_page(actor=Actor.system(), printer=printer, language="de"))
        # Then it waits (nothing printed, nothing rejected) and the state says "paper out"
        assert _wait_for(lambda: PrintJob.objects.filter(pk=job.pk, error=JobError.PAPER_OUT).exists())
        assert _wait_for(lambda: PrinterState.objects.filter(printer=printer, paper_out=True).exists())
        assert virtual_printer.jobs == []
        assert virtual_printer.rejected_jobs == 0
        # When paper is loaded, the job prints exactly once
        virtual_printer.state = VirtualState.ONLINE
        assert _wait_for(lambda: PrintJob.objects.filter(pk=job.pk, status=JobStatus.DONE).exists())
        jobs = virtual_printer.wait_for_jobs(1)
    assert len(jobs) == 1
    assert "Testseite" in jobs[0].text
    assert "ÄÖÜ äöü ß €" in jobs[0].text
    assert (virtual_printer.out_dir / "job-0001.png").exists()
    with scopes_disabled():
        assert PrintJob.objects.get(pk=job.pk).attempts >= 2


@pytest.mark.django_db(transaction=True)
def test_the_pool_stops_cleanly_and_finds_printers_added_later(organization, store, virtual_printer):
    pool = PrintWorkerPool(idle_seconds=0.1, status_seconds=0.2, refresh_seconds=0.1).start()
    try:
        assert pool.workers == {}
        with scopes_disabled():
            printer = Printer.objects.create(
                organization=organization,
                store=store,
                name="Neu",
                host="127.0.0.1",
                port=virtual_printer.port,
                profile="generic-58",
            )
        pool.refresh_soon()
        assert _wait_for(lambda: printer.pk in pool.workers)
        assert _wait_for(lambda: PrinterState.objects.filter(printer=printer, health="ok").exists())
    finally:
        pool.stop(timeout=3)
    assert pool.workers == {}


@pytest.mark.django_db
def test_labels_reach_the_virtual_tspl_printer_and_wait_while_its_head_is_open(organization, store, label_printer):
    from kasse.hardware.virtual.label_printer import LabelPrinterState, VirtualLabelPrinter
    from kasse.printing.documents import LabelRequest
    from kasse.printing.worker import process_next
    from kasse.testing.factories import ProductFactory

    product = ProductFactory(
        organization=organization,
        name="Bergkäse",
        price="24.90",
        unit="kg",
        is_measured=True,
        variant__barcode="4006381333931",
    )
    with scopes_disabled():
        variant = product.variants.select_related("product").get()
    with VirtualLabelPrinter(0, idle_timeout=2) as virtual:
        with scopes_disabled():
            Printer.objects.filter(pk=label_printer.pk).update(port=virtual.port)
            label_printer.refresh_from_db()
        job = services.enqueue_labels(
            actor=Actor.system(), printer=label_printer, requests=[LabelRequest(variant, 2)], width_mm=50, height_mm=30
        )
        virtual.state = LabelPrinterState.HEAD_OPEN
        assert process_next(label_printer.pk).outcome == "retry"
        with scopes_disabled():
            waiting = PrintJob.objects.get(pk=job.pk)
            assert waiting.error == JobError.COVER_OPEN
            PrintJob.objects.filter(pk=job.pk).update(next_attempt_at=waiting.created_at)
        virtual.state = LabelPrinterState.ONLINE
        assert process_next(label_printer.pk).outcome == "done"
        [label] = virtual.wait_for_labels(1)
    assert label.text_values[:3] == ["Bergkäse", "24,90 €", "1 kg = 24,90 €"]
    assert label.copies == 2


@pytest.mark.django_db
def test_printworker_refuses_an_unknown_store():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Unknown store id"):
        call_command("printworker", "--store", "01a22611-425e-7253-99b2-d68ca4a12f84")

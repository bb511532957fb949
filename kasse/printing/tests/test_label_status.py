"""Label printers are asked for their status like receipt printers: TSPL ``ESC ! ?`` and ZPL ``~HS``, over a
real socket to the virtual label printer; the worker prints only into a ready printer and the back office
shows what it answered."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.hardware.labels import render_zpl, shelf_label
from kasse.hardware.virtual.label_printer import LabelPrinterState, VirtualLabelPrinter
from kasse.printing import devices
from kasse.printing.models import Health, JobError, JobKind, JobStatus, Printer, PrinterKind, PrintJob
from kasse.printing.worker import poll_status, process_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def virtual_labels():
    with VirtualLabelPrinter(0, idle_timeout=2) as printer:
        yield printer


@pytest.fixture
def zebra(organization, store, virtual_labels):
    with scopes_disabled():
        return Printer.objects.create(
            organization=organization,
            store=store,
            name="Zebra",
            kind=PrinterKind.LABEL,
            host="127.0.0.1",
            port=virtual_labels.port,
            label_language="zpl",
        )


def _label_job(printer):
    payload = render_zpl(shelf_label("Bergkäse", Decimal("1.95"), ean="4006381333931", width_mm=50, height_mm=30))
    with scopes_disabled():
        return PrintJob.objects.create(
            organization_id=printer.organization_id,
            printer=printer,
            kind=JobKind.LABEL,
            payload=payload,
            next_attempt_at=timezone.now(),
        )


def test_a_zpl_printer_is_asked_with_tilde_hs_and_its_answer_is_stored(zebra, virtual_labels):
    assert devices.asks_status(zebra)
    virtual_labels.state = LabelPrinterState.HEAD_OPEN
    status = poll_status(zebra.pk)
    assert virtual_labels.status_queries == [b"~HS"]
    assert (status.health, status.reachable, status.cover_open, status.online) == (Health.FAULT, True, True, True)
    with scopes_disabled():
        zebra.refresh_from_db()
        assert zebra.state.cover_open is True
        assert zebra.state.pk == zebra.pk  # the state's id is its printer's


def test_a_paused_zebra_counts_as_offline(zebra, virtual_labels):
    virtual_labels.state = LabelPrinterState.PAUSED
    status = poll_status(zebra.pk)
    assert (status.health, status.online) == (Health.FAULT, False)


def test_garbage_or_silence_from_a_zebra_is_unknown_and_nothing_is_sent(zebra, virtual_labels):
    virtual_labels.zpl_reply = b"\x02nonsense\x03\r\n"
    job = _label_job(zebra)
    step = process_next(zebra.pk)
    assert step.outcome == "retry"
    with scopes_disabled():
        job.refresh_from_db()
        assert (job.status, job.error, job.send_started_at) == (JobStatus.QUEUED, JobError.OFFLINE, None)
        assert zebra.state.health == Health.UNKNOWN
        assert "unreadable reply to ~HS" in zebra.state.detail
    assert virtual_labels.labels == []
    virtual_labels.zpl_reply = None
    virtual_labels.state = LabelPrinterState.OFFLINE  # says nothing at all
    assert poll_status(zebra.pk).health == Health.UNKNOWN


def test_a_ready_zebra_prints_between_two_status_queries(zebra, virtual_labels):
    job = _label_job(zebra)
    assert process_next(zebra.pk).outcome == "done"
    [label] = virtual_labels.wait_for_labels(1)
    assert label.text_values[:2] == ["Bergkäse", "1,95 €"]
    assert virtual_labels.status_queries == [b"~HS", b"~HS"]
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_paper_out_on_a_zebra_keeps_the_job_waiting(zebra, virtual_labels):
    virtual_labels.state = LabelPrinterState.PAPER_OUT
    job = _label_job(zebra)
    assert process_next(zebra.pk).outcome == "retry"
    with scopes_disabled():
        job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.QUEUED, JobError.PAPER_OUT)
    assert virtual_labels.labels == []


def test_the_back_office_shows_a_zebras_status(owner_client, zebra, virtual_labels):
    virtual_labels.state = LabelPrinterState.PAPER_OUT
    poll_status(zebra.pk)
    page = BeautifulSoup(owner_client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE="en").content, "html.parser")
    cell = page.select_one(f"[data-printer='{zebra.pk}'] [data-testid=printer-status]")
    assert cell["data-status"] == "paper_out"
    assert cell.text.strip() == "paper out"

"""Printing from the register: the receipt after a sale, copies, X/Z reports, the drawer, status, failed jobs."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.hardware.virtual.escpos_decoder import decode
from kasse.printing.models import JobError, JobKind, JobStatus, PrinterState, PrintJob
from kasse.printing.worker import process_next
from kasse.sales.models import Sale, Shift
from kasse.testing.register_login import approval
from kasse.testing.sync import as_node


def _sell(till, *codes):
    for code in codes:
        till.post("/register/cart/scan/", {"code": code})
    response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "20"}])})
    assert response.status_code == 200
    with scopes_disabled():
        return Sale.objects.order_by("-receipt_number").first()


def _jobs(**filters):
    with scopes_disabled():
        return list(PrintJob.objects.filter(**filters).order_by("created_at"))


@pytest.mark.django_db
def test_a_completed_sale_queues_its_receipt_in_the_same_transaction(till, bakery, receipt_printer):
    sale = _sell(till, "4000000000017")
    [job] = _jobs()
    assert (job.kind, job.status, job.sale_id, job.printer_id) == (
        JobKind.RECEIPT,
        JobStatus.QUEUED,
        sale.pk,
        receipt_printer.pk,
    )
    assert job.title == f"{sale.register.number}/{sale.receipt_number}"


@pytest.mark.django_db
def test_without_a_printer_a_sale_queues_nothing(till, bakery):
    _sell(till, "4000000000017")
    assert _jobs() == []


@pytest.mark.django_db
def test_a_broken_print_queue_never_fails_the_sale(till, bakery, receipt_printer, monkeypatch):
    def broken(register):
        raise RuntimeError("printer table unreadable")

    monkeypatch.setattr("kasse.printing.services.receipt_printer_for", broken)
    sale = _sell(till, "4000000000017")
    assert sale is not None
    assert sale.total == sale.total.__class__("0.45")
    assert _jobs() == []


@pytest.mark.django_db
def test_the_only_receipt_printer_of_the_store_serves_registers_without_one(till, bakery, receipt_printer):
    from kasse.printing.models import RegisterPrinter

    with scopes_disabled():
        RegisterPrinter.objects.all().delete()
    _sell(till, "4000000000017")
    assert [j.printer_id for j in _jobs()] == [receipt_printer.pk]


@pytest.mark.django_db
def test_print_copy_marks_the_receipt_and_is_audited(till, bakery, receipt_printer, link, factory):
    sale = _sell(till, "4000000000017")
    process_next(receipt_printer.pk, transport_factory=factory)
    response = till.post(f"/register/print/receipt/{sale.pk}/")
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"kasse:printed": "Bon 1 wird gedruckt."}
    process_next(receipt_printer.pk, transport_factory=factory)
    original, copy = (decode(data, paper_width_px=384).text for data in link.printed)
    assert not original.startswith("KOPIE")
    assert copy.startswith("KOPIE\n")
    assert copy.removeprefix("KOPIE\n") == original
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="printing.receipt.reprinted", object_id=str(sale.pk)).exists()


@pytest.mark.django_db
def test_print_copy_without_a_printer_says_so_and_writes_nothing(till, bakery):
    sale = _sell(till, "4000000000017")
    response = till.post(f"/register/print/receipt/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert json.loads(response["HX-Trigger"]) == {"kasse:error": "No receipt printer is set up for this register."}
    assert _jobs() == []


@pytest.mark.django_db
def test_x_report_on_paper_has_the_shift_figures_in_english(till, bakery, receipt_printer, organization):
    with scopes_disabled():
        organization.language = "en"
        organization.save()
    _sell(till, "4000000000017", "4000000000024")
    assert till.post("/register/print/x/").status_code == 200
    [_receipt, report] = _jobs()
    assert report.kind == JobKind.X_REPORT
    text = decode(bytes(report.payload), paper_width_px=384).text
    assert "\nX report\nInterim figures, not a closing\n" in text
    assert "Sales (1)" in text
    assert "3.25" in text
    assert "Opening float" in text
    assert "100.00" in text
    assert text.endswith("All amounts in €.\nInterim report:\nthe shift stays open.")  # phrases kept whole


@pytest.mark.django_db
def test_z_report_on_paper_after_closing(till, bakery, receipt_printer, register, cashier):
    from kasse.sales.services.shifts import close_shift

    _sell(till, "4000000000017")
    with scopes_disabled():
        shift = Shift.objects.get(register=register)
    close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"50": 2})
    response = till.post(f"/register/print/z/{shift.pk}/")
    assert response.status_code == 200
    [report] = _jobs(kind=JobKind.Z_REPORT)
    text = decode(bytes(report.payload), paper_width_px=384).text
    assert "\nZ-Bon 1\n" in text
    assert "Gezählter Bestand" in text
    assert "Differenz                  -0,45" in text
    assert report.title == "Z 1"


@pytest.mark.django_db
def test_a_cashier_needs_a_manager_pin_to_open_the_drawer(till, receipt_printer, manager):
    refused = till.post("/register/print/drawer/")
    assert refused.status_code == 422
    assert json.loads(refused["HX-Trigger"])["kasse:error"] == (
        "Clara darf die Kassenlade nicht öffnen; eine Manager-PIN ist nötig."
    )
    assert _jobs() == []
    opened = till.post("/register/print/drawer/", approval(manager, "2222"))
    assert opened.status_code == 200
    [job] = _jobs()
    assert job.kind == JobKind.DRAWER
    assert bytes(job.payload) == b"\x1bp\x00\x19\xfa"
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="printing.drawer.opened")
    assert entry.data["approver"] == str(manager.pk)
    assert entry.object_id == str(job.pk)


@pytest.mark.django_db
def test_a_wrong_manager_pin_opens_nothing(till, receipt_printer, manager):
    response = till.post("/register/print/drawer/", approval(manager, "9999"))
    assert response.status_code == 422
    assert _jobs() == []


@pytest.mark.django_db
def test_the_indicator_shows_the_workers_last_status(till, receipt_printer):
    def indicator():
        soup = BeautifulSoup(till.get("/register/print/status/").content, "html.parser")
        return soup.select_one("[data-testid=printer-indicator]")

    assert indicator()["data-status"] == "unknown"
    with scopes_disabled():
        PrinterState.objects.create(
            organization=receipt_printer.organization,
            printer=receipt_printer,
            reachable=True,
            online=True,
            paper_out=True,
            health="fault",
            checked_at=timezone.now(),
        )
    assert indicator()["data-status"] == "paper_out"
    with scopes_disabled():
        PrinterState.objects.filter(printer=receipt_printer).update(paper_out=False, paper_near_end=True)
    assert indicator()["data-status"] == "paper_near_end"


@pytest.mark.django_db
def test_failed_jobs_are_listed_at_the_register_and_printed_again_on_request(till, bakery, receipt_printer):
    _sell(till, "4000000000017")
    [job] = _jobs()
    with scopes_disabled():
        PrintJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=JobError.INTERRUPTED, attempts=1)
    soup = BeautifulSoup(till.get("/register/print/status/").content, "html.parser")
    assert soup.select_one("[data-testid=print-problems]") is not None
    listed = BeautifulSoup(till.get("/register/print/jobs/").content, "html.parser")
    assert [row["data-status"] for row in listed.select("[data-testid=register-job]")] == ["failed"]
    assert till.post(f"/register/print/jobs/{job.pk}/retry/").status_code == 200
    [job] = _jobs()
    assert job.status == JobStatus.QUEUED
    assert job.attempts == 0
    assert job.error == ""
    again = till.post(f"/register/print/jobs/{job.pk}/retry/")
    assert again.status_code == 422  # only failed jobs


@pytest.mark.django_db
def test_register_pages_offer_the_print_buttons(till, bakery, receipt_printer):
    _sell(till, "4000000000017")
    main = BeautifulSoup(till.get("/register/").content, "html.parser")
    assert main.select_one("#printer-status[hx-get='/register/print/status/']") is not None
    menu = BeautifulSoup(till.get("/register/shift/menu/").content, "html.parser")
    assert menu.select_one("[data-testid=print-x-report]")
    assert menu.select_one("[data-testid=open-drawer]")
    receipts = BeautifulSoup(till.get("/register/receipts/").content, "html.parser")
    assert receipts.select_one("[data-testid=print-copy]") is not None
    report = BeautifulSoup(till.get("/register/shift/x/").content, "html.parser")
    assert report.select_one("[data-testid=print-on-printer][hx-post='/register/print/x/']") is not None


@pytest.mark.django_db
def test_a_return_prints_its_own_receipt_once(till, register, bakery, receipt_printer, link, factory):
    from kasse.register.tests.test_returns import _hidden, _qty_field

    sale = _sell(till, "4000000000017", "4000000000017")
    form = till.get("/register/returns/find/", {"code": str(sale.receipt_number)})
    rolls = bakery["rolls"]
    with scopes_disabled():
        sku = rolls.variants.get().sku
    data = {"action": "confirm", "tender": "cash", "refund_id": _hidden(form, "refund_id"), _qty_field(form, sku): "1"}
    assert till.post(f"/register/returns/{sale.pk}/", data).status_code == 200
    assert till.post(f"/register/returns/{sale.pk}/", data).status_code in {200, 422}  # a second tap
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
    assert [(j.kind, j.sale_id) for j in _jobs()] == [(JobKind.RECEIPT, sale.pk), (JobKind.RECEIPT, refund.pk)]
    process_next(receipt_printer.pk, transport_factory=factory)
    process_next(receipt_printer.pk, transport_factory=factory)
    assert decode(link.printed[1], paper_width_px=384).text.splitlines()[6] == "RÜCKGABE · zu Beleg 1"


@pytest.mark.django_db
def test_queueing_a_receipt_costs_the_sale_a_few_small_queries(
    till, bakery, receipt_printer, django_assert_max_num_queries
):
    from django.db import transaction

    from kasse.printing.services import enqueue_sale_receipt

    sale = _sell(till, "4000000000017")
    with scopes_disabled():
        PrintJob.objects.all().delete()
        sale = Sale.objects.select_related("register").get(pk=sale.pk)
    # savepoint, printer of the register, "already queued?", does a store node print here?, insert, release
    with transaction.atomic(), django_assert_max_num_queries(6):
        assert enqueue_sale_receipt(sale=sale) is not None
    with scopes_disabled():
        PrintJob.objects.all().delete()
    with as_node(), transaction.atomic(), django_assert_max_num_queries(5):  # a node prints its own jobs: no look-up
        assert enqueue_sale_receipt(sale=sale).on_node


@pytest.mark.django_db
def test_closing_the_shift_prints_the_z_report(till, register, receipt_printer):
    with scopes_disabled():
        shift = Shift.objects.get(register=register)
    response = till.post("/register/shift/close/", {"step": "confirm", "shift": str(shift.pk), "d-20": "5"})
    assert response.status_code == 302
    assert [(j.kind, j.title) for j in _jobs()] == [(JobKind.Z_REPORT, "Z 1")]


@pytest.mark.django_db
def test_closing_the_shift_without_a_printer_still_closes_it(till, register):
    with scopes_disabled():
        shift = Shift.objects.get(register=register)
    response = till.post("/register/shift/close/", {"step": "confirm", "shift": str(shift.pk), "d-20": "5"})
    assert response.status_code == 302
    assert _jobs() == []


@pytest.mark.django_db
def test_a_shelf_label_from_the_register(till, bakery, label_printer):
    from kasse.hardware.virtual.label_parser import parse_label_job

    overlay = BeautifulSoup(till.get("/register/print/jobs/").content, "html.parser")
    assert overlay.select_one("[data-testid=label-form][data-scan-into]") is not None
    response = till.post("/register/print/label/", {"code": "4000000000017", "copies": "2"})
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"kasse:printed": "Etikett für Brötchen wird gedruckt."}
    [job] = _jobs()
    [label] = parse_label_job(bytes(job.payload))
    assert label.text_values[:2] == ["Brötchen", "0,45 €"]
    assert label.copies == 2
    assert till.post("/register/print/label/", {"code": "0000", "copies": "1"}).status_code == 422
    assert till.post("/register/print/label/", {"code": "4000000000017", "copies": "500"}).status_code == 422
    assert len(_jobs()) == 1


@pytest.mark.django_db
def test_no_label_printer_no_label(till, bakery):
    response = till.post("/register/print/label/", {"code": "4000000000017"})
    assert json.loads(response["HX-Trigger"]) == {"kasse:error": "Diese Filiale hat keinen Etikettendrucker."}
    assert _jobs() == []

"""The back office's printer pages: list with status, add/edit, test print, retry, discovery, USB, labels."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.hardware.virtual.label_parser import parse_label_job
from kasse.hardware.virtual.network_printer import VirtualNetworkPrinter
from kasse.printing.models import JobKind, JobStatus, Printer, PrinterState, PrintJob, RegisterPrinter
from kasse.testing.factories import ProductFactory, RegisterFactory
from kasse.testing.plugin import soup_of

PRINTER_POST = {
    "name": "Bondrucker Kasse 1",
    "kind": "receipt",
    "connection": "tcp",
    "host": "192.0.2.50",
    "port": "9100",
    "baud_rate": "9600",
    "bluetooth_channel": "1",
    "profile": "hprt-tp808",
    "label_language": "tspl",
    "label_width_mm": "50",
    "label_height_mm": "30",
    "query_status": "on",
    "is_active": "on",
}


@pytest.mark.django_db
def test_owner_adds_a_network_printer_for_a_register(owner_client, store, register):
    page = owner_client.get(f"/devices/printers/new/{store.pk}/")
    assert page.status_code == 200
    response = owner_client.post(f"/devices/printers/new/{store.pk}/", {**PRINTER_POST, "registers": [register.pk]})
    assert response.status_code == 302
    with scopes_disabled():
        printer = Printer.objects.get()
        assert (printer.host, printer.port, printer.profile, printer.store_id) == (
            "192.0.2.50",
            9100,
            "hprt-tp808",
            store.pk,
        )
        assert RegisterPrinter.objects.get().register_id == register.pk
        assert AuditEntry.objects.filter(action="printing.printer.created", object_id=str(printer.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"host": ""}, "host", "Für diese Verbindung nötig."),
        ({"port": "70000"}, "port", "Ein Port von 1 bis 65535, bitte."),
        (
            {"connection": "usb", "usb_vendor_id": "zz", "usb_product_id": "0202"},
            "usb_vendor_id",
            "Vier Hexadezimalziffern, z. B. 04b8.",
        ),
        (
            {"connection": "bluetooth", "bluetooth_address": "nope"},
            "bluetooth_address",
            "Eine Adresse wie AA:BB:CC:DD:EE:FF, bitte.",
        ),
        ({"connection": "device_file", "device_path": "/etc/passwd"}, "device_path", "Ein Gerät unter /dev/, bitte."),
    ],
)
def test_bad_printer_settings_are_refused_in_german_and_nothing_is_saved(owner_client, store, changes, field, message):
    response = owner_client.post(
        f"/devices/printers/new/{store.pk}/", {**PRINTER_POST, **changes}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 422
    assert soup_of(response).select_one(f"[data-testid=error-{field}]").text == message
    with scopes_disabled():
        assert not Printer.objects.exists()


@pytest.mark.django_db
def test_a_register_of_another_store_cannot_be_linked(owner_client, store, organization):
    other_register = RegisterFactory(organization=organization)
    response = owner_client.post(
        f"/devices/printers/new/{store.pk}/", {**PRINTER_POST, "registers": [other_register.pk]}
    )
    assert response.status_code == 422
    with scopes_disabled():
        assert not Printer.objects.exists()


@pytest.mark.django_db
def test_list_shows_status_and_jobs_and_test_print_queues_a_page(owner_client, store, receipt_printer):
    with scopes_disabled():
        PrinterState.objects.create(
            organization=receipt_printer.organization,
            printer=receipt_printer,
            reachable=True,
            online=True,
            cover_open=True,
            health="fault",
            checked_at=timezone.now(),
        )
    page = soup_of(owner_client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE="de"))
    row = page.select_one(f"[data-printer='{receipt_printer.pk}']")
    assert row.select_one("[data-testid=printer-status]")["data-status"] == "cover_open"
    assert row.select_one("[data-testid=printer-status]").text.strip() == "Deckel offen"
    assert owner_client.post(f"/devices/printers/{receipt_printer.pk}/test/").status_code == 302
    with scopes_disabled():
        job = PrintJob.objects.get()
    assert job.kind == JobKind.TEST
    assert bytes(job.payload).startswith(b"\x1b@\x1bt\x13")
    live = soup_of(owner_client.get("/devices/printers/live/"))
    assert [r["data-status"] for r in live.select("[data-testid=job-row]")] == ["queued"]


@pytest.mark.django_db
def test_a_failed_job_can_be_printed_again_from_the_back_office(owner_client, receipt_printer):
    with scopes_disabled():
        job = PrintJob.objects.create(
            organization=receipt_printer.organization,
            printer=receipt_printer,
            kind=JobKind.TEST,
            payload=b"x",
            status=JobStatus.FAILED,
            attempts=10,
            error="unreachable",
        )
    page = soup_of(owner_client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE="en"))
    assert page.select_one("[data-testid=job-error]").text == "Printer not reachable"
    assert owner_client.post(f"/devices/printers/jobs/{job.pk}/retry/").status_code == 302
    with scopes_disabled():
        job.refresh_from_db()
        assert (job.status, job.attempts, job.error) == (JobStatus.QUEUED, 0, "")
        assert AuditEntry.objects.filter(action="printing.job.retried").count() == 1


@pytest.mark.django_db
def test_discovery_finds_the_virtual_printer_on_loopback_only(owner_client, store):
    with VirtualNetworkPrinter(0, idle_timeout=2) as virtual:
        port = virtual.port
        response = owner_client.post("/devices/printers/discover/", {"targets": "127.0.0.1", "port": str(port)})
        assert virtual.status_queries == 1
        assert virtual.jobs == []
    found = soup_of(response).select("[data-testid=found-printer]")
    assert [(f["data-host"], f["data-port"]) for f in found] == [("127.0.0.1", str(port))]
    link = found[0].select_one("a")["href"]
    assert link == f"/devices/printers/new/{store.pk}/?connection=tcp&host=127.0.0.1&port={port}"
    form = soup_of(owner_client.get(link))
    assert form.select_one("input[name=host]")["value"] == "127.0.0.1"


@pytest.mark.django_db
def test_discovery_refuses_a_range_that_is_too_large(owner_client):
    response = owner_client.post(
        "/devices/printers/discover/", {"targets": "10.0.0.0/16", "port": "9100"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert "at most 256 addresses" in soup_of(response).select_one("[data-testid=error-targets]").text


@pytest.mark.django_db
def test_usb_page_on_a_store_node_lists_its_devices_or_says_why_not_in_german(owner_client, monkeypatch, settings):
    from kasse.hardware.discovery import usb_enum

    settings.KASSE_ROLE = "store"
    monkeypatch.setattr(
        usb_enum,
        "list_usb_devices",
        lambda: usb_enum.UsbEnumeration(
            [usb_enum.UsbDevice(0x04B8, 0x0202, "receipt_printer", "Epson", product="TM-T20")]
        ),
    )
    page = soup_of(owner_client.get("/devices/printers/usb/"))
    row = page.select_one("[data-testid=usb-printers] tr")
    assert "04b8:0202" in row.text
    assert "usb_vendor_id=04b8&usb_product_id=0202" in row.select_one("a")["href"]
    monkeypatch.setattr(
        usb_enum,
        "list_usb_devices",
        lambda: usb_enum.UsbEnumeration(
            [], "no libusb backend found (install libusb-1.0, e.g. apt install libusb-1.0-0)", "no_backend"
        ),
    )
    page = soup_of(owner_client.get("/devices/printers/usb/", HTTP_ACCEPT_LANGUAGE="de"))
    assert page.select_one("[data-testid=usb-reason]").text == (
        "Auf diesem Filialserver fehlt die USB-Treiberbibliothek libusb (apt install libusb-1.0-0)."
    )


@pytest.mark.django_db
def test_the_cloud_never_lists_its_own_usb_bus_and_names_the_node_to_ask(owner_client, store, monkeypatch):
    from kasse.hardware.discovery import usb_enum
    from kasse.sync.cloud.services import NODE_BLOCK_SIZE
    from kasse.sync.models import StoreNode
    from kasse.testing.factories import StoreFactory

    def must_not_run():
        raise AssertionError("the cloud listed its own USB bus")

    monkeypatch.setattr(usb_enum, "list_usb_devices", must_not_run)
    other = StoreFactory(organization=store.organization, name="Filiale Süd", number=2)
    with scopes_disabled():
        StoreNode.objects.create(
            organization=store.organization,
            store=store,
            name="Laden-PC",
            token_digest="u" * 64,
            customer_number_base=NODE_BLOCK_SIZE,
        )
    page = soup_of(owner_client.get("/devices/printers/usb/", HTTP_ACCEPT_LANGUAGE="en"))
    assert page.select_one("[data-testid=usb-in-cloud]") is not None
    rows = {row["data-store"]: " ".join(row.text.split()) for row in page.select("[data-testid=usb-store]")}
    assert "On the store node “Laden-PC”, run kasse store devices" in rows[str(store.pk)]
    assert "network printers only" in rows[str(other.pk)]


def test_kasse_store_devices_lists_usb_ids_and_serial_ports(monkeypatch):
    from kasse.hardware.discovery import usb_enum
    from kasse.printing import discovery

    monkeypatch.setattr(
        usb_enum,
        "list_usb_devices",
        lambda: usb_enum.UsbEnumeration(
            [usb_enum.UsbDevice(0x04B8, 0x0202, "receipt_printer", "Epson", product="TM-T20")]
        ),
    )
    monkeypatch.setattr(discovery, "serial_ports", lambda: [("/dev/ttyUSB0", "USB-Serial Controller")])
    assert discovery.local_devices_text() == (
        "USB devices (connection USB: vendor id and product id):\n"
        "  04b8 0202  receipt_printer  Epson TM-T20\n"
        "Serial ports (connection serial: device):\n"
        "  /dev/ttyUSB0  USB-Serial Controller\n"
    )


@pytest.mark.django_db
def test_shelf_labels_with_base_price_go_to_the_label_printer(owner_client, organization, label_printer):
    honey = ProductFactory(
        organization=organization,
        name="Honig",
        price="6.50",
        net_content="500",
        net_content_unit="g",
        variant__barcode="4006381333931",
    )
    with scopes_disabled():
        variant = honey.variants.get()
    search = soup_of(owner_client.get("/devices/printers/labels/?q=honig"))
    assert search.select_one(f"input[name='count-{variant.pk}']") is not None
    response = owner_client.post(
        "/devices/printers/labels/",
        {
            "action": "print",
            "printer": str(label_printer.pk),
            f"count-{variant.pk}": "3",
            "width_mm": "58",
            "height_mm": "40",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        job = PrintJob.objects.get()
    assert job.kind == JobKind.LABEL
    assert job.title == "3"
    [label] = parse_label_job(bytes(job.payload))
    assert label.text_values[:3] == ["Honig", "6,50 €", "1 kg = 13,00 €"]
    assert label.copies == 3
    assert label.barcodes[0].data.startswith("400638133393")
    assert bytes(job.payload).startswith(b"SIZE 58 mm,40 mm\r\n")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Bitte geben Sie für mindestens ein Produkt an, wie viele Etiketten gedruckt werden sollen."),
        ({"count": "abc"}, "Bitte ganze Zahlen von Etiketten eingeben."),
        ({"count": "5000"}, "Von 0 bis 999 Etiketten je Produkt, bitte."),
        ({"count": "1", "width_mm": "5"}, "Etikettengrößen von 10 bis 200 mm, bitte."),
    ],
)
def test_bad_label_input_is_refused_and_nothing_is_queued(owner_client, organization, label_printer, data, message):
    product = ProductFactory(organization=organization, name="Honig")
    with scopes_disabled():
        variant = product.variants.get()
    post = {"action": "print", "printer": str(label_printer.pk)}
    if "count" in data:
        post[f"count-{variant.pk}"] = data["count"]
    if "width_mm" in data:
        post["width_mm"] = data["width_mm"]
    response = owner_client.post("/devices/printers/labels/", post, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 422
    assert soup_of(response).select_one("[data-testid=form-errors]").text.strip() == message
    with scopes_disabled():
        assert not PrintJob.objects.exists()


@pytest.mark.django_db
def test_labels_of_a_foreign_product_are_refused(owner_client, label_printer):
    foreign = ProductFactory(name="Fremd")  # another organization
    with scopes_disabled():
        variant = foreign.variants.get()
    response = owner_client.post(
        "/devices/printers/labels/", {"action": "print", "printer": str(label_printer.pk), f"count-{variant.pk}": "1"}
    )
    assert response.status_code == 422
    with scopes_disabled():
        assert not PrintJob.objects.exists()


@pytest.mark.django_db
def test_the_virtual_printers_output_is_shown_for_a_loopback_printer(owner_client, receipt_printer, settings, tmp_path):
    settings.KASSE_VIRTUAL_PRINTER_DIR = str(tmp_path)
    with scopes_disabled():
        PrintJob.objects.create(
            organization=receipt_printer.organization,
            printer=receipt_printer,
            kind="test",
            payload=b"\x1b@Baeckerei Summe 3,20\n\x1dV\x00",
        )
    (tmp_path / "job-0007.txt").write_text("Bäckerei\nSumme 3,20 €\n", encoding="utf-8")
    (tmp_path / "job-0007.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "job-0007.bin").write_bytes(b"\x10\x04\x01\x1b@Baeckerei Summe 3,20\n\x1dV\x00")
    # Another organization's job on the same virtual printer (the demo has one for everybody)
    (tmp_path / "job-0008.txt").write_text("Fremder Laden\nSumme 9,99 €\n", encoding="utf-8")
    (tmp_path / "job-0008.png").write_bytes(b"\x89PNG other")
    (tmp_path / "job-0008.bin").write_bytes(b"\x1b@Fremder Laden Summe 9,99\n\x1dV\x00")
    page = soup_of(owner_client.get("/devices/printers/"))
    assert [el.text for el in page.select("[data-testid=virtual-job-text]")] == ["Bäckerei\nSumme 3,20 €\n"]
    picture = owner_client.get(f"/devices/printers/{receipt_printer.pk}/virtual/7.png")
    assert picture.status_code == 200
    assert picture.content == b"\x89PNG fake"
    assert owner_client.get(f"/devices/printers/{receipt_printer.pk}/virtual/8.png").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_labels_printed_on_the_virtual_label_printer_are_shown_like_receipts(
    owner_client, organization, label_printer, settings, tmp_path
):
    from kasse.hardware.virtual.label_printer import VirtualLabelPrinter
    from kasse.printing.worker import process_next

    settings.KASSE_VIRTUAL_LABEL_PRINTER_DIR = str(tmp_path / "labels")
    settings.KASSE_VIRTUAL_PRINTER_DIR = str(tmp_path / "receipts")  # the receipt printer printed nothing
    product = ProductFactory(organization=organization, name="Bergkäse", price="4.99")
    with scopes_disabled():
        variant = product.variants.get()
    with VirtualLabelPrinter(0, out_dir=tmp_path / "labels") as virtual:
        with scopes_disabled():
            Printer.objects.filter(pk=label_printer.pk).update(port=virtual.port)
        # Given labels printed from the back office on the virtual label printer (a real TCP server)
        owner_client.post(
            "/devices/printers/labels/",
            {"action": "print", "printer": str(label_printer.pk), f"count-{variant.pk}": "1"},
        )
        assert process_next(label_printer.pk).outcome == "done"
        virtual.wait_for_labels(1)
    # When the owner opens the printers page
    page = soup_of(owner_client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE="de"))
    # Then what the label printer drew is shown under its name, as the receipt printer's jobs are
    [section] = page.select("[data-testid=virtual-output]")
    assert section["data-printer"] == str(label_printer.pk)
    assert section.select_one("h2").text == "Gedruckt auf dem virtuellen Drucker „Etiketten“"
    assert section.select_one("figcaption").text == "Etikett 1"
    text = section.select_one("[data-testid=virtual-job-text]").text
    assert "Bergkäse" in text
    assert "4,99 €" in text
    picture = owner_client.get(section.select_one("[data-testid=virtual-job-picture]")["src"])
    assert picture.status_code == 200
    assert picture.content.startswith(b"\x89PNG")
    assert owner_client.get(f"/devices/printers/{label_printer.pk}/virtual/2.png").status_code == 404


@pytest.mark.django_db
def test_a_cashier_login_cannot_manage_printers(client, organization, store):
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, UserFactory

    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    client.force_login(user)
    assert client.get("/devices/printers/").status_code == 403
    assert client.post(f"/devices/printers/new/{store.pk}/", PRINTER_POST).status_code == 403


@pytest.mark.django_db
def test_the_production_cloud_does_not_probe_its_own_network(owner_client, settings):
    settings.KASSE_ENV = "production"
    settings.KASSE_ROLE = "cloud"
    with VirtualNetworkPrinter(0, idle_timeout=2) as virtual:
        response = owner_client.post(
            "/devices/printers/discover/", {"targets": "127.0.0.1", "port": virtual.port}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert virtual.connections_accepted == 0
    assert response.status_code == 403
    assert "from the store node" in soup_of(response).select_one("[data-testid=discovery-off]").text
    usb = soup_of(owner_client.get("/devices/printers/usb/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "listed there, not on the cloud server" in usb.select_one("[data-testid=usb-in-cloud]").text
    settings.KASSE_DEVICE_DISCOVERY = True
    assert owner_client.get("/devices/printers/discover/").status_code == 200

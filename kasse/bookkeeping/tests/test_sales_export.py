"""Sales exports: CSV (ZIP of four files) and XLSX, written by a background task, downloaded by their owner."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.bookkeeping import services
from kasse.bookkeeping.models import ExportStatus, SalesExport
from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import SaleLine
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.shifts import open_shift
from kasse.testing.plugin import soup_of, texts
from kasse.testing.xlsx import read_xlsx

pytestmark = pytest.mark.django_db


def _today(closed_day) -> str:
    return timezone.now().astimezone(closed_day.store.tzinfo).date().isoformat()


def _ask(client, closed_day, fmt: str, capture, **extra):
    day = _today(closed_day)
    with capture(execute=True):
        return client.post("/sales/exports/", {"date_from": day, "date_to": day, "format": fmt, **extra}, follow=True)


def _only_export() -> SalesExport:
    with scopes_disabled():
        return SalesExport.objects.get()


def test_a_csv_export_is_a_zip_of_receipts_lines_vat_and_payments(
    owner_client, closed_day, django_capture_on_commit_callbacks
):
    response = _ask(owner_client, closed_day, "csv", django_capture_on_commit_callbacks)
    export = _only_export()
    assert (export.status, export.line_count, export.lines_written) == (ExportStatus.DONE, 4, 4)
    assert response.status_code == 200
    assert texts(soup_of(owner_client.get("/sales/exports/")), "export-download") == ["Herunterladen"]
    download = owner_client.get(f"/sales/exports/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == ["lines.csv", "payments.csv", "receipts.csv", "vat.csv"]
    lines = list(csv.reader(io.StringIO(archive.read("lines.csv").decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["Beleg-ID", "Filial-Nr.", "Kassen-Nr.", "Beleg-Nr."]
    assert [(row[3], row[8], row[10], row[16], row[17]) for row in lines[1:]] == [
        ("1", "Brötchen", "2,000", "0,90", "7,00"),
        ("1", "Kaffee", "1,000", "2,80", "19,00"),
        ("2", "Kaffee", "1,000", "2,80", "19,00"),
        ("3", "Brötchen", "-1,000", "-0,45", "7,00"),
    ]
    receipts = list(csv.reader(io.StringIO(archive.read("receipts.csv").decode("utf-8-sig")), delimiter=";"))
    assert [row[-1] for row in receipts[1:]] == ["3,70", "2,80", "-0,45"]
    payments = list(csv.reader(io.StringIO(archive.read("payments.csv").decode("utf-8-sig")), delimiter=";"))
    assert [(row[4], row[5]) for row in payments[1:]] == [("cash", "3,70"), ("card", "2,80"), ("cash", "-0,45")]


def test_an_xlsx_export_has_the_four_sheets_with_the_right_totals(
    owner_client, closed_day, django_capture_on_commit_callbacks
):
    _ask(owner_client, closed_day, "xlsx", django_capture_on_commit_callbacks)
    export = _only_export()
    download = owner_client.get(f"/sales/exports/{export.pk}/download/")
    assert download["Content-Disposition"].endswith('.xlsx"')
    sheets = read_xlsx(b"".join(download.streaming_content))
    assert list(sheets) == ["Belege", "Positionen", "MwSt.", "Zahlungen"]
    assert sum(row[11] for row in sheets["Belege"][1:]) == pytest.approx(6.05)
    assert [row[16] for row in sheets["Positionen"][1:]] == [0.9, 2.8, 2.8, -0.45]


def test_an_impossible_range_is_refused_and_nothing_is_queued(owner_client, closed_day):
    response = owner_client.post(
        "/sales/exports/", {"date_from": "2026-12-07", "date_to": "2026-12-01", "format": "csv"}
    )
    assert response.status_code == 400
    assert "Das Enddatum liegt vor dem Startdatum." in response.content.decode()
    with scopes_disabled():
        assert not SalesExport.objects.exists()


def test_an_export_larger_than_the_limit_is_refused(owner_client, closed_day, monkeypatch):
    monkeypatch.setitem(services.MAX_LINES, "csv", 3)
    day = _today(closed_day)
    response = owner_client.post("/sales/exports/", {"date_from": day, "date_to": day, "format": "csv"})
    assert response.status_code == 400
    assert "kürzeren Zeitraum" in response.content.decode()
    with scopes_disabled():
        assert not SalesExport.objects.exists()


def test_nobody_else_downloads_an_export(
    owner_client, other_store_manager_client, closed_day, django_capture_on_commit_callbacks
):
    _ask(owner_client, closed_day, "csv", django_capture_on_commit_callbacks)
    export = _only_export()
    assert other_store_manager_client.get(f"/sales/exports/{export.pk}/download/").status_code == 404
    assert other_store_manager_client.get(f"/sales/exports/{export.pk}/").status_code == 404


def test_a_store_manager_exports_only_their_stores(other_store_manager_client, closed_day):
    page = soup_of(other_store_manager_client.get("/sales/exports/"))
    assert [o.get_text() for o in page.select("select[name=store] option")] == ["Alle meine Filialen", "Filiale Nord"]
    day = _today(closed_day)
    response = other_store_manager_client.post(
        "/sales/exports/", {"date_from": day, "date_to": day, "format": "csv", "store": str(closed_day.store_id)}
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert not SalesExport.objects.exists()


def test_an_export_whose_worker_stopped_is_failed_and_says_so(owner_client, closed_day, owner):
    with scopes_disabled():
        export = SalesExport.objects.create(
            organization=closed_day.organization,
            requested_by=owner,
            store_ids=[str(closed_day.store_id)],
            store_names="Filiale Mitte",
            date_from=closed_day.opened_at.date(),
            date_to=closed_day.opened_at.date(),
            format="csv",
            status=ExportStatus.RUNNING,
        )
        SalesExport.objects.filter(pk=export.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    page = soup_of(owner_client.get("/sales/exports/"))
    assert texts(page, "export-error") == [
        "Der Export wurde abgebrochen (der Worker wurde neu gestartet); bitte fordern Sie ihn erneut an."
    ]
    assert owner_client.get(f"/sales/exports/{export.pk}/download/").status_code == 404


def test_the_same_export_is_written_once(owner_client, closed_day, django_capture_on_commit_callbacks):
    _ask(owner_client, closed_day, "csv", django_capture_on_commit_callbacks)
    export = _only_export()
    services.run_sales_export(str(export.pk))  # a second delivery of the task
    assert _only_export().finished_at == export.finished_at


@pytest.mark.postgres
def test_postgresql_copies_the_same_bytes_the_python_path_writes(closed_day, tmp_path, on_postgres):
    from kasse.bookkeeping import sales_export, sales_export_pg

    if not on_postgres:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): COPY is the PostgreSQL path of the export")
    day = timezone.now().astimezone(closed_day.store.tzinfo).date()
    register, cashier = closed_day.register, closed_day.opened_by
    with scope(organization=register.organization):  # a receipt rung up in training mode: in neither file
        open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={})
        variant = SaleLine.objects.filter(sale__shift=closed_day).first().variant
        training = complete_sale(
            actor=Actor.for_employee(cashier),
            register=register,
            employee=cashier,
            cart=SaleInput(
                id=uuid7(), lines=[LineInput(variant.pk, Decimal(1))], payments=[PaymentInput("cash", Decimal(5))],
                training=True,
            ),
        )  # fmt: skip
    with scopes_disabled():
        parts = sales_export.tables([closed_day.store], day, day)
        sales_export.write_csv_zip(tmp_path / "python.zip", parts, lambda _n: None)
        copy = sales_export.partial_copy(sales_export_pg.copy_table, [closed_day.store], day, day)
        sales_export.write_csv_zip(tmp_path / "copy.zip", parts, lambda _n: None, copy)
    python = zipfile.ZipFile(tmp_path / "python.zip")
    copied = zipfile.ZipFile(tmp_path / "copy.zip")
    for name in ("receipts.csv", "lines.csv", "vat.csv", "payments.csv"):
        assert copied.read(name) == python.read(name), name
    assert python.read("lines.csv").count(b"\n") == 5  # the header and four lines
    assert str(training.pk).encode() not in copied.read("receipts.csv")


def test_export_files_are_deleted_after_their_retention_time(
    owner_client, closed_day, django_capture_on_commit_callbacks, settings, tmp_path
):
    import os

    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    settings.KASSE_EXPORT_RETENTION_DAYS = 7
    _ask(owner_client, closed_day, "csv", django_capture_on_commit_callbacks)
    export = _only_export()
    path = services.export_path(export)
    assert path.exists()
    folder = path.parent
    old = (timezone.now() - timedelta(days=8)).timestamp()
    stray = folder / "0190a8c0-0000-7000-8000-000000000000.zip.part"  # a stopped worker's temporary file
    stray.write_bytes(b"half")
    os.utime(stray, (old, old))
    fresh = folder / "0190a8c0-0000-7000-8000-000000000001.zip.part"
    fresh.write_bytes(b"being written")
    # Six days later nothing is deleted
    with scopes_disabled():
        SalesExport.objects.filter(pk=export.pk).update(finished_at=timezone.now() - timedelta(days=6))
    owner_client.get("/sales/exports/")
    assert path.exists()
    assert _only_export().status == ExportStatus.DONE
    # After seven days the export page deletes the file and says so; the stray old file goes too
    with scopes_disabled():
        SalesExport.objects.filter(pk=export.pk).update(finished_at=timezone.now() - timedelta(days=7, minutes=1))
    page = soup_of(owner_client.get("/sales/exports/"))
    assert texts(page, "export-expired") == ["Nach 7 Tagen gelöscht; fordern Sie ihn erneut an, wenn Sie ihn brauchen."]
    assert not path.exists()
    assert not stray.exists()
    assert fresh.exists()
    assert _only_export().status == ExportStatus.EXPIRED
    assert owner_client.get(f"/sales/exports/{export.pk}/download/").status_code == 404
    # The command for cron prunes every organization; an export expires once
    out = io.StringIO()
    call_command("prune_exports", stdout=out)
    assert out.getvalue().startswith("0 export(s)")

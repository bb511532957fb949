"""The DATEV Buchungsstapel as DATEV documents it: header, columns, encoding, amounts, bookings of a day."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.fiscal import datev
from kasse.fiscal.datev_export import DatevExportError, ExportRequest, export_lines, prepare_export
from kasse.fiscal.datev_settings import Chart
from kasse.fiscal.tests.datev_world import (
    add_cash_movement,
    add_sale,
    configure,
    open_shift,
    parse,
    signed,
    unquote,
)
from kasse.sales import daily_sums
from kasse.sales.models import SaleKind

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 8, 9, 30, 15, 250000, tzinfo=BERLIN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


def export(organization, stores, date_from: date, date_to: date) -> bytes:
    request = ExportRequest(organization=organization, stores=stores, date_from=date_from, date_to=date_to)
    return b"".join(export_lines(request, prepare_export(request), daily_sums, now=NOW))


@pytest.fixture
def shop(organization, store, register):
    organization.language = "de"
    organization.save()
    with scopes_disabled():
        store.name = "Bäckerei Müller"
        store.number = 7
        store.save()
    configure(organization)
    return open_shift(register, at(7, 7))


@pytest.mark.django_db
def test_the_file_has_the_documented_header_columns_encoding_and_bookings(organization, store, shop):
    # Given a day with a mixed sale paid in cash and by card, a card sale, a cash return, cash in and out
    add_sale(shop, at(7, 9), {"19": "11.90", "7": "3.21"}, {"cash": "5.11", "card": "10.00"})
    add_sale(shop, at(7, 10), {"19": "2.38"}, {"card": "2.38"})
    add_sale(shop, at(7, 11), {"7": "-1.07"}, {"cash": "-1.07"}, kind=SaleKind.REFUND)
    add_cash_movement(shop, at(7, 12), "50.00", "Wechselgeld von der Bank")
    add_cash_movement(shop, at(7, 18), "-200.00", 'Einzahlung "Sparkasse"')

    # When the day is exported
    data = export(organization, [store], date(2026, 12, 7), date(2026, 12, 7))
    header, columns, rows = parse(data)

    # Then the header line has the 31 documented fields
    assert len(header) == datev.HEADER_FIELDS
    assert header[:6] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13", "20261208093015250"]
    assert header[10:16] == ["29098", "55003", "20260101", "4", "20261207", "20261207"]
    assert unquote(header[16]) == "Kasse 07.12.26-07.12.26"
    assert header[18:22] == ["1", "0", "0", '"EUR"']
    assert header[26] == '"03"'
    # and the column line names the 125 columns of format version 13
    assert len(columns) == 125
    assert columns[:11] == [
        "Umsatz (ohne Soll/Haben-Kz)",
        "Soll/Haben-Kennzeichen",
        "WKZ Umsatz",
        "Kurs",
        "Basis-Umsatz",
        "WKZ Basis-Umsatz",
        "Konto",
        "Gegenkonto (ohne BU-Schlüssel)",
        "BU-Schlüssel",
        "Belegdatum",
        "Belegfeld 1",
    ]
    assert columns[13] == "Buchungstext"
    assert columns[124] == "Abw. Skontokonto"
    # and every booking has 125 fields, a positive amount with a decimal comma, S or H, TTMM
    for row in rows:
        assert len(row) == 125
        assert re.fullmatch(r"\d{1,10},\d{2}", row[0])
        assert row[1] in {'"S"', '"H"'}
        assert row[2] == '"EUR"'
        assert row[9] == "0712"
        assert unquote(row[10]) == "7-20261207"
        assert all(field == "" for field in row[14:])
    # and the bookings are exactly these (clearing 1590, revenue 8400/8300, Kasse 1000, Geldtransit 1360)
    booked = [(row[0], unquote(row[1]), row[6], row[7], row[8], unquote(row[13])) for row in rows]
    assert booked == [
        ("14,28", "S", "1590", "8400", "", "Erlöse 19 % USt, Bäckerei Müller"),
        ("3,21", "S", "1590", "8300", "", "Erlöse 7 % USt, Bäckerei Müller"),
        ("1,07", "H", "1590", "8300", "", "Rücknahmen 7 % USt, Bäckerei Müller"),
        ("5,11", "S", "1000", "1590", "", "Zahlungen Bar, Bäckerei Müller"),
        ("12,38", "S", "1360", "1590", "", "Zahlungen Karte, Bäckerei Müller"),
        ("1,07", "H", "1000", "1590", "", "Erstattungen Bar, Bäckerei Müller"),
        ("50,00", "S", "1000", "1360", "", "Einlage: Wechselgeld von der Bank"),
        ("200,00", "H", "1000", "1360", "", 'Entnahme: Einzahlung "Sparkasse"'),
    ]
    # and the file is Windows-1252 (ä, ü as one byte each), quotes in texts doubled, lines end in CR LF
    assert "Bäckerei Müller".encode("cp1252") in data
    assert "Bäckerei".encode() not in data
    assert b'"Entnahme: Einzahlung ""Sparkasse"""' in data
    assert data.count(b"\r\n") == 2 + len(rows)
    assert b"\n" not in data.replace(b"\r\n", b"")
    # and the clearing account nets to zero: revenue and payments are the same money
    clearing = sum((signed(r) if r[6] == "1590" else -signed(r) if r[7] == "1590" else Decimal(0)) for r in rows)
    assert clearing == 0


@pytest.mark.django_db
def test_a_receipt_belongs_to_the_stores_local_day(organization, store, shop):
    # Given sales at 23:30 and 00:30 Berlin time (22:30 and 23:30 UTC of the same UTC day)
    add_sale(shop, at(7, 23, 30), {"19": "1.19"}, {"cash": "1.19"})
    add_sale(shop, at(8, 0, 30), {"19": "2.38"}, {"cash": "2.38"})
    # When the two days are exported
    _, _, rows = parse(export(organization, [store], date(2026, 12, 7), date(2026, 12, 8)))
    # Then each is on its own local day
    assert [(r[9], r[0], r[7]) for r in rows if r[7] == "8400"] == [("0712", "1,19", "8400"), ("0812", "2,38", "8400")]
    # And a one-day export holds only that day's receipt
    _, _, rows = parse(export(organization, [store], date(2026, 12, 8), date(2026, 12, 8)))
    assert [r[0] for r in rows if r[7] == "8400"] == ["2,38"]


@pytest.mark.django_db
def test_skr04_defaults_are_lengthened_to_the_account_length_and_own_accounts_win(organization, store, register):
    # Given SKR04 with five-digit accounts and an own card account
    configure(organization, chart=Chart.SKR04, account_length=5, card="14650")
    shift = open_shift(register, at(7, 7))
    add_sale(shift, at(7, 9), {"19": "11.90", "0": "1.00"}, {"cash": "2.90", "card": "10.00"})
    # When exported
    header, _, rows = parse(export(organization, [store], date(2026, 12, 7), date(2026, 12, 7)))
    # Then the header says SKR04 and length 5, and the accounts are SKR04's with a zero added
    assert header[13] == "5"
    assert header[26] == '"04"'
    assert {(r[6], r[7]) for r in rows} == {
        ("13700", "44000"),
        ("13700", "42000"),
        ("16000", "13700"),
        ("14650", "13700"),
    }


@pytest.mark.django_db
def test_exchange_credit_stays_on_the_clearing_account(organization, store, shop):
    # Given a return paid out as exchange credit and a sale paid with that credit plus cash, the same day
    add_sale(shop, at(7, 9), {"19": "-5.95"}, {"credit": "-5.95"}, kind=SaleKind.REFUND)
    add_sale(shop, at(7, 9, 5), {"19": "8.33"}, {"credit": "5.95", "cash": "2.38"})
    # When exported
    _, _, rows = parse(export(organization, [store], date(2026, 12, 7), date(2026, 12, 7)))
    # Then revenue and return are booked, only the cash is a payment, and no booking is 1590 against 1590
    assert [(r[0], unquote(r[1]), r[6], r[7]) for r in rows] == [
        ("8,33", "S", "1590", "8400"),
        ("5,95", "H", "1590", "8400"),
        ("2,38", "S", "1000", "1590"),
    ]


@pytest.mark.django_db
@translation.override("en")
def test_what_datev_would_refuse_is_refused_before_anything_is_written(organization, store):
    request = ExportRequest(
        organization=organization, stores=[store], date_from=date(2026, 12, 1), date_to=date(2026, 12, 31)
    )
    # Without consultant and client number
    with pytest.raises(DatevExportError, match="consultant"):
        prepare_export(request)
    configure(organization, fiscal_year_start_month=7)
    # Over the start of a fiscal year (July), and backwards
    with pytest.raises(DatevExportError, match="two fiscal years"):
        prepare_export(ExportRequest(organization, [store], date(2026, 6, 1), date(2026, 7, 31)))
    with pytest.raises(DatevExportError, match="before"):
        prepare_export(ExportRequest(organization, [store], date(2026, 12, 2), date(2026, 12, 1)))
    # A fiscal year from July: December's header names 1 July as its start
    header, _, rows = parse(b"".join(export_lines(request, prepare_export(request), daily_sums, now=NOW)))
    assert header[12] == "20260701"
    assert rows == []


def test_amounts_and_fields_the_format_cannot_hold_are_refused():
    assert datev.amount(Decimal("1234567.50")) == "1234567,50"
    for bad in (Decimal("0"), Decimal("-1.00"), Decimal("1.005"), Decimal("10000000000.00"), Decimal("NaN")):
        with pytest.raises(datev.DatevFormatError):
            datev.amount(bad)
    with pytest.raises(datev.DatevFormatError):
        datev.amount(1.5)  # type: ignore[arg-type]
    good = datev.Booking(Decimal("1.00"), "S", "1000", "1590", date(2026, 12, 7), "7-20261207", "x")
    assert datev.booking_line(good).startswith('1,00;"S";"EUR";;;;1000;1590;;0712;"7-20261207";;;"x";')
    for change in ({"side": "X"}, {"account": "10a0"}, {"contra": "1000"}, {"document": "7 20261207"}):
        with pytest.raises(datev.DatevFormatError):
            datev.booking_line(datev.Booking(**{**good.__dict__, **change}))
    # Texts longer than 60 characters are cut, control characters become spaces
    long = datev.booking_line(datev.Booking(**{**good.__dict__, "text": "a\nb" + "x" * 80}))
    assert long.split(";")[13] == '"a b' + "x" * 57 + '"'

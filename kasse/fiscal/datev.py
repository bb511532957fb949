"""The DATEV format "Buchungsstapel" (EXTF, header version 700, format version 13): writing lines.

No Django here: this module only knows the file format as DATEV publishes it
(developer.datev.de, "DATEV-Format" → Header and Buchungsstapel). A file is

1. the header line (31 fields: ``"EXTF";700;21;"Buchungsstapel";13;…``),
2. the column header line (125 column names),
3. one line per booking (125 fields, unused ones empty),

separated by ``;``, each line ended by CR LF, encoded in Windows-1252 (ANSI).
Text fields are in double quotes (a quote inside doubled), amounts have a
decimal comma and no sign: the side is the Soll/Haben-Kennzeichen, which
refers to the field "Konto". The Belegdatum is ``TTMM``; the year comes from the
header's date range, so one file never spans two fiscal years.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

ENCODING = "cp1252"
LINE_END = "\r\n"
HEADER_VERSION = 700
CATEGORY_BOOKINGS = 21
FORMAT_NAME = "Buchungsstapel"
FORMAT_VERSION = 13
HEADER_FIELDS = 31

_ZUSATZ = [name for n in range(1, 21) for name in (f"Zusatzinformation - Art {n}", f"Zusatzinformation - Inhalt {n}")]
_BELEGINFO = [name for n in range(1, 9) for name in (f"Beleginfo - Art {n}", f"Beleginfo - Inhalt {n}")]

# The 125 columns of format version 13, in DATEV's order (the import reads them by position).
COLUMNS: tuple[str, ...] = (
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
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    *_BELEGINFO,
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenstelle",
    "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)",
    "Abw. Versteuerungsart",
    "Sachverhalt L+L",
    "Funktionsergänzung L+L",
    "BU 49 Hauptfunktionstyp",
    "BU 49 Hauptfunktionsnummer",
    "BU 49 Funktionsergänzung",
    *_ZUSATZ,
    "Stück",
    "Gewicht",
    "Zahlweise",
    "Forderungsart",
    "Veranlagungsjahr",
    "Zugeordnete Fälligkeit",
    "Skontotyp",
    "Auftragsnummer",
    "Buchungstyp",
    "USt-Schlüssel (Anzahlungen)",
    "EU-Land (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)",
    "EU-Steuersatz (Anzahlungen)",
    "Erlöskonto (Anzahlungen)",
    "Herkunft-Kz",
    "Buchungs GUID",
    "KOST-Datum",
    "SEPA-Mandatsreferenz",
    "Skontosperre",
    "Gesellschaftername",
    "Beteiligtennummer",
    "Identifikationsnummer",
    "Zeichnernummer",
    "Postensperre bis",
    "Bezeichnung SoBil-Sachverhalt",
    "Kennzeichen SoBil-Buchung",
    "Festschreibung",
    "Leistungsdatum",
    "Datum Zuord. Steuerperiode",
    "Fälligkeit",
    "Generalumkehr (GU)",
    "Steuersatz",
    "Land",
    "Abrechnungsreferenz",
    "BVV-Position",
    "EU-Land u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)",
    "Abw. Skontokonto",
)
assert len(COLUMNS) == 125

MAX_AMOUNT = Decimal("9999999999.99")  # ^\d{1,10},\d{2}$
BELEGFELD_1 = re.compile(r"^[\w$%\-/]{0,36}$", re.ASCII)
TEXT_LENGTH = 60
LABEL_LENGTH = 30


class DatevFormatError(ValueError):
    """A value the format cannot hold (an amount with more than cents, a bad account ...)."""


@dataclass(frozen=True)
class Header:
    """What the header line says about the batch."""

    consultant_number: int  # Beraternummer, 1001–9999999
    client_number: int  # Mandantennummer, 1–99999
    fiscal_year_start: date  # WJ-Beginn
    account_length: int  # Sachkontenlänge, 4–8
    date_from: date
    date_to: date
    label: str  # Bezeichnung, up to 30 characters
    chart: str  # "03" (SKR03) or "04" (SKR04)
    created_at: datetime  # local time of the export
    currency: str = "EUR"
    exported_by: str = "kasse"


@dataclass(frozen=True)
class Booking:
    """One booking line: ``amount`` (positive) on ``account`` ("S" debit, "H" credit) against ``contra``."""

    amount: Decimal
    side: str
    account: str
    contra: str
    day: date
    document: str  # Belegfeld 1
    text: str  # Buchungstext
    tax_key: str = ""  # BU-Schlüssel, empty for automatic accounts
    currency: str = "EUR"


def text(value: str) -> str:
    """A text field: in double quotes, quotes doubled, no line breaks or separators' control characters."""
    clean = re.sub(r"[\x00-\x1f\x7f]", " ", value)
    return '"' + clean.replace('"', '""') + '"'


def amount(value: Decimal) -> str:
    """``1234,50``: positive, two decimals, decimal comma, no thousands separator."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DatevFormatError(f"not a Decimal amount: {value!r}")
    if value != value.quantize(Decimal("0.01")):
        raise DatevFormatError(f"more than cents: {value}")
    if value <= 0 or value > MAX_AMOUNT:
        raise DatevFormatError(f"amount out of range: {value}")
    return f"{value:.2f}".replace(".", ",")


def header_line(h: Header) -> str:
    if not 1001 <= h.consultant_number <= 9999999:
        raise DatevFormatError(f"consultant number out of range: {h.consultant_number}")
    if not 1 <= h.client_number <= 99999:
        raise DatevFormatError(f"client number out of range: {h.client_number}")
    if not 4 <= h.account_length <= 8:
        raise DatevFormatError(f"account length out of range: {h.account_length}")
    if h.chart not in {"03", "04"}:
        raise DatevFormatError(f"unknown chart of accounts: {h.chart}")
    created = h.created_at.strftime("%Y%m%d%H%M%S") + f"{h.created_at.microsecond // 1000:03d}"
    fields = [
        text("EXTF"),
        str(HEADER_VERSION),
        str(CATEGORY_BOOKINGS),
        text(FORMAT_NAME),
        str(FORMAT_VERSION),
        created,  # 6 erzeugt am
        "",  # 7 importiert (DATEV fills it)
        text(""),  # 8 Herkunft
        text(h.exported_by[:25]),  # 9 exportiert von
        text(""),  # 10 importiert von
        str(h.consultant_number),
        str(h.client_number),  # 11, 12
        h.fiscal_year_start.strftime("%Y%m%d"),
        str(h.account_length),  # 13, 14
        h.date_from.strftime("%Y%m%d"),
        h.date_to.strftime("%Y%m%d"),  # 15, 16
        text(h.label[:LABEL_LENGTH]),  # 17 Bezeichnung
        text(""),  # 18 Diktatkürzel
        "1",  # 19 Buchungstyp: Finanzbuchführung
        "0",  # 20 Rechnungslegungszweck: unabhängig
        "0",  # 21 Festschreibung: no, the tax adviser fixes the batch after checking it
        text(h.currency),  # 22 WKZ
        "",
        text(""),
        "",
        "",  # 23 reserviert, 24 Derivatskennzeichen, 25, 26 reserviert
        text(h.chart),  # 27 Sachkontenrahmen
        "",
        "",
        text(""),
        text(""),  # 28 Branchenlösungs-Id, 29 reserviert, 30 reserviert, 31 Anwendungsinfo
    ]
    assert len(fields) == HEADER_FIELDS
    return ";".join(fields)


def columns_line() -> str:
    return ";".join(COLUMNS)


def booking_line(b: Booking) -> str:
    if b.side not in {"S", "H"}:
        raise DatevFormatError(f"side must be S or H: {b.side!r}")
    for account in (b.account, b.contra):
        if not re.fullmatch(r"\d{1,9}", account):
            raise DatevFormatError(f"not an account number: {account!r}")
    if b.account == b.contra:
        raise DatevFormatError(f"account and contra account are the same: {b.account}")
    if not BELEGFELD_1.match(b.document):
        raise DatevFormatError(f"Belegfeld 1 may hold 36 letters, digits, $ % - /: {b.document!r}")
    fields = [""] * len(COLUMNS)
    fields[0] = amount(b.amount)
    fields[1] = text(b.side)
    fields[2] = text(b.currency)
    fields[6] = b.account
    fields[7] = b.contra
    fields[8] = text(b.tax_key) if b.tax_key else ""
    fields[9] = b.day.strftime("%d%m")
    fields[10] = text(b.document)
    fields[13] = text(b.text[:TEXT_LENGTH])
    return ";".join(fields)


def encode(line: str) -> bytes:
    """One line in Windows-1252 with CR LF; a character the code page lacks becomes ``?``."""
    return (line + LINE_END).encode(ENCODING, errors="replace")


def write(header: Header, bookings: Iterable[Booking]) -> Iterator[bytes]:
    """The file, line by line, as bytes (for a streaming response or a file)."""
    yield encode(header_line(header))
    yield encode(columns_line())
    for booking in bookings:
        if not header.date_from <= booking.day <= header.date_to:
            raise DatevFormatError(f"booking of {booking.day} outside the batch's dates")
        yield encode(booking_line(booking))

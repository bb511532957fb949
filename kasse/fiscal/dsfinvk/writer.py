"""Writing DSFinV-K files: values, lines, ``index.xml``, the DTD and the ZIP.

No Django here. Rows are dicts (field name → value); a value is written by the kind
its field has in ``spec`` and refused if it does not fit (too long, too many places,
not in the value list): an export the tax office's tools would reject is never written.

``ExportFiles`` collects the rows of every file in temporary files on disk (one per
table, appended to as the closings are read), so memory stays flat however many
receipts there are; ``write_zip`` then copies them into the ZIP in chunks.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from kasse.fiscal.dsfinvk import spec
from kasse.fiscal.dsfinvk.spec import Field, Kind, Table

SPOOL_BYTES = 1 << 20  # a file stays in memory up to 1 MiB, then moves to disk
FLUSH_LINES = 2000  # lines of one file kept before they are written out


class DsfinvkFormatError(ValueError):
    """A value the DSFinV-K format cannot hold (a bug or bad data: the export stops)."""


def format_value(field: Field, value: Any) -> str:
    """One value as it stands in the CSV; ``None`` and ``""`` are an empty field."""
    return formatter(field)(value)


def formatter(field: Field) -> Callable[[Any], str]:
    """A function writing values of ``field`` (built once per field: the export calls it a million times)."""
    name = field.name
    if field.kind is Kind.TEXT:
        length, allowed = field.max_length, frozenset(field.values)

        def text(value: Any) -> str:
            if value is None or value == "":
                return '""'
            text = value if type(value) is str else str(value)
            if len(text) > length:
                raise DsfinvkFormatError(f"{name}: {len(text)} characters, at most {length}")
            if allowed and text not in allowed:
                raise DsfinvkFormatError(f"{name}: {text!r} is not in the value list")
            if '"' in text:
                text = text.replace('"', '""')
            if "\r" in text or "\n" in text:
                text = " ".join(text.split())
            return '"' + text + '"'

        return text
    if field.kind is Kind.INT:

        def integer(value: Any) -> str:
            if value is None or value == "":
                return ""
            if type(value) is not int:
                raise DsfinvkFormatError(f"{name}: {value!r} is not a whole number")
            return str(value)

        return integer
    places = field.places
    quantum = Decimal(1).scaleb(-places)

    def decimal(value: Any) -> str:
        if value is None or value == "":
            return ""
        if type(value) is not Decimal:
            raise DsfinvkFormatError(f"{name}: {value!r} is not a Decimal")
        exact = value.quantize(quantum)
        if exact != value:
            raise DsfinvkFormatError(f"{name}: {value} has more than {places} decimal places")
        return str(exact).replace(".", spec.DECIMAL_SYMBOL)

    return decimal


def header_line(table: Table) -> str:
    return spec.COLUMN_DELIMITER.join(f'"{name}"' for name in table.columns) + spec.RECORD_DELIMITER


_FORMATTERS: dict[str, tuple[tuple[str, Callable[[Any], str]], ...]] = {
    table.file: tuple((field.name, formatter(field)) for field in table.fields) for table in spec.TABLES
}
_COLUMNS: dict[str, frozenset[str]] = {table.file: frozenset(table.columns) for table in spec.TABLES}
# Every file of the single records starts with the same four fields: a Vorgang's rows share them.
BON_KEY = ("Z_KASSE_ID", "Z_ERSTELLUNG", "Z_NR", "BON_ID")
_WITH_BON_KEY = frozenset(table.file for table in spec.TABLES if table.columns[:4] == BON_KEY)


def bon_prefix(values: Mapping[str, Any]) -> str:
    """The four key fields of a Vorgang, written once for all its rows (``row_line(..., prefix=)``)."""
    return "".join(
        write(values.get(name)) + spec.COLUMN_DELIMITER for name, write in _FORMATTERS[spec.TRANSACTIONS.file][:4]
    )


def row_line(table: Table, row: Mapping[str, Any], prefix: str = "") -> str:
    """One line of ``table``; with ``prefix`` (from :func:`bon_prefix`) ``row`` holds the other fields."""
    formatters = _FORMATTERS[table.file]
    if prefix:
        if table.file not in _WITH_BON_KEY:
            raise DsfinvkFormatError(f"{table.file} has no Vorgang key")
        formatters = formatters[4:]
        unknown = set(row) - _COLUMNS[table.file] or set(row) & set(BON_KEY)
    else:
        unknown = set(row) - _COLUMNS[table.file]
    if unknown:
        raise DsfinvkFormatError(f"{table.file}: unknown fields {sorted(unknown)}")
    get = row.get
    return prefix + spec.COLUMN_DELIMITER.join([write(get(name)) for name, write in formatters]) + spec.RECORD_DELIMITER


# --- times ---------------------------------------------------------------------------------------------------


def local_time(moment: datetime, tz: Any) -> str:
    """A time of the register (BON_START, Z_ERSTELLUNG, …): ISO 8601 local time with its offset, seconds."""
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def tse_time(moment: datetime | None) -> str:
    """A TSE log time (TSE_TA_START/ENDE): UTC with milliseconds, ``YYYY-MM-DDThh:mm:ss.fffZ``."""
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# --- collecting rows -----------------------------------------------------------------------------------------


class ExportFiles:
    """One spooled temporary file per table; rows are appended as they are produced."""

    def __init__(self) -> None:
        self._files: dict[str, IO[bytes]] = {}
        self._buffers: dict[str, list[str]] = {table.file: [] for table in spec.TABLES}
        self.counts: dict[str, int] = {}
        for table in spec.TABLES:
            handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed in close())
            handle.write(header_line(table).encode(spec.ENCODING))
            self._files[table.file] = handle
            self.counts[table.file] = 0

    def add(self, table: Table, rows: Iterable[Mapping[str, Any]], prefix: str = "") -> None:
        buffer = self._buffers[table.file]
        before = len(buffer)
        buffer.extend(row_line(table, row, prefix) for row in rows)
        self.counts[table.file] += len(buffer) - before
        if len(buffer) >= FLUSH_LINES:
            self._flush(table.file)

    def _flush(self, file: str) -> None:
        buffer = self._buffers[file]
        if buffer:
            self._files[file].write("".join(buffer).encode(spec.ENCODING))
            buffer.clear()

    def write_zip(self, target: IO[bytes]) -> None:
        """The ZIP: ``index.xml``, the DTD and the twenty CSV files, copied in chunks."""
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr("index.xml", index_xml().encode(spec.ENCODING))
            archive.writestr(spec.DTD_NAME, GDPDU_DTD.encode(spec.ENCODING))
            for table in spec.TABLES:
                self._flush(table.file)
                handle = self._files[table.file]
                handle.seek(0)
                with archive.open(table.file, "w", force_zip64=True) as entry:
                    shutil.copyfileobj(handle, entry, 1 << 16)

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()

    def __enter__(self) -> ExportFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- index.xml and its DTD -------------------------------------------------------------------------------------


def _column_xml(field: Field) -> str:
    if field.kind is Kind.TEXT:
        kind = f"<AlphaNumeric/>\n          <MaxLength>{field.max_length}</MaxLength>"
    elif field.kind is Kind.INT:
        kind = "<Numeric/>"
    else:
        kind = f"<Numeric>\n            <Accuracy>{field.places}</Accuracy>\n          </Numeric>"
    return (
        "        <VariableColumn>\n"
        f"          <Name>{field.name}</Name>\n"
        f"          <Description>{escape(field.description)}</Description>\n"
        f"          {kind}\n"
        "        </VariableColumn>\n"
    )


def _table_xml(table: Table) -> str:
    return (
        "    <Table>\n"
        f"      <URL>{table.file}</URL>\n"
        f"      <Name>{table.name}</Name>\n"
        f"      <Description>{table.file} ({table.module})</Description>\n"
        "      <UTF8/>\n"
        f"      <DecimalSymbol>{spec.DECIMAL_SYMBOL}</DecimalSymbol>\n"
        f"      <DigitGroupingSymbol>{spec.DIGIT_GROUPING_SYMBOL}</DigitGroupingSymbol>\n"
        "      <Range>\n        <From>2</From>\n      </Range>\n"
        "      <VariableLength>\n"
        f"        <ColumnDelimiter>{spec.COLUMN_DELIMITER}</ColumnDelimiter>\n"
        "        <RecordDelimiter>&#13;&#10;</RecordDelimiter>\n"
        f"        <TextEncapsulator>{escape(spec.TEXT_ENCAPSULATOR)}</TextEncapsulator>\n"
        + "".join(_column_xml(field) for field in table.fields)
        + "      </VariableLength>\n"
        "    </Table>\n"
    )


def index_xml() -> str:
    """The GDPdU description of the export: every file with its format and its columns."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE DataSet SYSTEM "{spec.DTD_NAME}">\n'
        "<DataSet>\n"
        "  <Version>1.0</Version>\n"
        "  <DataSupplier>\n"
        "    <Name>kasse</Name>\n"
        "    <Location></Location>\n"
        f"    <Comment>DSFinV-K {spec.TAXONOMY_VERSION}</Comment>\n"
        "  </DataSupplier>\n"
        "  <Media>\n"
        "    <Name>DSFinV-K</Name>\n" + "".join(_table_xml(table) for table in spec.TABLES) + "  </Media>\n"
        "</DataSet>\n"
    )


# The document type of GDPdU data descriptions (version of 1 September 2004), the elements
# index.xml may use, written from the published description of the format.
GDPDU_DTD = """<?xml version="1.0" encoding="UTF-8"?>
<!-- GDPdU data description (version 01-09-2004): the structure index.xml follows -->
<!ELEMENT DataSet (Version, DataSupplier?, Command*, Media+, Command*)>
<!ELEMENT Version (#PCDATA)>
<!ELEMENT DataSupplier (Name, Location, Comment)>
<!ELEMENT Location (#PCDATA)>
<!ELEMENT Comment (#PCDATA)>
<!ELEMENT Command (#PCDATA)>
<!ELEMENT Media (Name, Command*, Table+, Command*)>
<!ELEMENT Table (URL, Name?, Description?, Validity?, (ANSI | Macintosh | OEM | UTF16 | UTF7 | UTF8)?,
                 (DecimalSymbol, DigitGroupingSymbol)?, SkipNumBytes?, Range?, Epoch?,
                 (VariableLength | FixedLength))>
<!ELEMENT URL (#PCDATA)>
<!ELEMENT Name (#PCDATA)>
<!ELEMENT Description (#PCDATA)>
<!ELEMENT Validity (Range, Format?)>
<!ELEMENT Range (From, (To | Length)?)>
<!ELEMENT From (#PCDATA)>
<!ELEMENT To (#PCDATA)>
<!ELEMENT Length (#PCDATA)>
<!ELEMENT Format (#PCDATA)>
<!ELEMENT ANSI EMPTY>
<!ELEMENT Macintosh EMPTY>
<!ELEMENT OEM EMPTY>
<!ELEMENT UTF16 EMPTY>
<!ELEMENT UTF7 EMPTY>
<!ELEMENT UTF8 EMPTY>
<!ELEMENT DecimalSymbol (#PCDATA)>
<!ELEMENT DigitGroupingSymbol (#PCDATA)>
<!ELEMENT SkipNumBytes (#PCDATA)>
<!ELEMENT Epoch (#PCDATA)>
<!ELEMENT VariableLength (ColumnDelimiter?, RecordDelimiter?, TextEncapsulator?,
                          VariablePrimaryKey*, VariableColumn*, ForeignKey*)>
<!ELEMENT ColumnDelimiter (#PCDATA)>
<!ELEMENT RecordDelimiter (#PCDATA)>
<!ELEMENT TextEncapsulator (#PCDATA)>
<!ELEMENT VariablePrimaryKey (Name, Description?, (Numeric | AlphaNumeric | Date), MaxLength?, Map*)>
<!ELEMENT VariableColumn (Name, Description?, (Numeric | AlphaNumeric | Date), MaxLength?, Map*)>
<!ELEMENT FixedLength (Length?, (FixedPrimaryKey+, FixedColumn*, ForeignKey*))>
<!ELEMENT FixedPrimaryKey (Name, Description?, (Numeric | AlphaNumeric | Date), MaxLength?, Map*, FixedRange)>
<!ELEMENT FixedColumn (Name, Description?, (Numeric | AlphaNumeric | Date), MaxLength?, Map*, FixedRange)>
<!ELEMENT FixedRange (From, (To | Length))>
<!ELEMENT ForeignKey (Name+, References, Alias?)>
<!ELEMENT References (#PCDATA)>
<!ELEMENT Alias (From, To)>
<!ELEMENT Numeric ((ImpliedAccuracy | Accuracy)?)>
<!ELEMENT Accuracy (#PCDATA)>
<!ELEMENT ImpliedAccuracy (#PCDATA)>
<!ELEMENT AlphaNumeric EMPTY>
<!ELEMENT MaxLength (#PCDATA)>
<!ELEMENT Date (Format)>
<!ELEMENT Map (Description?, From, To)>
"""

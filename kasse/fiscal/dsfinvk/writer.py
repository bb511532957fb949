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
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape

from kasse.fiscal.dsfinvk import spec
from kasse.fiscal.dsfinvk.spec import Field, Kind, Table

SPOOL_BYTES = 1 << 20  # a file stays in memory up to 1 MiB, then moves to disk


class DsfinvkFormatError(ValueError):
    """A value the DSFinV-K format cannot hold (a bug or bad data: the export stops)."""


def format_value(field: Field, value: Any) -> str:
    """One value as it stands in the CSV; ``None`` and ``""`` are an empty field."""
    if value is None or value == "":
        return '""' if field.kind is Kind.TEXT else ""
    if field.kind is Kind.TEXT:
        text = str(value)
        if len(text) > field.max_length:
            raise DsfinvkFormatError(f"{field.name}: {len(text)} characters, at most {field.max_length}")
        if field.values and text not in field.values:
            raise DsfinvkFormatError(f"{field.name}: {text!r} is not in the value list")
        if "\r" in text or "\n" in text:
            text = " ".join(text.split())
        return '"' + text.replace('"', '""') + '"'
    if field.kind is Kind.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DsfinvkFormatError(f"{field.name}: {value!r} is not a whole number")
        return str(value)
    if not isinstance(value, Decimal):
        raise DsfinvkFormatError(f"{field.name}: {value!r} is not a Decimal")
    quantum = Decimal(1).scaleb(-field.places)
    if value != value.quantize(quantum):
        raise DsfinvkFormatError(f"{field.name}: {value} has more than {field.places} decimal places")
    return f"{value:.{field.places}f}".replace(".", spec.DECIMAL_SYMBOL)


def header_line(table: Table) -> str:
    return spec.COLUMN_DELIMITER.join(f'"{name}"' for name in table.columns) + spec.RECORD_DELIMITER


def row_line(table: Table, row: Mapping[str, Any]) -> str:
    unknown = set(row) - set(table.columns)
    if unknown:
        raise DsfinvkFormatError(f"{table.file}: unknown fields {sorted(unknown)}")
    return (
        spec.COLUMN_DELIMITER.join(format_value(field, row.get(field.name)) for field in table.fields)
        + spec.RECORD_DELIMITER
    )


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
        self.counts: dict[str, int] = {}
        for table in spec.TABLES:
            handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed in close())
            handle.write(header_line(table).encode(spec.ENCODING))
            self._files[table.file] = handle
            self.counts[table.file] = 0

    def add(self, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
        handle = self._files[table.file]
        lines = [row_line(table, row) for row in rows]
        if lines:
            handle.write("".join(lines).encode(spec.ENCODING))
            self.counts[table.file] += len(lines)

    def write_zip(self, target: IO[bytes]) -> None:
        """The ZIP: ``index.xml``, the DTD and the twenty CSV files, copied in chunks."""
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr("index.xml", index_xml().encode(spec.ENCODING))
            archive.writestr(spec.DTD_NAME, GDPDU_DTD.encode(spec.ENCODING))
            for table in spec.TABLES:
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

"""Reading a DSFinV-K export back and checking it against the specification's field lists.

Independent of the writer: the CSV is parsed with the standard library, and each value is checked
against the kind, length and value list ``kasse.fiscal.dsfinvk.spec`` gives its field.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

from kasse.fiscal.dsfinvk import spec
from kasse.fiscal.dsfinvk.writer import ExportFiles
from kasse.sales.dsfinvk.export import write_export

INT = re.compile(r"^-?\d+$")
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
TSE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOCAL_TIMES = {"Z_ERSTELLUNG", "BON_START", "BON_ENDE", "REF_DATUM"}
TSE_TIMES = {"TSE_TA_START", "TSE_TA_ENDE"}


def export_zip(shifts) -> bytes:
    buffer = io.BytesIO()
    with ExportFiles() as files:
        write_export(shifts, files)
        files.write_zip(buffer)
    return buffer.getvalue()


def decimal_of(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def check_value(field: spec.Field, raw: str, quoted: bool) -> None:
    where = f"{field.name}={raw!r}"
    if field.kind is spec.Kind.TEXT:
        assert quoted, f"{where}: text fields are quoted"
        assert len(raw) <= field.max_length, f"{where}: longer than {field.max_length}"
        if field.values and raw:
            assert raw in field.values, f"{where}: not in the value list"
        if raw and field.name in LOCAL_TIMES:
            assert LOCAL_TIME.match(raw), f"{where}: not ISO 8601 local time with offset"
        if raw and field.name in TSE_TIMES:
            assert TSE_TIME.match(raw), f"{where}: not YYYY-MM-DDThh:mm:ss.fffZ"
        return
    assert not quoted, f"{where}: numbers are not quoted"
    if not raw:
        return
    if field.kind is spec.Kind.INT:
        assert INT.match(raw), f"{where}: not a whole number"
    else:
        assert re.match(rf"^-?\d+,\d{{{field.places}}}$", raw), f"{where}: not {field.places} places with a comma"


def split_line(line: str) -> list[tuple[str, bool]]:
    """One CSV line into (value, was quoted) pairs, by the index.xml's separators."""
    fields: list[tuple[str, bool]] = []
    for value in next(csv.reader([line], delimiter=";", quotechar='"', strict=True)):
        fields.append((value, False))
    # csv drops the quoting; find it again by position
    rebuilt: list[tuple[str, bool]] = []
    pos = 0
    for value, _ in fields:
        quoted = line.startswith('"', pos)
        rebuilt.append((value, quoted))
        if quoted:
            pos += len(value.replace('"', '""')) + 2
        else:
            pos += len(value)
        pos += 1  # the separator
    return rebuilt


def read_export(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Every file of the ZIP, checked field by field; rows as dicts of the raw text."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert names == {"index.xml", spec.DTD_NAME} | {t.file for t in spec.TABLES}
    index = ElementTree.fromstring(archive.read("index.xml"))  # noqa: S314 (our own export)
    described = {table.findtext("URL"): table for table in index.iter("Table")}
    assert set(described) == {t.file for t in spec.TABLES}
    assert f'SYSTEM "{spec.DTD_NAME}"' in archive.read("index.xml").decode()
    tables: dict[str, list[dict[str, str]]] = {}
    for table in spec.TABLES:
        xml = described[table.file]
        assert [c.findtext("Name") for c in xml.iter("VariableColumn")] == list(table.columns)
        raw = archive.read(table.file)
        text = raw.decode("utf-8")
        assert text.endswith("\r\n")
        assert "\n" not in text.replace("\r\n", "")
        lines = text.split("\r\n")[:-1]
        header = [value for value, _ in split_line(lines[0])]
        assert header == list(table.columns), table.file
        rows = []
        for line in lines[1:]:
            values = split_line(line)
            assert len(values) == len(table.fields), f"{table.file}: {len(values)} fields"
            for field, (value, quoted) in zip(table.fields, values, strict=True):
                check_value(field, value, quoted)
            rows.append({field.name: value for field, (value, _) in zip(table.fields, values, strict=True)})
        tables[table.file] = rows
    return tables

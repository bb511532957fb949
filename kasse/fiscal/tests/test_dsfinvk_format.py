"""The DSFinV-K format as written: values, lines, index.xml (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from kasse.fiscal.dsfinvk import spec
from kasse.fiscal.dsfinvk.writer import (
    GDPDU_DTD,
    DsfinvkFormatError,
    bon_prefix,
    format_value,
    index_xml,
    local_time,
    row_line,
    tse_time,
)

D = Decimal
FIELDS = {f.name: f for t in spec.TABLES for f in t.fields}


def test_values_are_written_as_index_xml_declares_them():
    assert format_value(FIELDS["UMS_BRUTTO"], D("-2.80")) == "-2,80"
    assert format_value(FIELDS["POS_NETTO"], D("2.35294")) == "2,35294"
    assert format_value(FIELDS["POS_NETTO"], D("0")) == "0,00000"
    assert format_value(FIELDS["MENGE"], D("1.5")) == "1,500"
    assert format_value(FIELDS["Z_NR"], 12) == "12"
    assert format_value(FIELDS["Z_NR"], None) == ""
    assert format_value(FIELDS["ARTIKELTEXT"], 'Kaffee "Crema"') == '"Kaffee ""Crema"""'
    assert format_value(FIELDS["ARTIKELTEXT"], "zwei\r\nZeilen") == '"zwei Zeilen"'
    assert format_value(FIELDS["BON_NOTIZ"], "") == '""'


def test_what_the_format_cannot_hold_is_refused():
    with pytest.raises(DsfinvkFormatError, match="more than 2"):
        format_value(FIELDS["UMS_BRUTTO"], D("2.805"))
    with pytest.raises(DsfinvkFormatError, match="not a Decimal"):
        format_value(FIELDS["UMS_BRUTTO"], 2.8)
    with pytest.raises(DsfinvkFormatError, match="at most 40"):
        format_value(FIELDS["BON_ID"], "x" * 41)
    with pytest.raises(DsfinvkFormatError, match="value list"):
        format_value(spec.TRANSACTIONS.fields[5], "Rechnung")  # BON_TYP
    with pytest.raises(DsfinvkFormatError, match="value list"):
        format_value(spec.LINES.fields[8], "Verkauf")  # GV_TYP
    with pytest.raises(DsfinvkFormatError, match="whole number"):
        format_value(FIELDS["Z_NR"], True)
    with pytest.raises(DsfinvkFormatError, match="unknown fields"):
        row_line(spec.VAT, {"UST_SCHLUESSEL": 1, "RATE": D("19")})


def test_a_line_has_every_column_separated_and_ended_as_declared():
    key = {"Z_KASSE_ID": "K1", "Z_ERSTELLUNG": "2026-12-07T18:00:00+01:00", "Z_NR": 3, "BON_ID": "b1"}
    line = row_line(spec.TRANSACTIONS_VAT, {"UST_SCHLUESSEL": 1, "BON_BRUTTO": D("2.80")}, bon_prefix(key))
    assert line == '"K1";"2026-12-07T18:00:00+01:00";3;"b1";1;2,80000;;\r\n'
    assert line == row_line(spec.TRANSACTIONS_VAT, {**key, "UST_SCHLUESSEL": 1, "BON_BRUTTO": D("2.80")})
    with pytest.raises(DsfinvkFormatError):
        row_line(spec.VAT, {"UST_SCHLUESSEL": 1}, bon_prefix(key))  # master data has no Vorgang key


def test_times_of_the_register_have_their_offset_and_tse_times_are_utc_with_milliseconds():
    moment = datetime(2026, 7, 1, 10, 0, 5, 123456, tzinfo=UTC)
    assert local_time(moment, ZoneInfo("Europe/Berlin")) == "2026-07-01T12:00:05+02:00"
    assert tse_time(moment) == "2026-07-01T10:00:05.123Z"


def test_index_xml_describes_the_twenty_files_with_their_columns_and_names_its_dtd():
    text = index_xml()
    assert f'<!DOCTYPE DataSet SYSTEM "{spec.DTD_NAME}">' in text
    root = ElementTree.fromstring(text.encode())  # noqa: S314 (our own document)
    tables = root.findall("./Media/Table")
    assert [t.findtext("URL") for t in tables] == [t.file for t in spec.TABLES]
    assert len(tables) == 20
    for xml, table in zip(tables, spec.TABLES, strict=True):
        assert xml.findtext("DecimalSymbol") == ","
        assert xml.find("UTF8") is not None
        assert xml.findtext("VariableLength/ColumnDelimiter") == ";"
        assert xml.findtext("VariableLength/RecordDelimiter") == "\r\n"
        columns = xml.findall("VariableLength/VariableColumn")
        assert [c.findtext("Name") for c in columns] == list(table.columns)
        for column, field in zip(columns, table.fields, strict=True):
            if field.kind is spec.Kind.TEXT:
                assert column.find("AlphaNumeric") is not None
                assert column.findtext("MaxLength") == str(field.max_length)
            elif field.kind is spec.Kind.DEC:
                assert column.findtext("Numeric/Accuracy") == str(field.places)
            else:
                assert column.find("Numeric") is not None
                assert column.find("Numeric/Accuracy") is None
    # every element index.xml uses is declared in the DTD
    declared = {line.split()[1] for line in GDPDU_DTD.splitlines() if line.startswith("<!ELEMENT")}
    assert {element.tag for element in root.iter()} <= declared


def test_the_modules_hold_the_files_the_specification_lists():
    by_module: dict[str, set[str]] = {}
    for table in spec.TABLES:
        by_module.setdefault(table.module, set()).add(table.file)
    assert by_module["Einzelaufzeichnung"] == {
        "transactions.csv",
        "transactions_vat.csv",
        "allocation_groups.csv",
        "datapayment.csv",
        "lines.csv",
        "lines_vat.csv",
        "subitems.csv",
        "references.csv",
        "transactions_tse.csv",
        "itemamounts.csv",
    }
    assert by_module["Stammdaten"] == {
        "cashpointclosing.csv",
        "location.csv",
        "cashregister.csv",
        "slaves.csv",
        "pa.csv",
        "vat.csv",
        "tse.csv",
    }
    assert by_module["Kassenabschluss"] == {"businesscases.csv", "payment.csv", "cash_per_currency.csv"}
    assert all(t.columns[:3] == ("Z_KASSE_ID", "Z_ERSTELLUNG", "Z_NR") for t in spec.TABLES)

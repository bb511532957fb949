"""Read an XLSX file back in tests: every sheet's cells as plain values (no spreadsheet library needed).

Understands what XlsxWriter writes: numbers, inline strings (constant-memory mode) and shared strings.
"""

# ruff: noqa: S314 - test support: it reads back files our own export just wrote, nothing from outside

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    index = 0
    for char in letters.group(0) if letters else "A":
        index = index * 26 + ord(char) - 64
    return index - 1


def read_xlsx(data: bytes) -> dict[str, list[list[object]]]:
    """``{sheet name: rows}``; a row is a list of cells (str, float or None for an empty cell)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in archive.namelist():
        root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    sheets: dict[str, list[list[object]]] = {}
    for sheet in workbook.find("m:sheets", NS) or []:
        target = str(targets[sheet.get(REL)]).removeprefix("/xl/")
        root = ElementTree.fromstring(archive.read(f"xl/{target}"))
        rows: list[list[object]] = []
        for row in root.iter(f"{{{NS['m']}}}row"):
            cells: list[object] = []
            for cell in row.findall("m:c", NS):
                col = _column(cell.get("r", "A1"))
                cells.extend([None] * (col - len(cells)))
                kind = cell.get("t")
                value = cell.find("m:v", NS)
                if kind == "inlineStr":
                    cells.append("".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t")))
                elif kind == "s" and value is not None:
                    cells.append(shared[int(value.text or 0)])
                elif value is not None:
                    cells.append(float(value.text or 0))
                else:
                    cells.append(None)
            rows.append(cells)
        sheets[str(sheet.get("name"))] = rows
    return sheets

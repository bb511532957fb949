"""A report as a file: CSV (semicolon, German Excel opens it), XLSX (XlsxWriter, constant memory, as the
sales export) and PDF (fpdf2).

Rows are plain values from :class:`kasse.reports.selectors.Report`; amounts stay exact decimals in CSV and
XLSX (numbers with two places, not text), the PDF is an A4 table for printing or sending.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext
from fpdf import FPDF

from kasse.reports.selectors import Report

PDF_ROWS = 2000  # a PDF is for reading and printing; the full list is in the CSV and XLSX
NUMBER_FORMATS = {"money": "#,##0.00", "quantity": "#,##0.###", "count": "0", "percent": "0.0"}
# XLSX stores numbers as binary doubles: exact to the cent for any amount below 10^13 euros.


def _rows(report: Report) -> list[dict[str, Any]]:
    return [*report.rows, *([report.totals] if report.totals else [])]


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if kind == "money":
            return f"{value:.2f}".replace(".", ",")
        return f"{value.normalize():f}".replace(".", ",")
    return str(value)


def _cell(value: Any, kind: str) -> str:
    """A CSV cell; text that a spreadsheet would take for a formula (a product named "=1+1") gets a leading
    apostrophe, as spreadsheets themselves mark text."""
    text = _text(value, kind)
    return "'" + text if kind == "text" and text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def as_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(c.label) for c in report.columns])
    for row in _rows(report):
        writer.writerow([_cell(row.get(c.key), c.kind) for c in report.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(report: Report, title: str) -> bytes:
    """One sheet: the header in bold, numbers as numbers with their format, the totals row in bold."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
    bold_formats = {kind: book.add_format({"num_format": fmt, "bold": True}) for kind, fmt in NUMBER_FORMATS.items()}
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(report.columns), 16)
    for col, column in enumerate(report.columns):
        sheet.write_string(0, col, str(column.label), bold)
    for number, row in enumerate(_rows(report), start=1):
        total = row is report.totals
        for col, column in enumerate(report.columns):
            value = row.get(column.key)
            if value is None:
                continue
            if column.kind == "text":
                sheet.write_string(number, col, str(value), bold if total else None)
            else:
                chosen = (bold_formats if total else formats)[column.kind]
                sheet.write_number(number, col, float(value), chosen)
    book.close()
    return out.getvalue()


def _latin(text: str) -> str:
    return text.replace("–", "-").replace("×", "x").encode("cp1252", "replace").decode("cp1252")


def as_pdf(report: Report, title: str, subtitle: str) -> bytes:
    pdf = FPDF(orientation="L" if len(report.columns) > 6 else "P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(0, 8, _latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 6, _latin(subtitle), new_x="LMARGIN", new_y="NEXT")
    for note in report.notes:
        pdf.multi_cell(0, 5, _latin(note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", size=8)
    with pdf.table(
        text_align=tuple("LEFT" if c.kind == "text" else "RIGHT" for c in report.columns),
        first_row_as_headings=True,
    ) as table:
        table.row([_latin(str(c.label)) for c in report.columns])
        rows = _rows(report)
        shown = rows if len(rows) <= PDF_ROWS else [*rows[: PDF_ROWS - 1], rows[-1]]
        for row in shown:
            table.row([_latin(_text(row.get(c.key), c.kind)) for c in report.columns])
    if len(shown) < len(rows):
        pdf.set_font("Helvetica", size=8)
        pdf.multi_cell(0, 5, _latin(gettext("Only the first rows; the CSV and XLSX downloads have all.")))
    return bytes(pdf.output())

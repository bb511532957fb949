"""The cash book of a month as an A4 PDF (fpdf2, core fonts in Windows-1252: umlauts, ß and €)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

ENCODING = "windows-1252"
COLUMNS = ((22, "L"), (55, "L"), (73, "L"), (20, "R"), (20, "R"))  # mm: day, what, detail, amount, balance


def _safe(text: str) -> str:
    return text.encode(ENCODING, "replace").decode(ENCODING)


def _money(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def cash_book_pdf(title: str, rows: list[tuple[date, str, str, Decimal | None, Decimal]]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(_safe(title))
    pdf.set_creator("kasse")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(0, 8, _safe(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", style="B", size=8)
    for (width, align), heading in zip(
        COLUMNS, (_("Day"), _("What"), _("Detail"), _("Amount"), _("Balance")), strict=True
    ):
        pdf.cell(width, 5, _safe(str(heading)), border="B", align=align)
    pdf.ln()
    for day, what, detail, amount, balance in rows:
        is_balance = amount is None
        pdf.set_font("Helvetica", style="B" if is_balance else "", size=8)
        cells = (
            formats.date_format(day, "SHORT_DATE_FORMAT"),
            what,
            detail,
            "" if amount is None else _money(amount),
            _money(balance),
        )
        for (width, align), text in zip(COLUMNS, cells, strict=True):
            pdf.cell(width, 4.5, _safe(text)[:70], align=align)
        pdf.ln()
    pdf.set_font("Helvetica", size=7)
    pdf.ln(3)
    pdf.multi_cell(
        0,
        4,
        _safe(_("All amounts in €. Entries are never changed or deleted; corrections are new entries.")),
    )
    return bytes(pdf.output())

"""A printer document (:class:`ReceiptDocument`) as an 80 mm PDF: the same lines the printer got.

The blocks are laid out in 42 characters, exactly as on a 80 mm receipt printer (``text.fit_columns``,
``fit_table``, ``wrap_phrases``), and set in Courier, so a Z report downloaded as a PDF reads line for line
like the paper one. Core fonts speak Windows-1252 (umlauts, ß, €); anything else becomes "?".
"""

from __future__ import annotations

from fpdf import FPDF

from kasse.hardware.printers.base import Align, Columns, Feed, ReceiptDocument, Separator, Table, TextLine
from kasse.hardware.printers.text import fit_columns, fit_table, wrap_phrases

COLUMNS = 42  # characters per line on 80 mm paper (font A)
PAGE_WIDTH = 80  # mm
MARGIN = 3
FONT_SIZE = 8.0  # Courier at this size: 42 characters fill the 74 mm between the margins
LINE = 3.8  # mm
ENCODING = "windows-1252"


def _safe(text: str) -> str:
    return text.encode(ENCODING, "replace").decode(ENCODING)


def _lines(block: object) -> list[tuple[str, bool, bool]]:
    """(text of one printed line, bold, tall) for the blocks that print text; pictures and codes none."""
    if isinstance(block, TextLine):
        width = COLUMNS // 2 if block.double_width else COLUMNS
        rows = wrap_phrases(block.text, width)
        if block.align == Align.CENTER:
            rows = [row.strip().center(width).rstrip() for row in rows]
        elif block.align == Align.RIGHT:
            rows = [row.strip().rjust(width) for row in rows]
        return [(row, block.bold, block.double_height) for row in rows]
    if isinstance(block, Separator):
        return [(block.char * COLUMNS, False, False)]
    if isinstance(block, Columns):
        return [(row, block.bold, block.double_height) for row in fit_columns(block.left, block.right, COLUMNS)]
    if isinstance(block, Table):
        return [(row, False, False) for row in fit_table(block.header, block.rows, COLUMNS)]
    if isinstance(block, Feed):
        return [("", False, False)] * block.lines
    return []


def document_pdf(document: ReceiptDocument, *, title: str = "") -> bytes:
    """The document on an 80 mm wide page as tall as its lines."""
    rows = [row for block in document.blocks for row in _lines(block)]
    height = 2 * MARGIN + sum(LINE * (2 if tall else 1) for _text, _bold, tall in rows) + LINE
    pdf = FPDF(unit="mm", format=(PAGE_WIDTH, max(height, 40)))
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=False)
    if title:
        pdf.set_title(_safe(title))
    pdf.set_creator("kasse")
    pdf.add_page()
    for text, bold, tall in rows:
        pdf.set_font("Courier", style="B" if bold else "", size=FONT_SIZE * (1.6 if tall else 1))
        if tall:
            pdf.set_stretching(62.5)  # twice as tall, the same characters per line
        pdf.cell(PAGE_WIDTH - 2 * MARGIN, LINE * (2 if tall else 1), _safe(text), new_x="LMARGIN", new_y="NEXT")
        if tall:
            pdf.set_stretching(100)
    return bytes(pdf.output())

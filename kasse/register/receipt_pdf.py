"""The receipt as an 80 mm PDF (fpdf2), laid out from :class:`kasse.sales.receipt.Receipt`.

The same facts as the printed and the on-screen receipt, nothing of its own: header, lines, total, VAT
table, payments, receipt number and time, register, cashier, customer, fiscal block, footer and the receipt
code as Code 128 bars (python-barcode) with its text below. Text uses the PDF core fonts in Windows-1252,
which has the German umlauts, ß and €; characters outside it become "?" rather than failing the download.
"""

from __future__ import annotations

import io

import segno
from django.utils.translation import gettext as _
from fpdf import FPDF

from kasse.register.barcodes import code128_bars
from kasse.sales.receipt import Receipt, amount, euro

PAGE_WIDTH = 80  # mm
MARGIN = 4
LINE = 4.2  # mm per text row
BARCODE_HEIGHT = 12
QR_SIZE = 30  # mm
ENCODING = "windows-1252"
WIDTH = PAGE_WIDTH - 2 * MARGIN
VAT_COLUMNS = (0.34, 0.22, 0.22, 0.22)  # share of the width: rate, net, VAT, gross


def _safe(text: str) -> str:
    return text.encode(ENCODING, "replace").decode(ENCODING)


class _ReceiptPdf(FPDF):
    def rule(self) -> None:
        y = self.get_y() + 0.6
        self.set_dash_pattern(dash=1, gap=0.8)
        self.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
        self.set_dash_pattern()
        self.set_y(y + 0.6)

    def row(self, left: str, right: str = "", *, align: str = "L", bold: bool = False) -> None:
        self.set_font("Helvetica", style="B" if bold else "", size=8.5)
        if right:
            right_width = self.get_string_width(_safe(right)) + 1
            self.cell(WIDTH - right_width, LINE, _safe(left))
            self.cell(right_width, LINE, _safe(right), align="R", new_x="LMARGIN", new_y="NEXT")
        else:
            self.multi_cell(WIDTH, LINE, _safe(left), align=align, new_x="LMARGIN", new_y="NEXT")

    def cells(self, texts: tuple[str, ...]) -> None:
        self.set_font("Helvetica", size=8.5)
        for index, (text, share) in enumerate(zip(texts, VAT_COLUMNS, strict=True)):
            last = index == len(texts) - 1
            self.cell(
                WIDTH * share,
                LINE,
                _safe(text),
                align="L" if index == 0 else "R",
                new_x="LMARGIN" if last else "RIGHT",
                new_y="NEXT" if last else "TOP",
            )


def _draw(pdf: _ReceiptPdf, receipt: Receipt) -> None:
    header = receipt.header
    pdf.row(header.company, align="C", bold=True)
    for text in (header.store, header.street, header.place, header.tax_id_text):
        if text:
            pdf.row(text, align="C")
    if receipt.training:
        pdf.row(receipt.training_text, align="C", bold=True)
    if receipt.is_return:
        pdf.row(receipt.return_text, align="C", bold=True)
    pdf.rule()
    for line in receipt.lines:
        pdf.row(line.name, line.amount_text)
        for detail in (line.quantity_text, line.discount_text, line.promotion_text, line.note):
            if detail:
                pdf.row(f"  {detail}")
    pdf.rule()
    pdf.row(_("Total"), euro(receipt.total), bold=True)
    if receipt.saved_text:
        pdf.row(receipt.saved_text)
    pdf.rule()
    pdf.cells((_("VAT rate"), _("Net"), _("VAT"), _("Gross")))
    for vat in receipt.vat_rows:
        pdf.cells((vat.label, amount(vat.net), amount(vat.vat), amount(vat.gross)))
    pdf.rule()
    for payment in receipt.payments:
        pdf.row(payment.label, euro(payment.amount))
        if payment.tendered:
            pdf.row(f"  {_('Given')}", euro(payment.tendered))
    if receipt.change:
        pdf.row(_("Change"), euro(receipt.change), bold=True)
    pdf.rule()
    pdf.row(receipt.title, receipt.time_text)
    pdf.row(receipt.register_text)
    pdf.row(receipt.cashier_text)
    if receipt.customer is not None:
        pdf.row(receipt.customer.text)
        for loyalty_line in receipt.customer.loyalty:
            pdf.row(f"  {loyalty_line.text}")
    if receipt.note:
        pdf.row(receipt.note)
    for card in receipt.gift_cards:  # the code and the QR code of the balance page
        pdf.rule()
        pdf.row(card.text, bold=True)
        pdf.row(card.balance_text)
        png = io.BytesIO()
        segno.make(card.balance_url, error="m").save(png, kind="png", scale=4, border=2)
        top = pdf.get_y() + 1
        pdf.image(png, x=MARGIN + (WIDTH - QR_SIZE) / 2, y=top, w=QR_SIZE, h=QR_SIZE)
        pdf.set_y(top + QR_SIZE + 1)
    if receipt.fiscal is not None:
        pdf.rule()
        for fiscal_line in receipt.fiscal.lines:
            pdf.row(fiscal_line)
        if receipt.fiscal.qr_payload:
            png = io.BytesIO()
            segno.make(receipt.fiscal.qr_payload, error="m").save(png, kind="png", scale=4, border=2)
            top = pdf.get_y() + 1
            pdf.image(png, x=MARGIN + (WIDTH - QR_SIZE) / 2, y=top, w=QR_SIZE, h=QR_SIZE)
            pdf.set_y(top + QR_SIZE + 1)
    for footer_line in receipt.footer:
        pdf.row(footer_line, align="C")
    drawn = code128_bars(receipt.barcode)
    module = min(0.33, WIDTH / drawn.width)
    left = MARGIN + (WIDTH - drawn.width * module) / 2
    top = pdf.get_y() + 2
    pdf.set_fill_color(0, 0, 0)
    for x, w in drawn.bars:
        pdf.rect(left + x * module, top, w * module, BARCODE_HEIGHT, style="F")
    pdf.set_y(top + BARCODE_HEIGHT)
    pdf.set_font("Helvetica", size=7)
    pdf.cell(WIDTH, LINE, receipt.barcode, align="C", new_x="LMARGIN", new_y="NEXT")


def _page(receipt: Receipt, height: float) -> _ReceiptPdf:
    pdf = _ReceiptPdf(unit="mm", format=(PAGE_WIDTH, height))
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.set_title(_safe(receipt.title))
    pdf.set_creator("kasse")
    pdf.add_page()
    _draw(pdf, receipt)
    return pdf


def receipt_pdf(receipt: Receipt) -> bytes:
    """The PDF bytes of ``receipt`` in the active language: one 80 mm wide page as long as the receipt."""
    probe = _page(receipt, 2000)  # laid out once on a long page to learn the receipt's length
    return bytes(_page(receipt, max(probe.get_y() + MARGIN, 60)).output())

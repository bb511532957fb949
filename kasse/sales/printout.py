"""The receipt on a thermal printer: :class:`kasse.sales.receipt.Receipt` laid out as printer blocks.

Builds a :class:`kasse.hardware.printers.base.ReceiptDocument` (no ESC/POS here; the hardware library
renders it for the printer's profile: code page, width, double height, feed and cut). Every fact comes
from the receipt document; this module only decides where it goes on paper: header centred, lines with
amount and VAT letter, the total in double height, the VAT table fitted to the paper width, payments,
receipt number and time, register, cashier, footer, the fiscal block when there is one, and the receipt
code as the printer's own Code 128 barcode.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from kasse.hardware.printers.base import Align, ReceiptDocument
from kasse.sales.models import Sale
from kasse.sales.receipt import Receipt, amount, build_receipt, euro


def receipt_document(sale: Sale, *, language: str | None = None) -> ReceiptDocument:
    """The printable receipt of ``sale`` in ``language`` (default: the organization's)."""
    receipt = build_receipt(sale)
    return print_layout(receipt, language=language or receipt.language)


def print_layout(receipt: Receipt, *, language: str) -> ReceiptDocument:
    """``receipt`` as printer blocks, its texts in ``language``."""
    with translation.override(language):
        doc = ReceiptDocument()
        header = receipt.header
        doc.text(header.company, align=Align.CENTER, bold=True)
        for text in (header.store, header.street, header.place):
            doc.text(text, align=Align.CENTER)
        if header.tax_id_text:
            doc.text(header.tax_id_text, align=Align.CENTER)
        doc.separator()
        if receipt.training:
            doc.text(receipt.training_text, align=Align.CENTER, bold=True)
            doc.separator()
        if receipt.is_return:
            doc.text(receipt.return_text, bold=True)
        for line in receipt.lines:
            doc.columns(line.name, line.amount_text)
            for detail in (line.quantity_text, line.discount_text, line.promotion_text, line.note):
                if detail:
                    doc.text(f"  {detail}")
        doc.separator()
        doc.columns(_("Total"), euro(receipt.total), bold=True, double_height=True)
        if receipt.saved_text:
            doc.text(receipt.saved_text)
        doc.feed()
        doc.table(
            (_("VAT rate"), _("Net"), _("VAT"), _("Gross")),
            [(row.label, amount(row.net), amount(row.vat), amount(row.gross)) for row in receipt.vat_rows],
        )
        doc.feed()
        for payment in receipt.payments:
            doc.columns(payment.label, euro(payment.amount))
            if payment.tendered:
                doc.columns(f"  {_('Given')}", euro(payment.tendered))
        if receipt.change:
            doc.columns(_("Change"), euro(receipt.change), bold=True)
        doc.separator()
        doc.columns(receipt.title, receipt.time_text)
        doc.text(receipt.register_text)
        doc.text(receipt.cashier_text)
        if receipt.customer is not None:
            doc.text(receipt.customer.text)
            for loyalty_line in receipt.customer.loyalty:
                doc.text(f"  {loyalty_line.text}")
        if receipt.note:
            doc.text(receipt.note)
        for card in receipt.gift_cards:  # the code as a barcode to scan at the register, the balance as a QR code
            doc.separator()
            doc.text(card.text, bold=True)
            doc.barcode(card.code)
            doc.text(card.balance_text)
            doc.qr(card.balance_url, size=4)
        if receipt.fiscal is not None:
            doc.separator()
            for fiscal_line in receipt.fiscal.lines:
                doc.text(fiscal_line)
            if receipt.fiscal.qr_payload:
                doc.qr(receipt.fiscal.qr_payload, size=3)
        if receipt.footer:
            doc.feed()
            for footer_line in receipt.footer:
                doc.text(footer_line, align=Align.CENTER)
        if receipt.training:
            doc.text(receipt.training_text, align=Align.CENTER, bold=True)
        doc.feed()
        doc.barcode(receipt.barcode)
        doc.cut()
    return doc

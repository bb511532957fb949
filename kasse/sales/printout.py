"""A receipt as a printer document: what the thermal printer prints for a sale or a return.

Builds a :class:`kasse.hardware.printers.base.ReceiptDocument` (no ESC/POS here; the
hardware library renders it for the printer's profile) with what German law and the
shop need on a receipt: the seller's name, address and VAT ID or tax number, the
lines with quantity × price and discounts, the total, the VAT breakdown per rate
(net, VAT, gross), payments and change, employee, register and serial, receipt
number, start and end time in the store's time zone, the footer and a barcode of
the receipt code for returns. The TSE fields join when the fiscal module exists.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext as _

from kasse.core.money import ZERO
from kasse.hardware.printers.base import Align, ReceiptDocument
from kasse.sales.models import Sale, SaleKind
from kasse.sales.selectors import receipt_code


def _amount(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _quantity(value: Decimal) -> str:
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    return formats.number_format(normalized, decimal_pos=places, use_l10n=True)


def receipt_document(sale: Sale, *, language: str | None = None) -> ReceiptDocument:
    """The printable receipt of ``sale`` in ``language`` (default: the organization's)."""
    store = sale.store
    organization = store.organization
    with translation.override(language or organization.language):
        doc = ReceiptDocument()
        doc.text(organization.legal_name, align=Align.CENTER, bold=True)
        doc.text(store.name, align=Align.CENTER)
        doc.text(store.street, align=Align.CENTER)
        doc.text(f"{store.postal_code} {store.city}", align=Align.CENTER)
        if organization.vat_id:
            doc.text(f"{_('VAT ID')} {organization.vat_id}", align=Align.CENTER)
        elif organization.tax_number:
            doc.text(f"{_('Tax number')} {organization.tax_number}", align=Align.CENTER)
        doc.separator()
        if sale.kind == SaleKind.REFUND:
            original = sale.original_sale
            title = _("RETURN")
            if original is not None:
                title += " · " + _("for receipt %(number)s") % {"number": original.receipt_number}
            doc.text(title, bold=True)
        for line in sale.lines.all():
            name = f"{line.product_name} {line.variant_name}".strip()
            doc.columns(name, f"{_amount(line.total)} {line.vat_dsfinvk_id}")
            if line.quantity != 1 or line.unit != "piece":
                doc.text(f"  {_quantity(line.quantity)} x {_amount(line.unit_price)}")
            discount = line.line_discount + line.order_discount_share
            if discount:
                doc.text(f"  {_('Discount')} -{_amount(discount)}")
            if line.note:
                doc.text(f"  {line.note}")
        doc.separator()
        doc.columns(_("Total"), f"{_amount(sale.total)} EUR", bold=True)
        doc.feed()
        doc.columns(_("VAT"), f"{_('Net')}  {_('VAT')}  {_('Gross')}")
        for row in sale.vat_rows.all():
            rate = formats.number_format(row.vat_rate.normalize(), use_l10n=True)
            doc.columns(f"{row.vat_dsfinvk_id} = {rate} %",
                        f"{_amount(row.net)}  {_amount(row.vat)}  {_amount(row.gross)}")
        doc.feed()
        change = ZERO
        for payment in sale.payments.all():
            doc.columns(str(payment.get_method_display()), _amount(payment.amount))
            if payment.tendered:
                doc.columns(f"  {_('Given')}", _amount(payment.tendered))
            change += payment.change
        if change:
            doc.columns(_("Change"), _amount(change), bold=True)
        doc.separator()
        started = formats.date_format(sale.started_at.astimezone(store.tzinfo), "d.m.Y H:i:s")
        ended = formats.time_format(sale.completed_at.astimezone(store.tzinfo), "H:i:s")
        doc.text(f"{_('Receipt %(number)s') % {'number': sale.receipt_number}}  {started} - {ended}")
        doc.text(f"{_('Register')} {sale.register.name} ({sale.register.serial_number})")
        doc.text(f"{_('Served by')} {sale.employee_name}")
        if sale.note:
            doc.text(sale.note)
        if store.receipt_footer:
            doc.feed()
            for footer_line in store.receipt_footer.splitlines():
                doc.text(footer_line, align=Align.CENTER)
        doc.feed()
        doc.barcode(receipt_code(sale))
        doc.cut()
    return doc

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


def _euro(value: Decimal) -> str:
    """An amount with the euro sign, as German receipts print it ("10,97 €")."""
    return f"{_amount(value)} €"


def _quantity(value: Decimal) -> str:
    normalized = value.normalize()
    places = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    return formats.number_format(normalized, decimal_pos=places, use_l10n=True)


# How a line's quantity and unit price read for goods sold by measure: (shown unit, factor, price unit).
_MEASURES: dict[str, tuple[str, Decimal, str]] = {
    "kg": ("kg", Decimal(1), "€/kg"),
    "100g": ("g", Decimal(100), "€/100 g"),
    "l": ("l", Decimal(1), "€/l"),
    "m": ("m", Decimal(1), "€/m"),
}


def quantity_line(quantity: Decimal, unit: str, unit_price: Decimal) -> str:
    """ "3 x 0,45 €" for pieces, "0,235 kg x 29,90 €/kg" for weighed goods (the unit on both sides)."""
    measure = _MEASURES.get(unit)
    if measure is None:
        return f"{_quantity(quantity)} x {_euro(unit_price)}"
    shown, factor, price_unit = measure
    return f"{_quantity(quantity * factor)} {shown} x {_amount(unit_price)} {price_unit}"


def register_line(name: str, serial: str) -> str:
    """ "Kasse 1 (SN)": the word for register only when the register's name does not already start with it."""
    label = _("Register")
    named = name if name.casefold().startswith(label.casefold()) else f"{label} {name}"
    return f"{named} ({serial})"


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
            doc.columns(name, f"{_euro(line.total)} {line.vat_dsfinvk_id}")
            if line.quantity != 1 or line.unit != "piece":
                doc.text(f"  {quantity_line(line.quantity, line.unit, line.unit_price)}")
            discount = line.line_discount + line.order_discount_share
            if discount:
                doc.text(f"  {_('Discount')} -{_euro(discount)}")
            if line.note:
                doc.text(f"  {line.note}")
        doc.separator()
        doc.columns(_("Total"), _euro(sale.total), bold=True, double_height=True)
        doc.feed()
        rows = [(f"{row.vat_dsfinvk_id} = {formats.number_format(row.vat_rate.normalize(), use_l10n=True)} %",
                 _amount(row.net), _amount(row.vat), _amount(row.gross)) for row in sale.vat_rows.all()]
        doc.table((_("VAT rate"), _("Net"), _("VAT"), _("Gross")), rows)
        doc.feed()
        change = ZERO
        for payment in sale.payments.all():
            doc.columns(str(payment.get_method_display()), _euro(payment.amount))
            if payment.tendered:
                doc.columns(f"  {_('Given')}", _euro(payment.tendered))
            change += payment.change
        if change:
            doc.columns(_("Change"), _euro(change), bold=True)
        doc.separator()
        started = formats.date_format(sale.started_at.astimezone(store.tzinfo), "d.m.Y H:i:s")
        ended = formats.time_format(sale.completed_at.astimezone(store.tzinfo), "H:i:s")
        doc.columns(_("Receipt %(number)s") % {"number": sale.receipt_number}, f"{started} - {ended}")
        doc.text(register_line(sale.register.name, sale.register.serial_number))
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

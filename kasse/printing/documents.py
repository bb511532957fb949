"""Printer documents besides the sale receipt (:mod:`kasse.sales.printout`): X and Z reports, the test
page, the copy mark of a reprint, and shelf labels. German or English, in the organization's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kasse.catalog.models import Barcode, Variant
from kasse.catalog.selectors import price_for_store
from kasse.hardware.labels import LabelDocument, render_tspl, render_zpl, shelf_label
from kasse.hardware.labels.document import ean13_is_valid
from kasse.hardware.printers.base import Align, ReceiptDocument, TextLine
from kasse.printing.models import LabelLanguage, Printer
from kasse.sales.card_reconciliation import CardReconciliation, card_reconciliation
from kasse.sales.models import PaymentMethod, Shift, ShiftStatus
from kasse.sales.receipt import register_line
from kasse.sales.services.shifts import shift_figures
from kasse.tenancy.models import Store


def _amount(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _when(value: object, store: Store) -> str:
    return formats.date_format(value.astimezone(store.tzinfo), "d.m.Y H:i")  # type: ignore[attr-defined]


def _header(doc: ReceiptDocument, store: Store) -> None:
    organization = store.organization
    doc.text(organization.legal_name, align=Align.CENTER, bold=True)
    doc.text(store.name, align=Align.CENTER)
    doc.text(store.street, align=Align.CENTER)
    doc.text(f"{store.postal_code} {store.city}", align=Align.CENTER)
    if organization.vat_id:
        doc.text(_("VAT ID %(id)s") % {"id": organization.vat_id}, align=Align.CENTER)
    elif organization.tax_number:
        doc.text(_("Tax number %(number)s") % {"number": organization.tax_number}, align=Align.CENTER)
    doc.separator()


def shift_report_document(shift: Shift, *, language: str | None = None) -> ReceiptDocument:
    """The X report (open shift: interim figures, no number) or the Z report (closed shift) on paper.

    The same figures as the register's report page (``shift_figures``): sales and returns, totals by
    payment type, VAT rate and employee, the cash drawer, and for a Z report the count and difference.
    """
    store = shift.store
    is_z = shift.status == ShiftStatus.CLOSED
    with translation.override(language or store.organization.language):
        figures = shift_figures(shift)
        doc = ReceiptDocument()
        _header(doc, store)
        if is_z:
            doc.text(_("Z report %(number)s") % {"number": shift.closing_number}, bold=True, double_height=True)
        else:
            doc.text(_("X report"), bold=True, double_height=True)
            doc.text(_("Interim figures, not a closing"))
        doc.text(register_line(shift.register.name, shift.register.serial_number))
        doc.text(
            _("Opened %(when)s %(name)s")
            % {"when": _when(shift.opened_at, store), "name": shift.opened_by.display_name}
        )
        if is_z and shift.closed_at and shift.closed_by:
            doc.text(
                _("Closed %(when)s %(name)s")
                % {"when": _when(shift.closed_at, store), "name": shift.closed_by.display_name}
            )
        else:
            doc.text(_("As of %(when)s") % {"when": _when(timezone.now(), store)})
        doc.separator()
        doc.columns(_("Sales (%(count)s)") % {"count": figures.sales_count}, _amount(figures.gross_sales))
        doc.columns(_("Returns (%(count)s)") % {"count": figures.refunds_count}, _amount(figures.gross_refunds))
        doc.columns(_("Total"), _amount(figures.total), bold=True)
        if figures.training_count:
            doc.text(_("Training receipts (not in the sums): %(count)s") % {"count": figures.training_count})
        if figures.vouchers_sold or figures.vouchers_redeemed:  # gift cards: lines of the receipts above
            doc.columns(_("Gift cards sold"), _amount(figures.vouchers_sold))
            doc.columns(_("Paid with gift cards"), _amount(figures.vouchers_redeemed))
        doc.feed()
        doc.text(_("By payment type"), bold=True)
        labels = dict(PaymentMethod.choices)
        for method, amount in sorted(figures.by_payment.items()):
            doc.columns(str(labels.get(method, method)), _amount(amount))
        if not figures.by_payment:
            doc.text(_("none"))
        doc.feed()
        doc.text(_("By VAT rate"), bold=True)
        if figures.by_vat:
            doc.table(
                (_("VAT rate"), _("Net"), _("VAT"), _("Gross")),
                [
                    (
                        f"{formats.number_format(Decimal(row['vat_rate']).normalize(), use_l10n=True)} %",
                        _amount(row["net"]),
                        _amount(row["vat"]),
                        _amount(row["gross"]),
                    )
                    for row in figures.by_vat
                ],
            )
        else:
            doc.text(_("none"))
        doc.feed()
        doc.text(_("By employee"), bold=True)
        for name, total in sorted(figures.by_employee.items()):
            doc.columns(name, _amount(total))
        if not figures.by_employee:
            doc.text(_("none"))
        doc.feed()
        doc.text(_("Cash drawer"), bold=True)
        doc.columns(_("Opening float"), _amount(figures.opening_float))
        doc.columns(_("Cash payments"), _amount(figures.by_payment.get(PaymentMethod.CASH, Decimal("0.00"))))
        doc.columns(_("Total cash in"), _amount(figures.cash_in))
        doc.columns(_("Total cash out"), _amount(figures.cash_out))
        expected = shift.expected_cash if is_z and shift.expected_cash is not None else figures.expected_cash
        doc.columns(_("Expected cash"), _amount(expected), bold=True)
        if is_z and shift.counted_cash is not None and shift.difference is not None:
            doc.columns(_("Counted cash"), _amount(shift.counted_cash))
            doc.columns(_("Difference"), _amount(shift.difference), bold=True)
        card = card_reconciliation(shift) if is_z else None
        if card is not None:
            _card_section(doc, card)
        doc.separator()
        doc.text(_("All amounts in €."))
        if not is_z:
            doc.text(_("Interim report: the shift stays open."))
        doc.cut()
    return doc


def _card_section(doc: ReceiptDocument, card: CardReconciliation) -> None:
    """The card terminal's end-of-day against kasse's card payments (docs/payments.md, "End-of-day")."""
    doc.feed()
    doc.text(_("Card terminal end-of-day"), bold=True)
    doc.text(card.terminal)
    if card.read and card.terminal_amount is not None:
        doc.columns(_("Terminal (%(count)s)") % {"count": card.terminal_count}, _amount(card.terminal_amount))
    else:
        doc.text(card.message)
    doc.columns(_("kasse (%(count)s)") % {"count": card.kasse_count}, _amount(card.kasse_amount))
    if card.difference is not None:
        doc.columns(_("Difference"), _amount(card.difference), bold=True)
    for family in card.families:
        doc.columns(f"  {family.family} ({family.count})", _amount(family.amount))
    if card.unclear:
        doc.text(_("Unclear card payments: %(count)s") % {"count": card.unclear})


def mark_as_copy(doc: ReceiptDocument, *, language: str) -> ReceiptDocument:
    """A reprinted receipt says so at the top, so it is not taken for a second purchase."""
    with translation.override(language):
        mark = TextLine(_("COPY"), align=Align.CENTER, bold=True, double_width=True, double_height=True)
    return ReceiptDocument([mark, *doc.blocks])


def test_page_document(printer: Printer, *, language: str) -> ReceiptDocument:
    """A short page that shows the printer, its code page (umlauts, ß, €) and the cutter work."""
    profile = printer.hardware_profile
    with translation.override(language):
        doc = ReceiptDocument()
        doc.text(_("Test page"), align=Align.CENTER, bold=True, double_width=True, double_height=True)
        doc.text(printer.name, align=Align.CENTER)
        doc.text(f"{printer.store.name} · {printer.address}", align=Align.CENTER)
        doc.text(
            _("%(model)s, %(paper)s mm, %(columns)s columns")
            % {"model": profile.name, "paper": profile.paper_mm, "columns": profile.columns},
            align=Align.CENTER,
        )
        doc.separator()
        doc.text("ÄÖÜ äöü ß € 1.234,56")
        doc.columns(_("Left"), _("Right"))
        doc.text(_("Printed %(when)s") % {"when": _when(timezone.now(), printer.store)})
        doc.feed()
        doc.barcode("KASSE-TEST")
        doc.cut()
    return doc


@dataclass(frozen=True)
class LabelRequest:
    variant: Variant
    copies: int


# Base price (PAngV) for goods sold by weight or volume: (quantity, unit) of one price unit.
_MEASURED_BASE = {"kg": (Decimal(1), "kg"), "100g": (Decimal(100), "g"), "l": (Decimal(1), "l")}


def _ean(variant: Variant) -> str | None:
    codes = [b.code for b in Barcode.objects.filter(variant=variant).order_by("code")]
    return next((code for code in codes if ean13_is_valid(code)), None)


def label_document(request: LabelRequest, store: Store, *, width_mm: float, height_mm: float) -> LabelDocument:
    """The shelf label of a variant at the store's price, with the base price where German law wants one."""
    variant = request.variant
    product = variant.product
    name = f"{product.name} {variant.name}".strip()
    price = price_for_store(variant, store)
    quantity: Decimal | None = None
    unit: str | None = None
    if product.is_measured and product.unit in _MEASURED_BASE:
        quantity, unit = _MEASURED_BASE[product.unit]
    elif product.net_content and product.net_content_unit in {"g", "kg", "ml", "l"}:
        quantity, unit = product.net_content, product.net_content_unit
    return shelf_label(
        name,
        price,
        ean=_ean(variant),
        quantity=quantity,
        unit=unit,
        width_mm=width_mm,
        height_mm=height_mm,
        copies=request.copies,
    )


def render_labels(printer: Printer, requests: list[LabelRequest], *, width_mm: float, height_mm: float) -> bytes:
    """All labels of one request as one job in the printer's language."""
    render = render_zpl if printer.label_language == LabelLanguage.ZPL else render_tspl
    return b"".join(render(label_document(r, printer.store, width_mm=width_mm, height_mm=height_mm)) for r in requests)

"""The receipt as an 80 mm PDF (fpdf2): the same content as the HTML receipt page.

Text uses the PDF core fonts in Windows-1252, which has the German umlauts, ß
and €; characters outside it become "?" rather than failing the download.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from kasse.register.code128 import bars
from kasse.sales.models import Sale, SaleKind
from kasse.sales.selectors import receipt_code

PAGE_WIDTH = 80  # mm
MARGIN = 4
LINE = 4.2  # mm per text row
BARCODE_HEIGHT = 12
ENCODING = "windows-1252"


def money(value: Decimal) -> str:
    return str(formats.localize(value, use_l10n=True))


def _safe(text: str) -> str:
    return text.encode(ENCODING, "replace").decode(ENCODING)


@dataclass(frozen=True)
class Row:
    left: str
    right: str = ""
    align: str = "L"  # "L" or "C" for a row without right part
    bold: bool = False
    rule: bool = False  # a dashed rule above


def receipt_rows(sale: Sale) -> list[Row]:
    """The receipt, row by row, in the active language."""
    organization = sale.store.organization
    store = sale.store
    rows = [Row(organization.legal_name, align="C", bold=True), Row(store.name, align="C"),
            Row(store.street, align="C"), Row(f"{store.postal_code} {store.city}", align="C")]
    if organization.vat_id:
        rows.append(Row(f"{_('VAT ID')} {organization.vat_id}", align="C"))
    if organization.tax_number:
        rows.append(Row(f"{_('Tax number')} {organization.tax_number}", align="C"))
    if sale.kind == SaleKind.REFUND:
        if sale.original_sale_id:
            marker = _("for receipt %(number)s") % {"number": sale.original_sale.receipt_number}  # type: ignore[union-attr]
        else:
            marker = _("without receipt")
        rows.append(Row(f"{_('RETURN')} · {marker}", align="C", bold=True))
    rows.append(Row("", rule=True))
    for line in sale.lines.all():
        name = line.product_name + (f" {line.variant_name}" if line.variant_name else "")
        rows.append(Row(name))
        detail = f"  {formats.localize(line.quantity.normalize())} × {money(line.unit_price)}"
        if line.line_discount:
            detail += f" − {money(line.line_discount)}"
        if line.order_discount_share:
            detail += f" − {money(line.order_discount_share)}"
        rows.append(Row(detail, f"{money(line.total)} {line.vat_dsfinvk_id}"))
        if line.note:
            rows.append(Row(f"  {line.note}"))
    rows.append(Row(_("Total"), f"{money(sale.total)} €", bold=True, rule=True))
    rows.append(Row(f"{_('VAT')}   {_('Net')} / {_('VAT')} / {_('Gross')}", rule=True))
    for vat in sale.vat_rows.all():
        rows.append(Row(f"{vat.vat_dsfinvk_id} = {formats.localize(vat.vat_rate.normalize())} %",
                        f"{money(vat.net)} / {money(vat.vat)} / {money(vat.gross)}"))
    change = Decimal("0.00")
    rows.append(Row("", rule=True))
    for payment in sale.payments.all():
        rows.append(Row(str(payment.get_method_display()), money(payment.amount)))
        if payment.tendered:
            rows.append(Row(f"  {_('Given')}", money(payment.tendered)))
        change += payment.change
    if change:
        rows.append(Row(_("Change"), money(change)))
    tz = store.tzinfo
    started = timezone.localtime(sale.started_at, tz)
    completed = timezone.localtime(sale.completed_at, tz)
    rows.append(Row(f"{_('Served by')} {sale.employee_name}", rule=True))
    rows.append(Row(f"{_('Register')} {sale.register.name} ({sale.register.serial_number})"))
    rows.append(Row(f"{_('Receipt %(number)s') % {'number': sale.receipt_number}} · "
                    f"{started:%d.%m.%Y %H:%M:%S} – {completed:%H:%M:%S}"))
    for footer_line in (store.receipt_footer or "").splitlines():
        rows.append(Row(footer_line, align="C"))
    return rows


def receipt_pdf(sale: Sale) -> bytes:
    """The PDF bytes of ``sale``'s receipt: one 80 mm wide page as long as the receipt."""
    rows = receipt_rows(sale)
    code = receipt_code(sale)
    height = 2 * MARGIN + LINE * (len(rows) + 2) + BARCODE_HEIGHT + 4
    pdf = FPDF(unit="mm", format=(PAGE_WIDTH, max(height, 60)))
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.set_title(_safe(_("Receipt %(number)s") % {"number": sale.receipt_number}))
    pdf.set_creator("kasse")
    pdf.add_page()
    width = PAGE_WIDTH - 2 * MARGIN
    for row in rows:
        if row.rule:
            y = pdf.get_y() + 0.6
            pdf.set_dash_pattern(dash=1, gap=0.8)
            pdf.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
            pdf.set_dash_pattern()
            pdf.set_y(y + 0.6)
        if not row.left and not row.right:
            continue
        pdf.set_font("Helvetica", style="B" if row.bold else "", size=8.5)
        if row.right:
            right_width = pdf.get_string_width(_safe(row.right)) + 1
            pdf.cell(width - right_width, LINE, _safe(row.left))
            pdf.cell(right_width, LINE, _safe(row.right), align="R", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(width, LINE, _safe(row.left), align=row.align, new_x="LMARGIN", new_y="NEXT")
    drawn = bars(code)
    module = min(0.33, width / drawn.width)
    left = MARGIN + (width - drawn.width * module) / 2
    top = pdf.get_y() + 2
    pdf.set_fill_color(0, 0, 0)
    for x, w in drawn.bars:
        pdf.rect(left + x * module, top, w * module, BARCODE_HEIGHT, style="F")
    pdf.set_y(top + BARCODE_HEIGHT)
    pdf.set_font("Helvetica", size=7)
    pdf.cell(width, LINE, code, align="C")
    return bytes(pdf.output())

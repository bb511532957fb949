"""The receipt of a stored sale or return as one typed document, and the few ways its facts are written.

:func:`build_receipt` reads a completed :class:`~kasse.sales.models.Sale` (never the cart) and returns a
frozen :class:`Receipt`: who sold (company, store, address, VAT ID or tax number), where and when (register,
receipt number, start and end in the store's time zone, cashier), what (lines with quantity, unit price,
discount, VAT letter and amount), the VAT table, the total, payments and change, the receipts it refers to
(the original of a return, the return whose credit paid an exchange), the customer, the footer and the
code printed as a barcode. Every rendering (ESC/POS in :mod:`kasse.sales.printout`, the PDF, the on-screen
receipt and the e-mail in :mod:`kasse.register`) lays out these facts and adds none of its own; the texts
they share (amounts, quantity rows, VAT labels) are written by the functions and properties here, in the
language active when they are rendered.

``Receipt.fiscal`` is where the TSE data of German fiscal law goes (§6 KassenSichV: transaction number,
start and end, signature counter, signature, processType, serial numbers, and the DSFinV-K QR code), or the
note that the security device failed. :func:`build_receipt` fills it from the stored TSE answer
(``kasse.sales.fiscal_signing.receipt_record``); a sale of a shop without a TSE has none and no rendering shows one.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasse.loyalty.models import EntryKind, LoyaltyEntry
from kasse.sales.models import Payment, PaymentMethod, Sale, SaleKind
from kasse.sales.selectors import receipt_code
from kasse.sales.services.receipt_issue import cloud_base_url
from kasse.vouchers.models import VoucherEntry, VoucherEntryKind


def amount(value: Decimal) -> str:
    """An amount as receipts write it: two decimals, grouped, in the active language ("1.234,50")."""
    return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def euro(value: Decimal) -> str:
    """An amount with the euro sign, as German receipts print it ("10,97 €")."""
    return f"{amount(value)} €"


def _quantity(value: Decimal) -> str:
    normalized = value.normalize()
    places = max(0, -int(normalized.as_tuple().exponent))
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
        return f"{_quantity(quantity)} x {euro(unit_price)}"
    shown, factor, price_unit = measure
    return f"{_quantity(quantity * factor)} {shown} x {amount(unit_price)} {price_unit}"


def register_line(name: str, serial: str) -> str:
    """ "Kasse 1 (SN)": the word for register only when the register's name does not already start with it."""
    label = _("Register")
    named = name if name.casefold().startswith(label.casefold()) else f"{label} {name}"
    return f"{named} ({serial})"


@dataclass(frozen=True)
class ReceiptHeader:
    """The seller: legal name, store and address, and the VAT ID (or, without one, the tax number)."""

    company: str
    store: str
    street: str
    postal_code: str
    city: str
    vat_id: str
    tax_number: str  # only when there is no VAT ID: a receipt names one of the two

    @property
    def place(self) -> str:
        return f"{self.postal_code} {self.city}"

    @property
    def tax_id_text(self) -> str:
        if self.vat_id:
            return f"{_('VAT ID')} {self.vat_id}"
        if self.tax_number:
            return f"{_('Tax number')} {self.tax_number}"
        return ""


@dataclass(frozen=True)
class ReceiptLine:
    """One line as sold: the stored name, quantity, price, discount and VAT, never today's catalog."""

    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount: Decimal  # line discount plus the line's share of an order discount
    vat_letter: int  # the DSFinV-K VAT id, printed after the amount and in the VAT table
    amount: Decimal  # gross after all discounts
    note: str
    promotion_name: str = ""
    promotion_discount: Decimal = Decimal("0.00")  # what the promotion took off, apart from ``discount``

    @property
    def quantity_text(self) -> str:
        """ "3 x 0,45 €" or "0,235 kg x 24,90 €/kg"; empty for one piece (the amount says it all)."""
        if self.quantity == 1 and self.unit == "piece":
            return ""
        return quantity_line(self.quantity, self.unit, self.unit_price)

    @property
    def discount_text(self) -> str:
        return f"{_('Discount')} -{euro(self.discount)}" if self.discount else ""

    @property
    def promotion_text(self) -> str:
        """ "Happy hour -1,40 €": the promotion by the name printed, and what it took off this line."""
        return f"{self.promotion_name} -{euro(self.promotion_discount)}" if self.promotion_discount else ""

    @property
    def amount_text(self) -> str:
        """ "1,35 € 2": the amount and the VAT letter that points into the VAT table."""
        return f"{euro(self.amount)} {self.vat_letter}"


@dataclass(frozen=True)
class VatRow:
    """One row of the VAT table: rate (with its letter), net, VAT and gross, as stored with the sale."""

    letter: int
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal

    @property
    def label(self) -> str:
        return f"{self.letter} = {formats.number_format(self.rate.normalize(), use_l10n=True)} %"


@dataclass(frozen=True)
class ReceiptPayment:
    """A payment; for cash also what was handed over. Exchange credit names the return it came from."""

    method: str
    amount: Decimal
    tendered: Decimal
    credit_from_receipt: int | None = None  # the return receipt whose credit paid (exchanges)

    @property
    def label(self) -> str:
        label = str(PaymentMethod(self.method).label)
        if self.credit_from_receipt is not None:
            label += " · " + _("return %(number)s") % {"number": self.credit_from_receipt}
        return label


@dataclass(frozen=True)
class ReceiptLoyalty:
    """What the receipt did to the customer's points (``card`` empty) or to one stamp card: ``count`` points
    or stamps of one ledger ``kind`` (negative when they left the account) and the euros they took off."""

    card: str
    kind: str
    count: int
    value: Decimal

    @property
    def text(self) -> str:
        """ "Points earned: 23", "Points redeemed: 500 (5,00 €)", "Kaffeekarte: 1 stamp added", ..."""
        card, count = self.card, self.count
        if not card:
            if self.kind == EntryKind.REDEEMED:
                return _("Points redeemed: %(points)s (%(value)s)") % {"points": -count, "value": euro(self.value)}
            if self.kind == EntryKind.EARNED:
                return _("Points earned: %(points)s") % {"points": count}
            return _("Points taken back by the return: %(points)+d") % {"points": count}
        if self.kind == EntryKind.EARNED:
            return ngettext("%(card)s: %(count)s stamp added", "%(card)s: %(count)s stamps added", count) % {
                "card": card,
                "count": count,
            }
        if self.kind == EntryKind.REDEEMED:
            return _("%(card)s: full card redeemed (%(value)s)") % {"card": card, "value": euro(self.value)}
        return _("%(card)s: stamps taken back by the return: %(count)+d") % {"card": card, "count": count}


@dataclass(frozen=True)
class ReceiptCustomer:
    """The customer the sale was booked to (loyalty, invoices), and what this receipt did to their points
    and stamp cards (``loyalty``)."""

    number: int
    name: str
    loyalty: tuple[ReceiptLoyalty, ...] = ()

    @property
    def text(self) -> str:
        return _("Customer %(number)s: %(name)s") % {"number": self.number, "name": self.name}


@dataclass(frozen=True)
class FiscalBlock:
    """The signed-transaction data German law asks for (§6 KassenSichV), as the TSE answered it.

    Filled by the fiscal module from the stored TSE answer (``kasse.fiscal.receipt_block.tse_rows``):
    ``rows`` are the labelled values printed in order (TSE transaction number, start, end, serial numbers,
    signature counter, signature), or a label alone such as the note that the TSE failed;
    ``qr_payload`` is the DSFinV-K QR code (``V0;...``), empty when there is none.
    """

    rows: tuple[tuple[str, str], ...] = ()
    qr_payload: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        """ "TSE transaction: 42", or the label alone when it has no value."""
        return tuple(f"{label}: {value}" if value else label for label, value in self.rows)


@dataclass(frozen=True)
class ReceiptGiftCard:
    """A gift card sold on this receipt: its code (printed as a barcode) and its balance page (a QR code)."""

    code: str
    value: Decimal
    balance_url: str

    @property
    def text(self) -> str:
        return _("Gift card %(code)s: %(value)s") % {"code": self.code, "value": euro(self.value)}

    @property
    def balance_text(self) -> str:
        return _("Balance: scan the QR code or ask at the register.")


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt shows, whatever it is rendered to. Built by :func:`build_receipt`."""

    sale_id: uuid.UUID
    language: str  # the organization's: printed and e-mailed receipts speak it
    header: ReceiptHeader
    register_name: str
    register_serial: str
    register_number: int
    number: int
    started_at: datetime.datetime  # in the store's time zone
    completed_at: datetime.datetime
    cashier: str
    is_return: bool
    original_receipt: int | None  # a return's original receipt; None for a sale or a return without one
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    vat_rows: tuple[VatRow, ...]
    payments: tuple[ReceiptPayment, ...]
    change: Decimal
    customer: ReceiptCustomer | None
    note: str
    footer: tuple[str, ...]
    barcode: str  # the receipt code (``R-store-register-number``) that starts a return when scanned
    fiscal: FiscalBlock | None = None
    training: bool = False  # made in training mode: every rendering marks it at the top
    gift_cards: tuple[ReceiptGiftCard, ...] = ()  # gift cards sold on it (kasse.vouchers)

    @property
    def training_text(self) -> str:
        """ "TRAINING RECEIPT" ("TRAININGSBELEG") on a training receipt; empty otherwise."""
        return _("TRAINING RECEIPT") if self.training else ""

    @property
    def title(self) -> str:
        """ "Receipt 12" """
        return _("Receipt %(number)s") % {"number": self.number}

    @property
    def saved(self) -> Decimal:
        """What the customer saved on this receipt (discounts and promotions); nothing on a return."""
        if self.is_return:
            return Decimal("0.00")
        return sum((line.discount + line.promotion_discount for line in self.lines), Decimal("0.00"))

    @property
    def saved_text(self) -> str:
        return _("You saved %(amount)s") % {"amount": euro(self.saved)} if self.saved > 0 else ""

    @property
    def return_text(self) -> str:
        """ "RETURN · for receipt 7" or "RETURN · without receipt"; empty for a sale."""
        if not self.is_return:
            return ""
        if self.original_receipt is not None:
            marker = _("for receipt %(number)s") % {"number": self.original_receipt}
        else:
            marker = _("without receipt")
        word = _("RETURN")  # outside the f-string, so that makemessages finds it
        return f"{word} · {marker}"

    @property
    def time_text(self) -> str:
        """ "07.12.2026 09:15:02 - 09:16:40": start and end of the sale."""
        started = formats.date_format(self.started_at, "d.m.Y H:i:s")
        return f"{started} - {formats.time_format(self.completed_at, 'H:i:s')}"

    @property
    def register_text(self) -> str:
        return register_line(self.register_name, self.register_serial)

    @property
    def cashier_text(self) -> str:
        served_by = _("Served by")  # outside the f-string, so that makemessages finds it
        return f"{served_by} {self.cashier}"


def build_receipt(sale: Sale) -> Receipt:
    """The receipt of ``sale`` (a sale or a return), from what was stored when it was completed."""
    store = sale.store
    organization = store.organization
    tz = store.tzinfo
    payments = list(sale.payments.all())
    credit_numbers = _credit_receipts(sale, payments)
    customer = sale.customer
    original = sale.original_sale if sale.original_sale_id else None
    return Receipt(
        sale_id=sale.pk,
        language=organization.language,
        header=ReceiptHeader(
            company=organization.legal_name,
            store=store.name,
            street=store.street,
            postal_code=store.postal_code,
            city=store.city,
            vat_id=organization.vat_id,
            tax_number="" if organization.vat_id else organization.tax_number,
        ),
        register_name=sale.register.name,
        register_serial=sale.register.serial_number,
        register_number=sale.register.number,
        number=sale.receipt_number,
        started_at=sale.started_at.astimezone(tz),
        completed_at=sale.completed_at.astimezone(tz),
        cashier=sale.employee_name,
        is_return=sale.kind == SaleKind.REFUND,
        original_receipt=original.receipt_number if original is not None else None,
        lines=tuple(
            ReceiptLine(
                name=f"{line.product_name} {line.variant_name}".strip(),
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                discount=line.line_discount + line.order_discount_share,
                vat_letter=line.vat_dsfinvk_id,
                amount=line.total,
                note=line.note,
                promotion_name=line.promotion_name,
                promotion_discount=line.promotion_discount,
            )
            for line in sale.lines.all()
        ),
        total=sale.total,
        vat_rows=tuple(
            VatRow(letter=row.vat_dsfinvk_id, rate=row.vat_rate, net=row.net, vat=row.vat, gross=row.gross)
            for row in sale.vat_rows.all()
        ),
        payments=tuple(
            ReceiptPayment(
                method=p.method,
                amount=p.amount,
                tendered=p.tendered,
                credit_from_receipt=credit_numbers.get(p.reference),
            )
            for p in payments
        ),
        change=sum((p.change for p in payments), Decimal("0.00")),
        customer=ReceiptCustomer(
            number=customer.customer_number, name=customer.display_name, loyalty=loyalty_lines(sale)
        )
        if customer is not None
        else None,
        note=sale.note,
        footer=tuple(store.receipt_footer.splitlines()) if store.receipt_footer else (),
        barcode=receipt_code(sale),
        fiscal=_fiscal_block(sale, tz),
        training=sale.is_training,
        gift_cards=_gift_cards(sale),
    )


def _gift_cards(sale: Sale) -> tuple[ReceiptGiftCard, ...]:
    """The gift cards ``sale`` sold, with the link of their public balance page."""
    if sale.kind != SaleKind.SALE:
        return ()
    entries = VoucherEntry.objects.filter(sale=sale, kind=VoucherEntryKind.ISSUED).select_related("voucher")
    base = cloud_base_url()  # the cloud serves the page, also for a receipt printed by a store node
    return tuple(
        ReceiptGiftCard(
            code=entry.voucher.code,
            value=entry.amount,
            balance_url=base + reverse("vouchers-public:balance", args=[entry.voucher.public_token]),
        )
        for entry in entries.order_by("sale_line__position")
    )


def loyalty_lines(sale: Sale) -> tuple[ReceiptLoyalty, ...]:
    """What the receipt's loyalty entries did, summed per stamp card (or points) and kind: points redeemed,
    earned or taken back by a return first, then each stamp card's."""
    totals: dict[tuple[str, str], list[Any]] = {}  # (stamp card name or "", kind) -> [points or stamps, value]
    for entry in LoyaltyEntry.objects.filter(sale_id=sale.pk).select_related("stamp_card").order_by("created_at"):
        card = entry.stamp_card.name if entry.stamp_card is not None else ""
        total = totals.setdefault((card, entry.kind), [0, Decimal("0.00")])
        total[0] += entry.stamps if card else entry.points
        total[1] += entry.value
    order = {EntryKind.REDEEMED: 0, EntryKind.EARNED: 1}
    keys = sorted(totals, key=lambda key: (key[0], order.get(EntryKind(key[1]), 2)))
    return tuple(
        ReceiptLoyalty(card=card, kind=kind, count=totals[card, kind][0], value=totals[card, kind][1])
        for card, kind in keys
        if totals[card, kind][0]
    )


def _fiscal_block(sale: Sale, tz: datetime.tzinfo) -> FiscalBlock | None:
    """The TSE block from the record of the sale's end; None when no TSE was asked (a shop without one)."""
    from kasse.fiscal.receipt_block import receipt_facts
    from kasse.sales.fiscal_signing import receipt_record

    found = receipt_record(sale)
    if found is None:
        return None
    record, device = found
    facts = receipt_facts(record, device, tz)
    return FiscalBlock(rows=facts["rows"], qr_payload=str(facts["qr_payload"]))  # type: ignore[arg-type]


def _credit_receipts(sale: Sale, payments: list[Payment]) -> dict[str, int]:
    """Receipt numbers of the returns whose exchange credit paid ``sale``, by the payment's reference."""
    references = {p.reference for p in payments if p.method == PaymentMethod.CREDIT and p.amount > 0 and p.reference}
    if not references:
        return {}
    valid = set()
    for reference in references:
        try:
            valid.add(uuid.UUID(reference))
        except ValueError:
            continue
    found = Sale.objects.filter(organization_id=sale.organization_id, pk__in=valid).values_list("pk", "receipt_number")
    return {str(pk): number for pk, number in found}

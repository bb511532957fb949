"""The receipts of a closing (sales, returns, exchanges, training receipts) as DSFinV-K Vorgänge."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kasse.fiscal.dsfinvk import master_data
from kasse.fiscal.dsfinvk.writer import local_time
from kasse.fiscal.process_data import BonTyp
from kasse.sales.dsfinvk.closing import PLACES5, ClosingBase, _uuid, net_of
from kasse.sales.models import Payment, PaymentMethod, Sale, SaleLine, SaleVat
from kasse.vouchers.models import VoucherEntry

CHUNK = 2000

# Payment methods → ZAHLART_TYP and ZAHLART_NAME (Anhang D). Exchange credit moves no money:
# negative on the return that issues it, positive on the sale it pays, zero over a shift.
ZAHLART: dict[str, tuple[str, str]] = {
    PaymentMethod.CASH: ("Bar", "Bar"),
    PaymentMethod.CARD: ("Unbar", "Karte"),
    # An electronic payment service provider (Anhang D "ElZahlungsdienstleister"), named: Bluecode is the
    # only QR provider (kasse/payments/tests/test_qr_method.py fails when another one comes without a name here).
    PaymentMethod.QR: ("ElZahlungsdienstleister", "Bluecode"),
    PaymentMethod.OTHER: ("Unbar", "Sonstige"),
    PaymentMethod.CREDIT: ("Keine", "Umtauschguthaben"),
}


class ReceiptWriter(ClosingBase):
    """Adds a closing's receipts, read in chunks of ``CHUNK`` by receipt number."""

    def sale_chunks(self) -> Iterator[list[dict[str, Any]]]:
        last = -1
        while True:
            chunk = list(
                Sale.objects.filter(shift_id=self.shift.pk, receipt_number__gt=last)
                .order_by("receipt_number")
                .values(*SALE_FIELDS)[:CHUNK]
            )
            if not chunk:
                return
            yield chunk
            last = chunk[-1]["receipt_number"]

    def sales(self, chunk: list[dict[str, Any]]) -> None:
        ids = [row["id"] for row in chunk]
        lines: dict[uuid.UUID, list[tuple]] = defaultdict(list)
        for line in SaleLine.objects.filter(sale_id__in=ids).order_by("sale_id", "position").values_list(*LINE_FIELDS):
            lines[line[0]].append(line)
        vats: dict[uuid.UUID, list[tuple]] = defaultdict(list)
        for vat in (
            SaleVat.objects.filter(sale_id__in=ids)
            .order_by("sale_id", "vat_dsfinvk_id")
            .values_list("sale_id", "vat_dsfinvk_id", "gross", "net", "vat")
        ):
            vats[vat[0]].append(vat)
        payments: dict[uuid.UUID, list[tuple]] = defaultdict(list)
        for pay in (
            Payment.objects.filter(sale_id__in=ids)
            .order_by("sale_id", "position")
            .values_list("sale_id", "method", "amount", "reference")
        ):
            payments[pay[0]].append(pay)
        self.voucher_codes: dict[tuple[Any, int], str] = {
            (sale_id, position): code
            for sale_id, position, code in VoucherEntry.objects.filter(
                sale_id__in=ids, sale_line__isnull=False
            ).values_list("sale_id", "sale_line__position", "voucher__code")
        }
        records = self.records_for(ids)
        referenced = {row["original_sale_id"] for row in chunk if row["original_sale_id"]}
        for pays in payments.values():
            referenced.update(_uuid(p[3]) for p in pays if p[1] == PaymentMethod.CREDIT and p[2] > 0)
        targets: dict[uuid.UUID, dict[str, Any]] = {
            row["id"]: dict(row)
            for row in Sale.objects.filter(id__in=[r for r in referenced if r]).values(
                "id", "register__serial_number", "shift__closing_number", "shift__closed_at"
            )
        }
        for sale in chunk:
            self.sale(sale, lines[sale["id"]], vats[sale["id"]], payments[sale["id"]], records[sale["id"]], targets)

    def sale(
        self,
        sale: dict[str, Any],
        lines: list[tuple],
        vats: list[tuple],
        payments: list[tuple],
        records: list[tuple],
        targets: dict[uuid.UUID, dict[str, Any]],
    ) -> None:
        default = BonTyp.TRAINING.value if sale.get(TRAINING_FIELD or "") else BonTyp.RECEIPT.value
        line_rows: list[dict[str, Any]] = []
        itemamounts: list[dict[str, Any]] = []
        for (
            _sid,
            position,
            product,
            variant,
            sku,
            barcode,
            unit,
            quantity,
            _unit_price,
            line_discount,
            order_share,
            promotion_discount,
            total,
            rate,
            ust,
            category_id,
            category,
            is_voucher,
            single_purpose,
        ) in lines:
            text = f"{product} {variant}".strip() if variant else product
            line_rows.append(
                {
                    "POS_ZEILE": str(position),
                    "ARTIKELTEXT": text[:255],
                    "GV_TYP": gv_typ(is_voucher, single_purpose, quantity, total),
                    "GUTSCHEIN_NR": self.voucher_codes.get((_sid, position), "")[:50],
                    "ART_NR": sku[:50],
                    "GTIN": barcode[:50],
                    "WARENGR_ID": str(category_id or "")[:40],
                    "WARENGR": (category or "")[:50],
                    "MENGE": quantity.quantize(Decimal("0.001")),
                    "FAKTOR": Decimal("1.000"),
                    "EINHEIT": unit[:50],
                    "STK_BR": (total / quantity).quantize(PLACES5, rounding=ROUND_HALF_UP) if quantity else total,
                    "_gross": total,
                    "_ust": ust,
                    "_rate": rate,
                }
            )
            discount = line_discount + order_share + promotion_discount  # a promotion is a discount (Rabatt) too
            if discount:
                base = total + discount
                itemamounts.extend(
                    {
                        "POS_ZEILE": str(position),
                        "TYP": typ,
                        "UST_SCHLUESSEL": ust,
                        "PF_BRUTTO": gross,
                        "PF_NETTO": net_of(gross, rate),
                        "PF_UST": gross - net_of(gross, rate),
                    }
                    for typ, gross in (("base_amount", base), ("discount", -discount))
                )
        references = []
        original = targets.get(sale["original_sale_id"]) if sale["original_sale_id"] else None
        credit_sources = [_uuid(p[3]) for p in payments if p[1] == PaymentMethod.CREDIT and p[2] > 0]
        for target in [original, *(targets.get(s) for s in credit_sources if s)]:
            if target is None:
                continue
            references.append(
                {
                    "REF_TYP": "Transaktion",
                    "REF_DATUM": local_time(target["shift__closed_at"], self.tz) if target["shift__closed_at"] else "",
                    "REF_Z_KASSE_ID": target["register__serial_number"],
                    "REF_Z_NR": target["shift__closing_number"],
                    "REF_BON_ID": str(target["id"]),
                }
            )
        customer = {}
        if sale["customer_id"]:
            name = sale["customer__company"] or f"{sale['customer__first_name']} {sale['customer__last_name']}".strip()
            customer = {
                "KUNDE_NAME": name[:50],
                "KUNDE_ID": str(sale["customer__customer_number"]),
                "KUNDE_STRASSE": sale["customer__street"][:60],
                "KUNDE_PLZ": sale["customer__postal_code"][:10],
                "KUNDE_ORT": sale["customer__city"][:62],
                "KUNDE_LAND": master_data.country3(sale["customer__country"]) if sale["customer__street"] else "",
                "KUNDE_USTID": sale["customer__vat_id"][:15],
            }
        self.vorgang(
            bon_id=str(sale["id"]),
            bon_nr=sale["receipt_number"],
            bon_typ=self.bon_typ_of(records, default),
            start=sale["started_at"],
            end=sale["completed_at"],
            employee=(str(sale["employee_id"]), sale["employee_name"]),
            total=sale["total"],
            lines=line_rows,
            vat_rows=[(v[1], v[2], v[3], v[4]) for v in vats],
            payments=[(*ZAHLART[p[1]], p[2]) for p in payments],
            tse=self.tse_row(records),
            extra={**customer, "BON_NOTIZ": sale["note"][:255]},
            references=references,
            itemamounts=itemamounts,
        )


LINE_FIELDS = (
    "sale_id",
    "position",
    "product_name",
    "variant_name",
    "sku",
    "barcode",
    "unit",
    "quantity",
    "unit_price",
    "line_discount",
    "order_discount_share",
    "promotion_discount",
    "total",
    "vat_rate",
    "vat_dsfinvk_id",
    "variant__product__category_id",
    "variant__product__category__name",
    "variant__product__is_voucher",
    "variant__product__voucher_type__single_purpose",
)


def gv_typ(is_voucher: bool, single_purpose: bool | None, quantity: Decimal, total: Decimal) -> str:
    """A line's Geschäftsvorfall (Anhang C): goods are ``Umsatz``; a gift card's line is its purchase
    (``…Kauf``: sold, or coming back on a return) when amount and quantity share their sign, else its
    redemption (``…Einloesung``: paying, or given back onto the card by a return) (docs/vouchers.md)."""
    if not is_voucher:
        return "Umsatz"
    kind = "Einzweckgutschein" if single_purpose else "Mehrzweckgutschein"
    return kind + ("Kauf" if (total >= 0) == (quantity >= 0) else "Einloesung")


# A training flag on Sale, if the sales model has one (training mode); else the TSE record says it.
TRAINING_FIELD = next(
    (name for name in ("is_training", "training") if any(f.name == name for f in Sale._meta.get_fields())), None
)
SALE_FIELDS = (
    "id",
    "receipt_number",
    "started_at",
    "completed_at",
    "employee_id",
    "employee_name",
    "total",
    "note",
    "original_sale_id",
    "customer_id",
    "customer__customer_number",
    "customer__first_name",
    "customer__last_name",
    "customer__company",
    "customer__street",
    "customer__postal_code",
    "customer__city",
    "customer__country",
    "customer__vat_id",
) + ((TRAINING_FIELD,) if TRAINING_FIELD else ())

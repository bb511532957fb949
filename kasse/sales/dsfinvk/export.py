"""Cash without a sale (float, cash in and out, the counted difference) and carts given up, as DSFinV-K
Vorgänge; the closing's writer and the export's entry points."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kasse.fiscal.dsfinvk.writer import ExportFiles
from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.process_data import BonTyp, ProcessDataError, parse_kassenbeleg
from kasse.sales.dsfinvk.closing import CENT, NOT_SIGNED, PLACES5, ZERO, net_of
from kasse.sales.dsfinvk.receipts import ReceiptWriter
from kasse.sales.models import AbortedCart, CashMovement, Shift, ShiftStatus
from kasse.tenancy.models import Register

# Cash movement kinds → GV_TYP (Anhang C); a kind not listed counts by its sign.
MOVEMENT_GV_TYP = {
    "pay_in": "Einzahlung",
    "pay_out": "Auszahlung",
    "float": "Anfangsbestand",
    "transit": "Geldtransit",
    "bank": "Geldtransit",
    "private_in": "Privateinlage",
    "private_out": "Privatentnahme",
    "tip": "TrinkgeldAN",
    "wage": "Lohnzahlung",
}


def closings(registers: Sequence[Register], date_from: date, date_to: date) -> list[Shift]:
    """The closed shifts (cash point closings) of ``registers`` closed on ``date_from``…``date_to``
    in their store's time zone, by register and Z number."""
    found: list[Shift] = []
    for register in registers:
        tz = ZoneInfo(register.store.time_zone)
        start = datetime.combine(date_from, time.min, tzinfo=tz)
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
        found.extend(
            Shift.objects.filter(register=register, status=ShiftStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
            .select_related("register__store", "register__organization", "opened_by", "closed_by")
            .order_by("closing_number")
        )
    return found


class ClosingWriter(ReceiptWriter):
    """Writes one closing's rows into ``files``."""

    # -- the whole closing ----------------------------------------------------------------------------
    def write(self) -> None:
        self.master_rows()
        self.opening_float()
        seen: set[uuid.UUID] = set()
        for chunk in self.sale_chunks():
            self.sales(chunk)
            seen.update(row["id"] for row in chunk)
        self.cash_movements()
        self.aborts(seen)
        self.difference()
        self.closing_rows()

    # -- cash ----------------------------------------------------------------------------------------
    def transfer(
        self,
        *,
        bon_id: str,
        gv_typ: str,
        amount: Decimal,
        at: datetime | None,
        employee: tuple[str, str],
        text: str,
        records: list[tuple],
        missing: str = NOT_SIGNED,
    ) -> None:
        """A Vorgang of cash without VAT (AVTransfer): one line, not taxable (UST_SCHLUESSEL 5), paid in cash."""
        self.vorgang(
            bon_id=bon_id,
            bon_nr=next((r[5] for r in records if r[5] is not None), None),
            bon_typ=self.bon_typ_of(records, BonTyp.TRANSFER.value),
            start=at,
            end=at,
            employee=employee,
            total=amount,
            lines=[
                {
                    "POS_ZEILE": "1",
                    "ARTIKELTEXT": text[:255],
                    "GV_TYP": gv_typ,
                    "MENGE": Decimal("1.000"),
                    "FAKTOR": Decimal("1.000"),
                    "STK_BR": amount,
                    "_gross": amount,
                    "_ust": 5,
                    "_rate": ZERO,
                }
            ],
            vat_rows=[(5, amount, amount, ZERO)],
            payments=[("Bar", "Bar", amount)],
            tse=self.tse_row(records, missing=missing),
        )

    def opening_float(self) -> None:
        shift = self.shift
        if not shift.opening_float:
            return
        self.transfer(
            bon_id=str(shift.pk),  # the float's TSE transaction has the shift's id
            gv_typ="Anfangsbestand",
            amount=shift.opening_float,
            at=shift.opened_at,
            employee=(str(shift.opened_by_id), shift.opened_by.display_name),
            text="Anfangsbestand",
            records=self.records_for([shift.pk]).get(shift.pk, []),
        )

    def difference(self) -> None:
        shift = self.shift
        if not shift.difference:
            return
        employee = shift.closed_by or shift.opened_by
        self.transfer(
            bon_id=f"{shift.pk}-D",
            gv_typ="DifferenzSollIst",
            amount=shift.difference,
            at=shift.closed_at,
            employee=(str(employee.pk), employee.display_name),
            text="Kassendifferenz (gezählt - erwartet)",
            records=[],
        )

    def cash_movements(self) -> None:
        movements = list(
            CashMovement.objects.filter(shift_id=self.shift.pk)
            .order_by("created_at")
            .values("id", "kind", "amount", "reason", "employee_id", "employee__display_name", "created_at")
        )
        records = self.records_for(m["id"] for m in movements)
        for movement in movements:
            amount = movement["amount"]
            gv_typ = MOVEMENT_GV_TYP.get(movement["kind"]) or ("Einzahlung" if amount >= 0 else "Auszahlung")
            self.transfer(
                bon_id=str(movement["id"]),
                gv_typ=gv_typ,
                amount=amount,
                at=movement["created_at"],
                employee=(str(movement["employee_id"]), movement["employee__display_name"]),
                text=movement["reason"],
                records=records[movement["id"]],
            )

    # -- carts given up ---------------------------------------------------------------------------
    def aborts(self, sale_ids: set[uuid.UUID]) -> None:
        """Carts given up during the shift: TSE transactions of the register ended with a cancel."""
        shift = self.shift
        window = TseTransactionRecord.objects.filter(
            register_id=shift.register_id, operation="cancel", created_at__gte=shift.opened_at
        )
        if shift.closed_at:
            window = window.filter(created_at__lte=shift.closed_at)
        tx_ids = [
            t for t in window.order_by("created_at").values_list("tx_id", flat=True).distinct() if t not in sale_ids
        ]
        if not tx_ids:
            return
        records = self.records_for(tx_ids)
        kept = {
            row["id"]: row
            for row in AbortedCart.objects.filter(pk__in=tx_ids).values("id", "lines", "employee_id", "employee_name")
        }
        for tx_id in dict.fromkeys(tx_ids):
            own = records[tx_id]
            end = next((r for r in reversed(own) if r[1] == "cancel"), None)
            if end is None:
                continue
            try:
                bon_typ, gross_per_slot, _payments = parse_kassenbeleg(end[12])
            except ProcessDataError:
                bon_typ, gross_per_slot = BonTyp.ABORT, {}
            start = next((r for r in own if r[1] == "start"), end)
            items = kept.get(tx_id)
            if items is not None and items["lines"]:
                lines, vat_rows = self.aborted_items(items["lines"])
                employee = (str(items["employee_id"] or ""), items["employee_name"])
            else:  # a cart given up before its items were kept: one line per VAT rate of its amounts
                lines, vat_rows = self.aborted_sums(gross_per_slot)
                employee = ("", "")
            self.vorgang(
                bon_id=str(tx_id),
                bon_nr=end[5] if end[5] is not None else None,
                bon_typ=str(bon_typ),
                start=start[8] or start[15],
                end=end[9] or end[15],
                employee=employee,
                total=sum((row[1] for row in vat_rows), ZERO),
                lines=lines,
                vat_rows=vat_rows,
                payments=[],
                tse=self.tse_row(own),
            )

    def aborted_items(self, kept: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple]]:
        """lines.csv rows of a cart given up from its kept items, and its VAT rows summed from them."""
        lines: list[dict[str, Any]] = []
        per_ust: dict[int, tuple[Decimal, Decimal]] = {}
        for item in kept:
            quantity, total = Decimal(item["quantity"]), Decimal(item["total"])
            ust, rate = int(item["vat_dsfinvk_id"]), Decimal(item["vat_rate"])
            lines.append(
                {
                    "POS_ZEILE": str(item["position"]),
                    "ARTIKELTEXT": item["name"][:255],
                    "GV_TYP": "Umsatz",
                    "ART_NR": item["sku"][:50],
                    "GTIN": item["barcode"][:50],
                    "WARENGR_ID": item["category_id"][:40],
                    "WARENGR": item["category"][:50],
                    "MENGE": quantity.quantize(Decimal("0.001")),
                    "FAKTOR": Decimal("1.000"),
                    "EINHEIT": item["unit"][:50],
                    "STK_BR": (total / quantity).quantize(PLACES5, rounding=ROUND_HALF_UP) if quantity else total,
                    "_gross": total,
                    "_ust": ust,
                    "_rate": rate,
                }
            )
            gross, _rate = per_ust.get(ust, (ZERO, rate))
            per_ust[ust] = (gross + total, rate)
        vat_rows = []
        for ust, (gross, rate) in sorted(per_ust.items()):
            net = net_of(gross, rate).quantize(CENT, rounding=ROUND_HALF_UP)
            vat_rows.append((ust, gross, net, gross - net))
        return lines, vat_rows

    def aborted_sums(self, gross_per_slot: dict[Any, Decimal]) -> tuple[list[dict[str, Any]], list[tuple]]:
        """One line per VAT rate of an abort's signed amounts (its items were not kept)."""
        vat_rows: list[tuple[int, Decimal, Decimal, Decimal]] = []
        lines: list[dict[str, Any]] = []
        for slot, gross in sorted(gross_per_slot.items()):
            if not gross:
                continue
            rate = self.rates.get(int(slot), ZERO)
            net = net_of(gross, rate).quantize(CENT, rounding=ROUND_HALF_UP)
            vat_rows.append((int(slot), gross, net, gross - net))
            lines.append(
                {
                    "POS_ZEILE": str(len(lines) + 1),
                    "ARTIKELTEXT": "Abgebrochener Vorgang: Summe des Steuersatzes",
                    "GV_TYP": "Umsatz",
                    "MENGE": Decimal("1.000"),
                    "FAKTOR": Decimal("1.000"),
                    "STK_BR": gross,
                    "_gross": gross,
                    "_ust": int(slot),
                    "_rate": rate,
                }
            )
        return lines, vat_rows


def write_export(shifts: Iterable[Shift], files: ExportFiles) -> int:
    """The rows of every closing in ``shifts`` into ``files``; the number of closings."""
    count = 0
    for shift in shifts:
        ClosingWriter(shift, files).write()
        count += 1
    return count

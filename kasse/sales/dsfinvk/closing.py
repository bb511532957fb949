"""A cash point closing in the DSFinV-K export: its key fields, master data and sums, and the rows of
one Vorgang (kasse.sales.dsfinvk.export describes the whole)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from kasse.fiscal.dsfinvk import master_data, spec
from kasse.fiscal.dsfinvk.writer import ExportFiles, bon_prefix, local_time, tse_time
from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.process_data import BonTyp
from kasse.sales.models import Shift

CHUNK = 2000
ZERO = Decimal("0")
PLACES5 = Decimal("0.00001")
CENT = Decimal("0.01")
NOT_IN_SUMS = {BonTyp.TRAINING.value, BonTyp.ABORT.value}
NO_TSE = "Keine TSE-Transaktion aufgezeichnet (keine TSE eingerichtet)"
NOT_SIGNED = "Nicht an die TSE übergeben"


def net_of(gross: Decimal, rate: Decimal) -> Decimal:
    """Net of a gross amount at ``rate`` percent, to five places (DSFinV-K's accuracy)."""
    return (gross * 100 / (100 + rate)).quantize(PLACES5, rounding=ROUND_HALF_UP)


@dataclass
class Sums:
    """A closing's sums, added up from the rows written."""

    businesscases: dict[tuple[str, str, int], list[Decimal]] = field(default_factory=lambda: defaultdict(_three))
    payments: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    currencies: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    first_id: str = ""
    last_id: str = ""


def _three() -> list[Decimal]:
    return [ZERO, ZERO, ZERO]


class ClosingBase:
    """One closing's key, master data and sums, and how a Vorgang is written into ``files``."""

    def __init__(self, shift: Shift, files: ExportFiles) -> None:
        self.shift = shift
        self.files = files
        register = shift.register
        self.master = shift.master_data or master_data.snapshot(register, since=shift.opened_at)
        self.tz = ZoneInfo(self.master["time_zone"])
        self.serial = register.serial_number
        self.currency = self.master["cashregister"]["KASSE_BASISWAEH_CODE"]
        self.key = {
            "Z_KASSE_ID": self.serial,
            "Z_ERSTELLUNG": local_time(shift.closed_at, self.tz) if shift.closed_at else "",
            "Z_NR": shift.closing_number,
        }
        self.rates = {int(row["UST_SCHLUESSEL"]): Decimal(row["UST_SATZ"]) for row in self.master["vat"]}
        self.tse_ids: dict[str, int] = {}
        for entry in self.master["tse"]:
            self.tse_ids[entry.get("device_id", "")] = entry["TSE_ID"]
            self.tse_ids[entry["TSE_SERIAL"]] = entry["TSE_ID"]
        self.sums = Sums()

    def master_rows(self) -> None:
        master = self.master
        self.files.add(spec.LOCATION, [{**self.key, **master["location"]}])
        self.files.add(spec.CASHREGISTER, [{**self.key, **master["cashregister"]}])
        self.files.add(
            spec.VAT,
            [{**self.key, **row, "UST_SATZ": Decimal(row["UST_SATZ"])} for row in master["vat"]],
        )
        self.files.add(
            spec.TSE, [{**self.key, **{k: v for k, v in row.items() if k != "device_id"}} for row in master["tse"]]
        )

    def closing_rows(self) -> None:
        sums = self.sums
        self.files.add(
            spec.BUSINESSCASES,
            [
                {
                    **self.key,
                    "GV_TYP": gv_typ,
                    "GV_NAME": gv_name,
                    "UST_SCHLUESSEL": ust,
                    "Z_UMS_BRUTTO": values[0],
                    "Z_UMS_NETTO": values[1],
                    "Z_UST": values[2],
                }
                for (gv_typ, gv_name, ust), values in sorted(sums.businesscases.items())
            ],
        )
        self.files.add(
            spec.PAYMENT,
            [
                {**self.key, "ZAHLART_TYP": typ, "ZAHLART_NAME": name, "Z_ZAHLART_BETRAG": amount}
                for (typ, name), amount in sorted(sums.payments.items())
            ],
        )
        self.files.add(
            spec.CASH_PER_CURRENCY,
            [
                {**self.key, "ZAHLART_WAEH": code, "ZAHLART_BETRAG_WAEH": amount}
                for code, amount in sorted(sums.currencies.items())
            ],
        )
        self.files.add(
            spec.CASHPOINTCLOSING,
            [
                {
                    **self.key,
                    "TAXONOMIE_VERSION": spec.TAXONOMY_VERSION,
                    "Z_START_ID": sums.first_id,
                    "Z_ENDE_ID": sums.last_id,
                    **self.master["company"],
                    "Z_SE_ZAHLUNGEN": sum(sums.payments.values(), ZERO),
                    "Z_SE_BARZAHLUNGEN": sum((a for (t, _n), a in sums.payments.items() if t == "Bar"), ZERO),
                }
            ],
        )

    # -- one Vorgang ----------------------------------------------------------------------------------
    def vorgang(
        self,
        *,
        bon_id: str,
        bon_nr: int | None,
        bon_typ: str,
        start: datetime | None,
        end: datetime | None,
        employee: tuple[str, str],
        total: Decimal,
        lines: list[dict[str, Any]],
        vat_rows: list[tuple[int, Decimal, Decimal, Decimal]],
        payments: list[tuple[str, str, Decimal]],
        tse: dict[str, Any],
        extra: dict[str, Any] | None = None,
        references: list[dict[str, Any]] | None = None,
        itemamounts: list[dict[str, Any]] | None = None,
    ) -> None:
        """One Vorgang's rows in every file; ``lines`` carry POS_ZEILE, GV_TYP, the line's gross, VAT id
        and rate (``_gross``, ``_ust``, ``_rate``) and the fields of lines.csv."""
        bon = bon_prefix({**self.key, "BON_ID": bon_id})
        counts = bon_typ not in NOT_IN_SUMS
        self.files.add(
            spec.TRANSACTIONS,
            [
                {
                    "BON_NR": bon_nr,
                    "BON_TYP": bon_typ,
                    "TERMINAL_ID": self.serial,
                    "BON_STORNO": "0",
                    "BON_START": local_time(start, self.tz) if start else "",
                    "BON_ENDE": local_time(end, self.tz) if end else "",
                    "BEDIENER_ID": employee[0],
                    "BEDIENER_NAME": employee[1][:50],
                    "UMS_BRUTTO": total,
                    **(extra or {}),
                }
            ],
            prefix=bon,
        )
        self.files.add(
            spec.TRANSACTIONS_VAT,
            [
                {"UST_SCHLUESSEL": ust, "BON_BRUTTO": gross, "BON_NETTO": net, "BON_UST": vat}
                for ust, gross, net, vat in vat_rows
            ],
            prefix=bon,
        )
        line_rows, vat_line_rows = [], []
        for line in lines:
            gross, ust, rate = line.pop("_gross"), line.pop("_ust"), line.pop("_rate")
            net = net_of(gross, rate)
            line_rows.append({"POS_TERMINAL_ID": self.serial, "INHAUS": "0", "P_STORNO": "0", **line})
            vat_line_rows.append(
                {
                    "POS_ZEILE": line["POS_ZEILE"],
                    "UST_SCHLUESSEL": ust,
                    "POS_BRUTTO": gross,
                    "POS_NETTO": net,
                    "POS_UST": gross - net,
                }
            )
            if counts:
                bucket = self.sums.businesscases[(line["GV_TYP"], line.get("GV_NAME", ""), ust)]
                bucket[0] += gross
                bucket[1] += net
                bucket[2] += gross - net
        self.files.add(spec.LINES, line_rows, prefix=bon)
        self.files.add(spec.LINES_VAT, vat_line_rows, prefix=bon)
        if itemamounts:
            self.files.add(spec.ITEMAMOUNTS, itemamounts, prefix=bon)
        by_kind: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for typ, name, amount in payments:
            by_kind[(typ, name)] += amount
        self.files.add(
            spec.DATAPAYMENT,
            [
                {"ZAHLART_TYP": typ, "ZAHLART_NAME": name, "BASISWAEH_BETRAG": amount}
                for (typ, name), amount in sorted(by_kind.items())
            ],
            prefix=bon,
        )
        if counts:
            for (typ, name), amount in by_kind.items():
                self.sums.payments[(typ, name)] += amount
                if typ == "Bar":
                    self.sums.currencies[self.currency] += amount
        if references:
            self.files.add(spec.REFERENCES, references, prefix=bon)
        self.files.add(spec.TRANSACTIONS_TSE, [tse], prefix=bon)
        if not self.sums.first_id:
            self.sums.first_id = bon_id
        self.sums.last_id = bon_id

    def tse_row(self, records: list[tuple], *, missing: str = NO_TSE) -> dict[str, Any]:
        """transactions_tse.csv for a Vorgang from its TSE records (ordered by revision): the signed
        finish or cancel, else the failure that kept it unsigned (TSE_TA_FEHLER)."""
        ends = [r for r in records if r[1] in ("finish", "cancel")]
        signed = [r for r in ends if r[2] == "signed"]
        if signed:
            r = signed[-1]
            return {
                "TSE_ID": self.tse_ids.get(str(r[4])) or self.tse_ids.get(r[14]),
                "TSE_TANR": r[5],
                "TSE_TA_START": tse_time(r[8]),
                "TSE_TA_ENDE": tse_time(r[9] or r[10]),
                "TSE_TA_VORGANGSART": r[11][:30],
                "TSE_TA_SIGZ": r[6],
                "TSE_TA_SIG": r[7],
                "TSE_VORGANGSDATEN": r[12][:1000],
            }
        failed = [r for r in records if r[2] != "signed"]
        error = (failed[-1][13] if failed else "") or (missing if not records else NOT_SIGNED)
        started = next((r for r in records if r[1] == "start" and r[2] == "signed"), None)
        row: dict[str, Any] = {"TSE_TA_FEHLER": " ".join(error.split())[:200]}
        if started is not None:
            row |= {
                "TSE_ID": self.tse_ids.get(str(started[4])) or self.tse_ids.get(started[14]),
                "TSE_TANR": started[5],
                "TSE_TA_START": tse_time(started[10] or started[8]),
            }
        if failed and failed[-1][12]:
            row["TSE_VORGANGSDATEN"] = failed[-1][12][:1000]
            row["TSE_TA_VORGANGSART"] = failed[-1][11][:30]
        return row

    @staticmethod
    def records_for(tx_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[tuple]]:
        found: dict[uuid.UUID, list[tuple]] = defaultdict(list)
        for row in (
            TseTransactionRecord.objects.filter(tx_id__in=list(tx_ids))
            .order_by("tx_id", "revision", "created_at")
            .values_list(*RECORD_FIELDS)
        ):
            found[row[0]].append(row)
        return found

    @staticmethod
    def bon_typ_of(records: list[tuple], default: str) -> str:
        for r in reversed(records):
            if r[1] in ("finish", "cancel") and r[12]:
                head = r[12].split("^", 1)[0]
                if head in spec.BON_TYP:
                    return head
        return default


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


RECORD_FIELDS = (
    "tx_id",  # 0
    "operation",  # 1
    "outcome",  # 2
    "revision",  # 3
    "device_id",  # 4
    "transaction_number",  # 5
    "signature_counter",  # 6
    "signature",  # 7
    "time_start",  # 8
    "time_end",  # 9
    "log_time",  # 10
    "process_type",  # 11
    "process_data",  # 12
    "error",  # 13
    "tse_serial",  # 14
    "created_at",  # 15
)

"""Reading vouchers: by code, balances (the sum of the entries), the back office's list and a voucher's history."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import formats
from django_scopes import scopes_disabled

from kasse.core.money import ZERO, round_money
from kasse.vouchers.models import Voucher, VoucherEntry, VoucherType

MAX_CODE = 48


def money_text(value: Decimal) -> str:
    """An amount in a message, as the active language writes it ("2,00")."""
    return formats.number_format(value, decimal_pos=2, use_l10n=True)


def normalize_code(code: str) -> str:
    """A code as typed or scanned: spaces and dashes left out, letters upper case."""
    return "".join(ch for ch in code.strip().upper() if ch not in " -")[:MAX_CODE]


def voucher_by_code(code: str) -> Voucher | None:
    """The voucher with ``code`` in the active organization (``None`` for an unknown code)."""
    normalized = normalize_code(code)
    if not normalized:
        return None
    return Voucher.objects.select_related("voucher_type").filter(code=normalized).first()


def balance_of(voucher: Any) -> Decimal:
    """What is left on ``voucher``: the sum of its entries, to the cent."""
    total = VoucherEntry.objects.filter(voucher_id=voucher.pk).aggregate(s=Sum("amount"))["s"]
    return round_money(total or ZERO)


def active_types() -> list[VoucherType]:
    return list(VoucherType.objects.filter(is_active=True).select_related("product"))


def voucher_type_of_product(product_id: Any) -> VoucherType | None:
    return VoucherType.objects.filter(product_id=product_id).first()


@dataclass(frozen=True)
class VoucherRow:
    voucher: Voucher
    balance: Decimal
    issued: Decimal


def voucher_list(query: str = "", *, limit: int = 100) -> list[VoucherRow]:
    """Vouchers of the active organization, newest first, with their balance; ``query`` is part of a code."""
    vouchers: QuerySet[Voucher] = Voucher.objects.select_related("voucher_type", "store")
    if query.strip():
        vouchers = vouchers.filter(code__icontains=normalize_code(query))
    vouchers = vouchers.annotate(
        balance=Coalesce(Sum("entries__amount"), ZERO),
        issued=Coalesce(Sum("entries__amount", filter=Q(entries__kind="issued")), ZERO),
    ).order_by("-created_at", "-id")[:limit]
    return [VoucherRow(v, round_money(v.balance), round_money(v.issued)) for v in vouchers]


def history(voucher: Voucher) -> list[VoucherEntry]:
    return list(voucher.entries.select_related("sale", "store").order_by("created_at", "id"))


def voucher_for_token(token: str) -> Voucher | None:
    """The voucher whose balance page ``token`` opens (any organization: the token is the key)."""
    if not 20 <= len(token) <= 48:
        return None
    with scopes_disabled():
        return Voucher.objects.select_related("organization", "voucher_type").filter(public_token=token).first()


def outstanding() -> Decimal:
    """What all cards of the active organization are still worth (the shop's liability for them)."""
    return round_money(VoucherEntry.objects.aggregate(s=Sum("amount"))["s"] or ZERO)

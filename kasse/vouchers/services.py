"""The back office's writes of gift cards: voucher types and corrections of a voucher's value."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kasse.catalog.services import save_product
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import round_money
from kasse.core.services import tenant_service
from kasse.core.vat import VatClass
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Organization
from kasse.vouchers.booking import entry_id
from kasse.vouchers.models import Voucher, VoucherEntry, VoucherEntryKind, VoucherType
from kasse.vouchers.selectors import balance_of, money_text


@tenant_service
def create_voucher_type(
    *, actor: Actor, organization: Organization, name: str, single_purpose: bool, vat_class: str = VatClass.ZERO
) -> VoucherType:
    """A new kind of gift card with its own catalog product (no stock, price given at the register).

    A multi-purpose voucher is sold without VAT (not taxable, DSFinV-K VAT id 5); a single-purpose one at
    ``vat_class``. Neither changes afterwards: receipts and exports read them."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Please enter a name.")})
    if VoucherType.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A voucher type with this name exists already.")})
    if single_purpose:
        if vat_class not in VatClass.values:
            raise ValidationError({"vat_class": _("Please choose the VAT of the single-purpose voucher.")})
    else:
        vat_class = VatClass.ZERO
    product = save_product(
        actor=actor,
        organization=organization,
        data={"name": name, "price": "0", "vat_class": vat_class, "track_stock": False},
    )
    product.is_voucher = True
    product.save(update_fields=["is_voucher", "updated_at"])
    record("product", [product])
    voucher_type = VoucherType.objects.create(
        organization=organization, name=name, single_purpose=single_purpose, vat_class=vat_class, product=product
    )
    log_action(
        organization,
        actor,
        "vouchers.type.created",
        voucher_type,
        {"name": name, "single_purpose": single_purpose, "vat_class": vat_class},
    )
    record("voucher_type", [voucher_type])
    return voucher_type


@tenant_service
def set_voucher_type_active(*, actor: Actor, voucher_type: VoucherType, active: bool) -> VoucherType:
    """Stop (or resume) selling a voucher type; cards sold keep their value and can still be redeemed."""
    voucher_type.is_active = active
    voucher_type.save(update_fields=["is_active", "updated_at"])
    log_action(voucher_type.organization, actor, "vouchers.type.changed", voucher_type, {"is_active": active})
    record("voucher_type", [voucher_type])
    return voucher_type


@tenant_service
def adjust_voucher(*, actor: Actor, voucher: Voucher, amount: Decimal, note: str) -> VoucherEntry:
    """A correction by a person: with a reason, never below zero (the voucher's row locked while checked)."""
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    amount = round_money(amount)
    if amount == 0:
        raise ValidationError({"amount": _("Please enter an amount other than zero.")})
    if not note.strip():
        raise ValidationError({"note": _("Please give a reason.")})
    balance = balance_of(voucher)
    if balance + amount < 0:
        raise ValidationError(
            {
                "amount": _("Only %(balance)s € are left on this gift card; it cannot go below zero.")
                % {"balance": money_text(balance)}
            }
        )
    key = f"adjust:{uuid.uuid4()}"
    entry = VoucherEntry.objects.create(
        id=entry_id(voucher.organization_id, key),
        organization_id=voucher.organization_id,
        voucher=voucher,
        key=key,
        kind=VoucherEntryKind.ADJUSTED,
        amount=amount,
        note=note.strip()[:200],
    )
    log_action(
        voucher.organization, actor, "vouchers.voucher.adjusted", voucher, {"amount": str(amount), "note": entry.note}
    )
    record("voucher_entry", [entry])
    return entry

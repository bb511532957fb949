"""Gift cards sold, redeemed in part, returned, with their VAT, ledger and messages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import SaleVat
from kasse.sales.services.errors import SaleError
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.vouchers.models import Voucher, VoucherEntry, VoucherEntryKind
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.tests.conftest import sell

pytestmark = pytest.mark.django_db
D = Decimal


def _balance(code: str) -> Decimal:
    with scopes_disabled():
        return balance_of(Voucher.objects.get(code=code))


def _vat(sale) -> dict[int, tuple[Decimal, Decimal]]:
    with scopes_disabled():
        return {v.vat_dsfinvk_id: (v.gross, v.vat) for v in SaleVat.objects.filter(sale=sale)}


def test_a_multi_purpose_card_is_sold_without_vat_and_its_goods_carry_vat_when_it_pays(
    register, cashier, shift, gift_card, coffee
):
    sold = sell(register, cashier, cards=[(gift_card, "GIFT-0001-AAAA", "50.00")])
    assert sold.total == D("50.00")
    assert _vat(sold) == {5: (D("50.00"), D("0.00"))}  # not taxable: no revenue, no VAT
    assert _balance("GIFT0001AAAA") == D("50.00")
    # 2 coffees (5.60 €, 19 %) paid with the card: the goods keep their VAT, the card's line is not taxable
    paid = sell(register, cashier, [(coffee, 2)], paid_with=[("gift0001aaaa", "5.60")])
    assert paid.total == D("0.00")
    assert _vat(paid) == {1: (D("5.60"), D("0.89")), 5: (D("-5.60"), D("0.00"))}
    assert _balance("GIFT0001AAAA") == D("44.40")
    with scopes_disabled():
        assert not paid.payments.exists()
        kinds = sorted(VoucherEntry.objects.values_list("kind", "amount"))
    assert kinds == [(VoucherEntryKind.ISSUED, D("50.00")), (VoucherEntryKind.REDEEMED, D("-5.60"))]


def test_a_partial_redemption_leaves_the_rest_to_pay_in_money(register, cashier, shift, gift_card, coffee):
    sell(register, cashier, cards=[(gift_card, "CARD000001", "3.00")])
    sale = sell(register, cashier, [(coffee, 2)], paid_with=[("CARD000001", "3.00")], cash="5.00")
    assert sale.total == D("2.60")
    with scopes_disabled():
        cash = sale.payments.get()
    assert (cash.method, cash.amount, cash.change) == ("cash", D("2.60"), D("2.40"))
    assert _balance("CARD000001") == D("0.00")


def test_over_redeeming_or_an_unknown_code_is_a_clear_message_and_changes_nothing(
    register, cashier, shift, gift_card, coffee
):
    sell(register, cashier, cards=[(gift_card, "CARD000002", "5.00")])
    with scopes_disabled():
        before = (VoucherEntry.objects.count(), register.sales.count())
    with pytest.raises(SaleError, match=r"Only 5.00 € are left on the gift card CARD000002"):
        sell(register, cashier, [(coffee, 3)], paid_with=[("CARD000002", "6.00")])
    with pytest.raises(SaleError, match="No gift card has the code “NOPE1234”"):
        sell(register, cashier, [(coffee, 1)], paid_with=[("NOPE1234", "1.00")])
    with pytest.raises(SaleError, match="would pay more than is due"):
        sell(register, cashier, [(coffee, 1)], paid_with=[("CARD000002", "5.00")])
    with scopes_disabled():
        assert (VoucherEntry.objects.count(), register.sales.count()) == before
    assert _balance("CARD000002") == D("5.00")


def test_a_card_cannot_be_sold_twice_nor_without_a_code(register, cashier, shift, gift_card):
    sell(register, cashier, cards=[(gift_card, "CARD000003", "5.00")])
    with pytest.raises(SaleError, match="was sold already"):
        sell(register, cashier, cards=[(gift_card, "CARD000003", "5.00")])
    with pytest.raises(SaleError, match="Gift card"):
        sell(register, cashier, cards=[(gift_card, "", "5.00")])


def test_a_single_purpose_voucher_is_taxed_when_sold_and_its_redemption_carries_no_vat_again(
    register, cashier, shift, spa_voucher, coffee, rolls
):
    sold = sell(register, cashier, cards=[(spa_voucher, "SPA00001", "20.00")])
    assert _vat(sold) == {1: (D("20.00"), D("3.19"))}
    paid = sell(register, cashier, [(coffee, 2)], paid_with=[("SPA00001", "5.60")])
    assert paid.total == D("0.00")
    assert _vat(paid) == {1: (D("0.00"), D("0.00"))}  # VAT paid when sold is not paid again
    # goods at another rate (rolls, 7 %) cannot be paid with it
    with pytest.raises(SaleError, match="pays only for goods at 19"):
        sell(register, cashier, [(rolls, 2)], paid_with=[("SPA00001", "0.50")])


def test_a_return_gives_the_card_its_share_back_first_and_money_only_for_the_rest(
    register, cashier, shift, gift_card, coffee
):
    sell(register, cashier, cards=[(gift_card, "CARD000004", "4.00")])
    sale = sell(register, cashier, [(coffee, 3)], paid_with=[("CARD000004", "4.00")])  # 8.40: 4 card + 4.40 cash
    assert _balance("CARD000004") == D("0.00")
    with scopes_disabled():
        line = sale.lines.get(position=1)
    first = refund_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        original=sale,
        lines=[RefundLineInput(line.pk, D(1))],
        refund_id=uuid7(),
    )
    assert first.total == D("0.00")  # 2.80 back onto the card, no money
    assert _balance("CARD000004") == D("2.80")
    second = refund_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        original=sale,
        lines=[RefundLineInput(line.pk, D(2))],
        refund_id=uuid7(),
    )
    assert _balance("CARD000004") == D("4.00")  # never more than it paid
    assert second.total == D("-4.40")
    with scopes_disabled():
        assert sum(p.amount for p in second.payments.all()) == D("-4.40")


def test_a_card_sold_comes_back_only_while_nothing_of_it_was_spent(register, cashier, shift, gift_card, coffee):
    sold = sell(register, cashier, cards=[(gift_card, "CARD000005", "10.00")])
    with scopes_disabled():
        card_line = sold.lines.get()
    sell(register, cashier, [(coffee, 1)], paid_with=[("CARD000005", "2.80")])
    with pytest.raises(SaleError, match="was used already"):
        refund_sale(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            original=sold,
            lines=[RefundLineInput(card_line.pk, D(1))],
            refund_id=uuid7(),
        )
    unused = sell(register, cashier, cards=[(gift_card, "CARD000006", "10.00")])
    with scopes_disabled():
        unused_line = unused.lines.get()
    back = refund_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        original=unused,
        lines=[RefundLineInput(unused_line.pk, D(1))],
        refund_id=uuid7(),
    )
    assert back.total == D("-10.00")
    assert _balance("CARD000006") == D("0.00")


def test_a_gift_card_is_not_returned_without_its_receipt(register, cashier, manager, shift, gift_card):
    from kasse.sales.services.refunds import ReturnItemInput, refund_without_receipt
    from kasse.vouchers.tests.conftest import variant_of

    with pytest.raises(SaleError, match="returned with the receipt it was sold on"):
        refund_without_receipt(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            items=[ReturnItemInput(variant_of(gift_card.product).pk, D(1))],
            refund_id=uuid7(),
            approver=manager,
        )


def test_another_organizations_card_is_unknown_at_the_register(register, cashier, shift, gift_card, coffee):
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import (
        EmployeeFactory,
        OrganizationFactory,
        ProductFactory,
        RegisterFactory,
        StoreFactory,
    )

    sell(register, cashier, cards=[(gift_card, "ORGACARD01", "20.00")])
    other = OrganizationFactory()
    other_store = StoreFactory(organization=other, name="Anderswo")
    other_register = RegisterFactory(store=other_store, organization=other, number=1)
    bob = EmployeeFactory(organization=other, display_name="Bob", pin="2222", role=(other_store, Role.CASHIER))
    open_shift(actor=Actor.system(), register=other_register, employee=bob, count={"50": 1})
    tea = ProductFactory(organization=other, name="Tee", price="2.00", vat_class="standard")
    with pytest.raises(SaleError, match="No gift card has the code “ORGACARD01”"):
        sell(other_register, bob, [(tea, 1)], paid_with=[("ORGACARD01", "2.00")], cash="0")
    assert _balance("ORGACARD01") == D("20.00")


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_a_gift_card_entry(register, cashier, shift, gift_card):
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the trigger is PL/pgSQL")
    sell(register, cashier, cards=[(gift_card, "GIFT-0009-ZZZZ", "20.00")])
    with scopes_disabled():
        entry = VoucherEntry.objects.get()
        for action in (lambda: VoucherEntry.objects.filter(pk=entry.pk).update(amount=D("200.00")),
                       lambda: VoucherEntry.objects.filter(pk=entry.pk).delete()):  # fmt: skip
            with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
                action()
        assert VoucherEntry.objects.get().amount == D("20.00")

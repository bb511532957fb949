"""kasse seed: the demo shop is complete, valid and stable; large catalogs match the services."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from kasse.catalog.models import Barcode, Category, Product, StorePrice, Variant
from kasse.catalog.services import save_product
from kasse.core.actors import Actor
from kasse.core.barcodes import has_valid_check_digit, validate_barcode
from kasse.core.vat import VatClass
from kasse.customers.models import Customer
from kasse.customers.services import save_customer
from kasse.demo import shop
from kasse.demo.catalog import ean13
from kasse.tenancy.models import Employee, Organization, Register, Store
from kasse.tenancy.selectors import employees_for_user

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def _demo_org() -> Organization:
    return Organization.objects.get(name=shop.DEMO_ORGANIZATION_NAME)


@pytest.mark.slow
def test_seed_creates_the_demo_shop_through_the_services():
    """One full seed (seconds of CPU) and three looks at it: the shop, its catalog, a scale label of its cheese."""
    output = _seed()

    _check_shop(output)
    _check_catalog()
    _check_scale_label_of_a_cheese()
    _check_offers()


def _check_offers() -> None:
    """Loyalty, a gift card type, promotions and a campaign on the idle screens are there to try at once."""
    from kasse.loyalty.models import LoyaltyProgram, StampCard
    from kasse.loyalty.selectors import points_balance
    from kasse.marketing.selectors import idle_messages
    from kasse.promotions.models import Promotion
    from kasse.vouchers.models import VoucherType

    org = _demo_org()
    with scopes_disabled():
        assert LoyaltyProgram.objects.get(organization=org).is_active
        assert [c.name for c in StampCard.objects.filter(organization=org)] == ["Kaffeekarte"]
        assert [t.name for t in VoucherType.objects.filter(organization=org)] == ["Geschenkgutschein"]
        assert sorted(Promotion.objects.filter(organization=org).values_list("name", "coupon_code")) == [
            ("Feierabend-Brot −50 %", ""),
            ("Willkommen −10 %", "WILLKOMMEN10"),
        ]
        holder = Customer.objects.filter(organization=org).exclude(loyalty_card_code=None).order_by("customer_number")
        assert points_balance(holder.first().pk) == 150
        assert idle_messages(org.pk) == ["Ab 18 Uhr: Brot −50 %"]


def _check_shop(output: str) -> None:

    org = _demo_org()
    assert "Created “Bäckerei & Feinkost Sonnenschein”: 340 products, 200 customers" in output
    assert org.legal_name == "Bäckerei & Feinkost Sonnenschein GmbH"
    assert org.vat_id.startswith("DE")
    assert len(org.vat_id) == 11
    assert org.vat_id[2:].isdigit()
    assert org.tax_number == "30/123/45678"
    with scopes_disabled():
        stores = list(Store.objects.filter(organization=org).order_by("number"))
        assert [(s.city, s.postal_code, s.time_zone) for s in stores] == [
            ("Berlin", "10435", "Europe/Berlin"),
            ("Potsdam", "14467", "Europe/Berlin"),
        ]
        assert [(r.store.number, r.number, r.name) for r in Register.objects.filter(organization=org)] == [
            (1, 1, "Kasse 1"),
            (1, 2, "Kasse 2"),
            (2, 1, "Kasse 1"),
            (2, 2, "Kasse 2"),
        ]
        assert Employee.objects.filter(organization=org).count() == 8
        for person in [shop.OWNER, *shop.PEOPLE]:
            employee = Employee.objects.get(organization=org, display_name=person.name)
            assert employee.check_pin(person.pin)
            assert employee.roles.get().role == person.role
        # Every product was saved by save_product, which writes an audit entry (and the gift card type's product).
        assert org.audit_entries.filter(action="catalog.product.created").count() == 340 + 1
        assert Customer.objects.filter(organization=org).count() == 200
        assert StorePrice.objects.filter(organization=org).count() == 10


def _check_catalog() -> None:
    """Valid, unique barcodes, both VAT rates, weighed items and variants."""
    org = _demo_org()

    with scopes_disabled():
        assert Product.objects.filter(organization=org).count() >= 300
        codes = list(Barcode.objects.filter(organization=org).values_list("code", "kind"))
        assert len(codes) == len({code for code, _kind in codes})
        for code, kind in codes:
            assert kind == "ean13"
            assert len(code) == 13
            assert has_valid_check_digit(code)
            assert validate_barcode(code) == (code, "ean13")
        # every product has a barcode but the gift card type's, which is sold by the Gift card dialog, not scanned
        assert Variant.objects.filter(organization=org, barcodes__isnull=True, product__is_voucher=False).count() == 0
        rates = set(Product.objects.filter(organization=org).values_list("vat_class", flat=True))
        assert {VatClass.REDUCED, VatClass.STANDARD} <= rates
        drinks = Product.objects.filter(organization=org, category__name="Getränke")
        assert set(drinks.values_list("vat_class", flat=True)) == {VatClass.STANDARD}
        cheese = Product.objects.get(organization=org, name="Bergkäse")
        assert (cheese.unit, cheese.is_measured, cheese.price) == ("kg", True, Decimal("26.90"))
        assert Product.objects.filter(organization=org, is_measured=True).count() == 60
        bread = Product.objects.get(organization=org, name="Dinkelvollkornbrot 500 g")
        assert (bread.net_content, bread.net_content_unit, bread.vat_class) == (Decimal("500"), "g", "reduced")
        assert bread.cost_price is not None
        assert bread.cost_price < bread.price
        hoodie = Product.objects.get(organization=org, name="Hoodie Sonnenschein-Logo")
        variants = list(hoodie.variants.order_by("position"))
        assert len(variants) == 10
        assert variants[0].attributes == {"Farbe": "Schwarz", "Größe": "S"}
        assert variants[4].name == "Schwarz / XXL"
        assert variants[4].effective_price == Decimal("52.90")
        assert {c.name for c in Category.objects.filter(organization=org)} == {
            "Brot",
            "Brötchen",
            "Kuchen & Torten",
            "Feinkost",
            "Käse",
            "Wurst",
            "Getränke",
            "Kaffee to go",
            "Geschenke",
            "Merch",
        }
        schrippe = Variant.objects.get(organization=org, sku="BRT-0001")
        berlin = Store.objects.get(organization=org, number=1)
        assert StorePrice.objects.get(store=berlin, variant=schrippe).price == Decimal("0.40")


def _check_scale_label_of_a_cheese() -> None:
    """A scale label of a seeded cheese finds it with its weight."""
    from kasse.register.services.scanning import resolve_code

    org = _demo_org()
    with scopes_disabled():
        cheese = Product.objects.get(organization=org, name="Gouda jung")
        code = cheese.variants.get().barcodes.get().code
    # German scale label: 28 + item + value check digit + 1,250 kg + check digit.
    label = next(c for c in (ean13(code[:6] + str(v) + "01250") for v in range(10)) if _reads_as_weight(c))

    with scopes_disabled():
        result = resolve_code(org, label)

    assert result.variant.product == cheese
    assert result.quantity == Decimal("1.25")


def _reads_as_weight(code: str) -> bool:
    from biip import ParseConfig, parse
    from biip.rcn import RcnRegion

    gtin = parse(code, config=ParseConfig(rcn_region=RcnRegion.GERMANY)).gtin
    return gtin is not None and getattr(gtin, "weight", None) is not None


def test_demo_logins_are_stable(client):
    _seed("--products", "3", "--customers", "0")

    assert client.login(email=shop.OWNER_EMAIL, password=shop.DEMO_PASSWORD)
    with scopes_disabled():
        manager = shop.PEOPLE[0]
        from kasse.tenancy.models import User

        user = User.objects.get(email=manager.email)
        assert user.check_password(shop.DEMO_PASSWORD)
        assert [e.display_name for e in employees_for_user(user)] == [manager.name]


def test_seed_refuses_a_second_demo_unless_forced():
    _seed("--products", "2", "--customers", "1")

    with pytest.raises(CommandError, match="already exists"):
        _seed("--products", "2")
    output = _seed("--products", "2", "--customers", "0", "--force")

    assert "Created “Bäckerei & Feinkost Sonnenschein 2”" in output
    assert Organization.objects.filter(name__startswith=shop.DEMO_ORGANIZATION_NAME).count() == 2


def test_seed_rejects_negative_counts():
    with pytest.raises(CommandError, match="--products must be 0 or more"):
        _seed("--products", "-1")


def test_large_seed_bulk_inserts_rows_the_services_would_have_written():
    _seed("--products", "5", "--customers", "2")
    name = shop.DEMO_ORGANIZATION_NAME

    output = _seed("--organization", name, "--products", "700", "--customers", "600")

    org = _demo_org()
    assert f"Added to “{name}”: 700 products, 600 customers" in output
    with scopes_disabled():
        assert Product.objects.filter(organization=org).count() == 705 + 1  # and the gift card type's product
        assert Customer.objects.filter(organization=org).count() == 602
        numbers = list(Customer.objects.filter(organization=org).values_list("customer_number", flat=True))
        assert sorted(numbers) == list(range(10001, 10603))
        codes = list(Barcode.objects.filter(organization=org).values_list("code", flat=True))
        assert len(codes) == len(set(codes)) == 705
        assert all(has_valid_check_digit(code) for code in codes)
        generated = list(Product.objects.filter(organization=org, variants__sku__startswith="SO-")[:25])
        bulk_customers = list(Customer.objects.filter(organization=org).order_by("-customer_number")[:25])
    actor = Actor.system("test")
    for product in generated:
        before = product.search_text
        saved = save_product(actor=actor, organization=org, product=product, data={})
        assert saved.search_text == before
    for customer in bulk_customers:
        before = customer.search_text
        saved = save_customer(actor=actor, organization=org, customer=customer, data={})
        assert saved.search_text == before


def test_adding_more_products_continues_the_generated_numbers():
    _seed("--products", "1", "--customers", "0")
    name = shop.DEMO_ORGANIZATION_NAME
    _seed("--organization", name, "--products", "20", "--customers", "0")

    _seed("--organization", name, "--products", "20", "--customers", "0")

    with scopes_disabled():
        skus = sorted(
            Variant.objects.filter(organization=_demo_org(), sku__startswith="SO-").values_list("sku", flat=True)
        )
    assert skus == [f"SO-{n:07d}" for n in range(1, 41)]

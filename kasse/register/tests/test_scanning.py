"""Scanned codes on the server: the GS1 check digit before the lookup, what still passes, the settings."""

from __future__ import annotations

import json

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.register.models import CartLine, RegisterSettings
from kasse.register.services.scanning import LoyaltyCard, UnknownCode, is_complete_gtin, resolve_scan
from kasse.register.services.settings import save_register_settings
from kasse.testing.factories import CustomerFactory, ProductFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def _skus(response):
    return [li["data-sku"] for li in soup_of(response).select("[data-testid=cart-line]")]


@pytest.mark.parametrize(
    ("code", "complete"),
    [
        ("4000000000013", True),
        ("400000000001", False),  # EAN-13 and the same scan one digit short
        ("40000000", False),
        ("96385074", True),  # EAN-8
        ("042100005264", True),
        ("04252614", True),  # UPC-A and its UPC-E form
        ("04252615", False),
        ("14006381333938", True),
        ("14006381333935", False),
        ("04006381333931", True),
        ("0000057", True),
        ("123456789", True),  # not a GTIN length: the lookup decides
        ("R-1-1-1", True),
        ("KK-0042", True),
        ("SKU-12345678", True),
    ],
)
def test_only_gtin_shaped_codes_need_a_valid_check_digit(code, complete):
    assert is_complete_gtin(code) is complete


def test_a_scan_cut_short_is_incomplete_not_unknown(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    # The rolls' EAN-13 4000000000017 lost its last digit: 12 digits, but no valid UPC-A.
    response = till.post("/register/cart/scan/", {"code": "400000000001"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 422
    message = soup_of(response).select("[data-testid=cart-error]")
    assert [(p.text, p["data-scan-message"]) for p in message] == [
        ("Scan unvollständig, bitte erneut scannen", "incomplete")
    ]
    assert json.loads(response["HX-Trigger"]) == {"kasse:scan-rejected": {"reason": "incomplete"}}
    assert len(_skus(response)) == 1
    english = till.post("/register/cart/scan/", {"code": "40000000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert soup_of(english).select_one("[data-testid=cart-error]").text == "Incomplete scan, please scan again"


def test_an_unknown_valid_gtin_is_unknown_and_beeps(till, bakery):
    response = till.post("/register/cart/scan/", {"code": "04006381333931"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert soup_of(response).select_one("[data-testid=cart-error]").text == "Unknown barcode 04006381333931."
    assert json.loads(response["HX-Trigger"]) == {"kasse:scan-rejected": {"reason": "unknown"}}


def test_a_bad_outer_check_digit_on_a_scale_label_is_incomplete(till, bakery):
    # 2800019003478 is a valid weight label; with its last digit changed it is a damaged scan.
    response = till.post("/register/cart/scan/", {"code": "2800019003479"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert soup_of(response).select_one("[data-testid=cart-error]").text == "Incomplete scan, please scan again"


def test_shop_codes_that_look_like_gtins_still_resolve(till, organization):
    # An in-store barcode and a SKU of 13 and 8 digits whose last digit is no GS1 check digit,
    # and a loyalty card of 13 digits: exact matches still win.
    instore = ProductFactory(organization=organization, name="Hausbrot", variant__barcode="1234567890120")
    by_sku = ProductFactory(organization=organization, name="Streusel", variant__sku="12345671")
    CustomerFactory(
        organization=organization, first_name="Karla", last_name="Kolumna", loyalty_card_code="9990000000001"
    )
    till.post("/register/cart/scan/", {"code": "1234567890120"})
    response = till.post("/register/cart/scan/", {"code": "12345671"})
    with scopes_disabled():
        assert _skus(response) == [instore.variants.get().sku, "12345671"]
        assert by_sku.variants.get().sku == "12345671"
    card = till.post("/register/cart/scan/", {"code": "9990000000001"})
    assert card.status_code == 200
    assert "Karla Kolumna" in soup_of(card).select_one("[data-testid=cart-customer]").text
    assert soup_of(card).select("[data-testid=cart-error]") == []


def test_resolve_scan_falls_back_to_a_loyalty_card_only_for_codes_that_sell_nothing(in_scope):
    # Given an active product, an inactive one and customers whose cards carry codes
    ProductFactory(organization=in_scope, name="Hausbrot", variant__barcode="HB-1")
    ProductFactory(organization=in_scope, name="Altbrot", variant__barcode="AB-1", is_active=False)
    karla = CustomerFactory(organization=in_scope, loyalty_card_code="KK-0042")
    product_owner = CustomerFactory(organization=in_scope, loyalty_card_code="HB-1")
    retired = CustomerFactory(organization=in_scope, loyalty_card_code="AB-1")
    CustomerFactory(organization=in_scope, loyalty_card_code="GONE-1", is_active=False)
    # Then a code that names no product is its holder's card
    assert resolve_scan(in_scope, " KK-0042 ") == LoyaltyCard(karla)
    # and so is the code of a product that is not for sale
    assert resolve_scan(in_scope, "AB-1") == LoyaltyCard(retired)
    # but a product for sale wins over a card with the same code
    result = resolve_scan(in_scope, "HB-1")
    assert not isinstance(result, LoyaltyCard)
    assert result.variant.product.name == "Hausbrot"
    assert product_owner.loyalty_card_code == "HB-1"
    # and an inactive customer's card is no card: the product error stands
    with pytest.raises(UnknownCode):
        resolve_scan(in_scope, "GONE-1")


def test_a_refused_scan_changes_no_cart_line(till, bakery):
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    till.post("/register/cart/scan/", {"code": "400000000001"})
    with scopes_disabled():
        assert [(line.variant.product.name, line.quantity) for line in CartLine.objects.all()] == [("Brötchen", 1)]


def test_scanner_settings_have_defaults_for_packets_and_late_enter(store):
    saved = save_register_settings(actor=Actor.system(), store=store, data={"display_message": "Hallo"})
    assert (
        saved.scanner_max_gap_ms,
        saved.scanner_pause_ms,
        saved.scanner_late_suffix_ms,
        saved.scan_beep,
        saved.scan_beep_volume,
    ) == (60, 160, 300, True, 60)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scanner_pause_ms": 40, "scanner_max_gap_ms": 60}, "scanner_pause_ms"),
        ({"scanner_pause_ms": 5000}, "scanner_pause_ms"),
        ({"scanner_late_suffix_ms": 3000}, "scanner_late_suffix_ms"),
        ({"scan_beep_volume": 150}, "scan_beep_volume"),
        ({"scanner_min_length": 1}, "scanner_min_length"),
    ],
)
def test_scanner_settings_out_of_range_are_refused(store, data, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        save_register_settings(actor=Actor.system(), store=store, data=data)
    assert field in caught.value.message_dict
    with scopes_disabled():
        assert not RegisterSettings.objects.filter(store=store).exists()


def test_the_register_page_carries_the_scanner_settings(till, store):
    save_register_settings(
        actor=Actor.system(),
        store=store,
        data={"scanner_pause_ms": 220, "scanner_late_suffix_ms": 400, "scan_beep": True, "scan_beep_volume": 35},
    )
    root = soup_of(till.get("/register/")).select_one("#register")
    assert (
        root["data-scanner-gap"],
        root["data-scanner-pause"],
        root["data-scanner-late"],
        root["data-scan-beep"],
    ) == ("60", "220", "400", "35")
    save_register_settings(actor=Actor.system(), store=store, data={"scan_beep": False})
    assert soup_of(till.get("/register/")).select_one("#register")["data-scan-beep"] == "0"

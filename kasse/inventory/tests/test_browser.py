"""An owner books a delivery with a wedge scanner in Chromium and prints its shelf labels on the virtual printer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from kasse.hardware.virtual.label_printer import VirtualLabelPrinter
from kasse.inventory.models import GoodsReceipt
from kasse.inventory.selectors import stock_level
from kasse.inventory.tests.conftest import variant_of
from kasse.printing.models import Printer, PrinterKind
from kasse.printing.worker import process_next
from kasse.testing.browser import scan
from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser


@pytest.mark.browser
def test_owner_scans_a_delivery_books_it_and_prints_its_shelf_labels(
    live_server, page, transactional_db, organization, store, rolls, cheese
):
    owner_user(organization, email="inhaber@example.org", language="de")
    bread, kaese = variant_of(rolls), variant_of(cheese)
    with VirtualLabelPrinter(0, idle_timeout=5) as virtual:
        with scopes_disabled():
            printer = Printer.objects.create(
                organization=organization,
                store=store,
                name="Etiketten",
                kind=PrinterKind.LABEL,
                host="127.0.0.1",
                port=virtual.port,
                label_language="tspl",
            )
        log_in_in_browser(page, live_server.url, "inhaber@example.org")
        page.click("[data-testid=mainnav] >> text=Wareneingang")
        assert page.text_content("[data-testid=receipt-store-name]") == "Filiale Mitte"

        # When the scanner reads the rolls three times in a row (without waiting) and then the cheese
        code = page.locator("[data-testid=receipt-code]")
        assert code.evaluate("el => el === document.activeElement")
        for _ in range(3):
            scan(page, "4000000000017")
        scan(page, "4006381333931")
        # Then the rolls are one line of 3 and the cheese waits for its weight; the field is ready for the next scan
        cheese_row = page.locator(f"[data-testid=receipt-line][data-variant='{kaese.pk}']")
        cheese_row.wait_for()
        bread_quantity = page.locator(f"[data-testid=receipt-line][data-variant='{bread.pk}'] input[name=quantity]")
        assert bread_quantity.input_value() == "3"
        assert cheese_row.locator("input[name=quantity]").input_value() == ""
        assert code.input_value() == ""
        assert code.evaluate("el => el === document.activeElement")

        # When the owner types the weight and the delivery note and books
        cheese_row.locator("input[name=quantity]").fill("2,4")
        page.fill("[data-testid=receipt-reference]", "Käserei Berg, LS 77")
        page.click("[data-testid=receipt-book]")
        page.wait_for_selector("[data-testid=receipt-header]")
        assert [q.strip() for q in page.locator("[data-testid=receipt-line-quantity]").all_text_contents()] == [
            "3",
            "2,4",
        ]
        with scope(organization=organization):
            assert GoodsReceipt.objects.get().reference == "Käserei Berg, LS 77"
            assert stock_level(store, bread) == Decimal(3)
            assert stock_level(store, kaese) == Decimal("2.4")

        # When they print shelf labels for it: the labels page has the counts and the store's printer chosen
        page.click("[data-testid=receipt-print-labels]")
        page.wait_for_selector("[data-testid=label-receipt]")
        assert page.input_value(f"input[name='count-{bread.pk}']") == "3"
        assert page.input_value(f"input[name='count-{kaese.pk}']") == "1"
        page.click("[data-testid=labels-print]")
        page.wait_for_selector(".messages")
        # Then the virtual label printer prints three roll labels and one cheese label with its base price
        assert process_next(printer.pk).outcome == "done"
        labels = virtual.wait_for_labels(2)
    by_name = {label.text_values[0]: label for label in labels}
    assert by_name["Brötchen"].copies == 3
    assert by_name["Bergkäse"].copies == 1
    assert by_name["Bergkäse"].text_values[1:3] == ["24,90 €", "1 kg = 24,90 €"]

"""What a cashier sees, in Debian's Chromium at 1024×768 and 1366×768: dialogs that run no product name as
script, a grid that reaches every product, names that wrap cleanly, the quantity key, quick cash, dialogs
that fit, returns to the tenders paid with."""

from __future__ import annotations

import json
import os

import pytest
from django_scopes import scopes_disabled

from kasse.register.tests.test_browser import _tolerant_scanner_timing  # noqa: F401
from kasse.testing.browser import scan, wait_settled
from kasse.testing.factories import CategoryFactory, ProductFactory
from kasse.testing.plugin import open_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1024, 768), (1366, 768)]
SHOTS = os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp")
EVIL = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'


def _inside(inner, outer, slack=1.0):
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def _viewport(width, height):
    return {"x": 0, "y": 0, "width": width, "height": height}


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_product_named_like_markup_runs_no_script_in_any_dialog(
    live_server, page, register, till, organization, width, height
):
    # Given a product whose name a manager (or an import) set to an image tag with a script
    ProductFactory(organization=organization, name=EVIL, price="2.00", is_favourite=True)
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": width, "height": height})
    open_register(page, live_server.url)
    page.click("[data-testid=tile]")
    page.wait_for_selector("[data-testid=cart-line]")
    # When the cashier opens the discount dialog, switches to the price, and opens the note
    page.click("[data-testid=line-menu]")
    title = page.wait_for_selector("[data-testid=discount-form] [data-testid=dialog-title]")
    assert title.text_content() == EVIL
    page.wait_for_timeout(300)  # an injected <img src=x> would have failed to load and run its handler by now
    page.screenshot(path=f"{SHOTS}/register-dialog-xss-{width}x{height}.png")
    page.click("[data-testid=price-instead]")
    page.wait_for_selector("[data-testid=price-input]")
    assert page.text_content("[data-testid=dialog-title]") == EVIL
    page.keyboard.press("Escape")
    page.click("[data-testid=line-note-button]")
    page.wait_for_selector("[data-testid=note-form]")
    page.wait_for_timeout(300)
    # Then the name is text everywhere and nothing ran
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('#overlay img, #cart img, #grid img').length") == 0
    assert alerts == []


FEINKOST = [
    "Kürbiskernbrötchen",
    "Schwarzwälder Kirschtorte",
    "Bärlauchfrischkäse",
    "Cappuccino",
    "Kaiserbrötchen",
    "Rinderrouladen mit Rotkohl",
    "Mozzarellatomaten",
    "Weißwurstsenf süß",
    "Schokoladencroissant",
    "Olivenöl extra vergine",
    "Zwiebelschmalz",
    "Hausmacherleberwurst",
]


def _deli(organization):
    category = CategoryFactory(organization=organization, name="Feinkost", color="#b54708")
    for index in range(87):
        ProductFactory(
            organization=organization,
            category=category,
            price="3.49",
            name=f"{FEINKOST[index % len(FEINKOST)]} {index // len(FEINKOST) + 1}",
        )
    return category


# For each tile name: every line break falls between words or at a soft hyphen / hyphen, and no
# line is cut through by the tile's edge (a line is either wholly shown or wholly clamped away).
NAME_PROBLEMS = """() => {
  const problems = [];
  for (const el of document.querySelectorAll("#grid .tile .name")) {
    const node = el.firstChild;
    if (!node) continue;
    const text = node.textContent;
    const box = el.getBoundingClientRect();
    const tile = el.closest(".tile").getBoundingClientRect();
    if (box.bottom > tile.bottom + 0.5) problems.push(["name leaves its tile", text]);
    const range = document.createRange();
    let top = null;
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      // A character at the start of a line may also report an empty caret box at the end of the last one.
      const rect = [...range.getClientRects()].filter((r) => r.width > 0).pop();
      if (!rect) continue;
      if (rect.top >= box.bottom - 0.5) break;  // clamped away
      if (rect.bottom > box.bottom + 0.5) { problems.push(["line cut through", text]); break; }
      if (top !== null && rect.top > top + 2 && !" \\u00ad-".includes(text[i - 1])) {
        problems.push(["broken inside a word", text.slice(0, i).replaceAll("\\u00ad", "") + "|"]);
      }
      top = rect.top;
    }
  }
  return problems;
}"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_product_of_a_long_category_is_reachable_and_its_tab_is_marked(
    live_server, page, register, till, organization, bakery, width, height
):
    deli = _deli(organization)
    page.set_viewport_size({"width": width, "height": height})
    open_register(page, live_server.url)
    # When the cashier taps the Feinkost tab
    page.click(f"[data-testid=category-tab][data-category='{deli.pk}']")
    page.wait_for_selector("[data-testid=grid-position]:has-text('1–48 von 87')")
    wait_settled(page)
    # Then that tab is the highlighted one, not Favourites
    assert page.get_attribute(f"[data-category='{deli.pk}']", "aria-pressed") == "true"
    assert page.get_attribute("[data-category=favourites]", "aria-pressed") == "false"
    colours = dict(
        page.evaluate("""() => [...document.querySelectorAll('[data-testid=category-tab]')]
        .map((t) => [t.dataset.category, getComputedStyle(t).backgroundColor])""")
    )
    highlighted = colours.pop(str(deli.pk))
    assert highlighted not in colours.values()  # it looks different from every other tab
    assert page.locator(".tab.active").count() == 1
    # And the pager is in view with 48 px buttons; names wrap cleanly
    for testid in ("grid-previous", "grid-next", "grid-position"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        assert _inside(box, _viewport(width, height)), (testid, box)
        if testid != "grid-position":
            assert box["height"] >= 48, (testid, box)
            assert box["width"] >= 48, (testid, box)
    page.screenshot(path=f"{SHOTS}/register-grid-feinkost-{width}x{height}.png")
    assert page.evaluate(NAME_PROBLEMS) == []
    # When she pages on, she reaches the last of the 87
    page.click("[data-testid=grid-next]")
    page.wait_for_selector("[data-testid=grid-position]:has-text('49–87 von 87')")
    wait_settled(page)
    assert page.locator("[data-testid=tile]").count() == 39
    page.screenshot(path=f"{SHOTS}/register-grid-feinkost-page2-{width}x{height}.png")
    assert page.evaluate(NAME_PROBLEMS) == []
    assert page.get_attribute(f"[data-category='{deli.pk}']", "aria-pressed") == "true"
    # And Favourites is marked again when she goes back to it
    page.click("[data-category=favourites]")
    page.wait_for_selector("[data-testid=tile][data-name='Brötchen']")
    wait_settled(page)
    assert page.locator(".tab.active").get_attribute("data-category") == "favourites"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_quantity_key_for_a_tap_and_a_scan_then_quick_cash(live_server, page, register, till, bakery, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_register(page, live_server.url)
    # "6 ×" from the quantity key, then a tap on the rolls
    page.click("[data-testid=quantity-key]")
    page.click("[data-testid=times-6]")
    page.wait_for_selector("[data-testid=pending-times][data-times='6']")
    page.click("[data-testid=tile][data-name='Brötchen']")
    page.wait_for_selector("[data-testid=cart-line] [data-testid=line-qty]:has-text('6 ×')")
    assert page.locator("[data-testid=pending-times]").count() == 0
    # "3" and "*" typed in the search box, then a scan of the coffee
    page.fill("[data-testid=product-search]", "3")
    page.press("[data-testid=product-search]", "*")
    page.wait_for_selector("[data-testid=pending-times][data-times='3']")
    page.screenshot(path=f"{SHOTS}/register-quantity-key-{width}x{height}.png")
    scan(page, "4000000000024")
    page.wait_for_selector("[data-testid=cart-line][data-sku] >> nth=1")
    assert page.locator("[data-testid=line-qty]").all_text_contents() == ["6 × 0,45 €", "3 × 2,80 €"]
    assert page.text_content("[data-testid=cart-total]") == "11,10 €"
    # The pay panel offers the exact amount and the next round amounts
    page.click("[data-testid=pay]")
    page.wait_for_selector("[data-testid=pay-panel]")
    labels = [" ".join(t.split()) for t in page.locator("[data-testid=quick-cash] button").all_text_contents()]
    assert labels == ["Passend 11,10 €", "12 €", "15 €", "20 €", "50 €"]
    panel = page.locator("[data-testid=pay-panel]").bounding_box()
    assert _inside(panel, _viewport(width, height))
    page.screenshot(path=f"{SHOTS}/register-pay-{width}x{height}.png")
    page.click("[data-testid=cash-2000]")
    page.wait_for_selector("[data-testid=sale-done]")
    assert page.text_content("[data-testid=change]").split() == ["Rückgeld", "8,90", "€"]


def _ean(first12: str) -> str:
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _card_and_cash_sale(till, organization):
    names = [
        "Schwarzwälder Schinken",
        "Bergkäse am Stück",
        "Rotwein Spätburgunder",
        "Kürbiskernbrötchen",
        "Olivenöl",
        "Milch",
        "Butter",
        "Honig aus der Region",
    ]
    for index, name in enumerate(names):
        ProductFactory(
            organization=organization, name=name, price=f"{2 + index}.29", variant__barcode=_ean(f"40000001{index:04d}")
        )
    for index in range(len(names)):
        till.post("/register/cart/scan/", {"code": _ean(f"40000001{index:04d}")})
    payments = [{"method": "card", "amount": "20.00"}, {"method": "cash", "amount": "26.32"}]
    response = till.post("/register/cart/pay/", {"payments": json.dumps(payments)})
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_receipts_list_and_return_dialog_fit_and_name_the_tenders_once(
    live_server, page, register, till, organization, store, width, height
):
    from kasse.printing.models import Printer, PrinterKind, RegisterPrinter

    with scopes_disabled():
        printer = Printer.objects.create(
            organization=organization,
            store=store,
            name="Bondrucker",
            kind=PrinterKind.RECEIPT,
            host="127.0.0.1",
            port=9,
            profile="generic-58",
        )
        RegisterPrinter.objects.create(organization=organization, register=register, printer=printer)
    _card_and_cash_sale(till, organization)
    page.set_viewport_size({"width": width, "height": height})
    open_register(page, live_server.url)
    page.wait_for_selector("[data-testid=printer-indicator] svg[data-testid=printer-icon]")
    # The receipts list: every button in view and inside the dialog; amount and date on one line
    page.click("[data-testid=receipts-button]")
    page.wait_for_selector("[data-testid=receipt-row]")
    wait_settled(page)
    modal = page.locator("[data-testid=receipts-list]").bounding_box()
    assert _inside(modal, _viewport(width, height))
    for testid in ("show-receipt", "print-copy", "receipt-return", "receipts-close"):
        box = page.locator(f"[data-testid={testid}]").first.bounding_box()
        assert box is not None, testid
        assert _inside(box, modal), (testid, box, modal)
        assert box["height"] >= 44, (testid, box)
    assert page.text_content("[data-testid=print-copy]").strip() == "Beleg erneut drucken"
    assert page.text_content("[data-testid=show-receipt]").strip() == "Beleg anzeigen"
    for testid in ("receipt-date", "receipt-amount"):
        lines = page.evaluate(f"""() => {{
          const range = document.createRange();
          range.selectNodeContents(document.querySelector('[data-testid={testid}]'));
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        }}""")
        assert lines == 1, testid
    page.screenshot(path=f"{SHOTS}/register-receipts-{width}x{height}.png")
    # The return dialog: the tenders as paid, the confirm button inside the dialog and the screen
    page.click("[data-testid=receipt-return]")
    page.wait_for_selector("[data-testid=return-form]")
    wait_settled(page)
    assert (
        " ".join(page.text_content("[data-testid=original-tenders]").split())
        == "Bezahlt mit Karte 20,00 € · Bar 26,32 €"
    )
    # The olive oil at 6,29 €, the milk at 7,29 € and the honey at 9,29 €, one tap at a time
    for row, total in ((4, "6,29"), (5, "13,58"), (7, "22,87")):
        page.locator("[data-testid=qty-plus]").nth(row).click()
        page.wait_for_selector(f"[data-testid=return-total]:has-text('{total}')")
        wait_settled(page)
    form = page.locator("[data-testid=return-form]").bounding_box()
    confirm = page.locator("[data-testid=return-confirm]").bounding_box()
    assert _inside(form, _viewport(width, height)), form
    assert _inside(confirm, form), (confirm, form)
    assert _inside(confirm, _viewport(width, height)), confirm
    splits = [" ".join(t.split()) for t in page.locator("[data-testid=refund-split]").all_text_contents()]
    assert splits == ["Zurück auf Karte (am Terminal) 20,00 €", "Bar auszahlen 2,87 €"]
    page.screenshot(path=f"{SHOTS}/register-return-{width}x{height}.png")
    page.click("[data-testid=return-confirm]")
    page.wait_for_selector("[data-testid=return-done]")
    done = " ".join(page.text_content("[data-testid=return-done]").split())
    assert "Zurück auf Karte (am Terminal) 20,00 €" in done
    assert "Bar auszahlen 2,87 €" in done
    assert "−" not in done
    assert "Bar -" not in done
    page.screenshot(path=f"{SHOTS}/register-return-done-{width}x{height}.png")

"""An owner finds the (virtual) receipt printer on the network, adds it, prints a test page and sees it done."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.hardware.virtual.network_printer import VirtualNetworkPrinter
from kasse.printing.models import Printer
from kasse.printing.worker import process_next
from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser
from kasse.testing.register_login import approve_in_browser, unlock_in_browser


@pytest.mark.browser
def test_owner_discovers_adds_and_test_prints_a_printer(
    live_server, page, transactional_db, organization, store, register
):
    owner_user(organization, email="inhaber@example.org", language="de")
    with VirtualNetworkPrinter(0, paper_mm=80, idle_timeout=5) as virtual:
        log_in_in_browser(page, live_server.url, "inhaber@example.org")

        # When the owner opens Printers → Find printers and probes 127.0.0.1 on the virtual printer's port
        page.click("[data-testid=mainnav] >> text=Drucker")
        page.click("[data-testid=discover]")
        page.fill("input[name=targets]", "127.0.0.1")
        page.fill("input[name=port]", str(virtual.port))
        page.click("[data-testid=discover-run]")
        # Then it is found (asked for its status only) and can be added to the store with the address filled in
        found = page.locator(f"[data-testid=found-printer][data-port='{virtual.port}']")
        assert found.locator("td").first.text_content() == f"127.0.0.1:{virtual.port}"
        assert virtual.jobs == []
        found.locator("a", has_text="Filiale Mitte").click()
        assert page.input_value("input[name=host]") == "127.0.0.1"
        page.fill("input[name=name]", "Bondrucker Theke")
        page.check(f"input[name=registers][value='{register.pk}']")
        page.click("[data-testid=printer-save]")
        page.wait_for_selector("[data-testid=printer-row]")

        # When they print a test page and the store node's worker sends it
        page.click("[data-testid=printer-test]")
        assert page.locator("[data-testid=job-row]").get_attribute("data-status") == "queued"
        with scopes_disabled():
            printer = Printer.objects.get()
        assert process_next(printer.pk).outcome == "done"
        # Then the virtual printer has it, and the page (polling) shows it printed and the printer ready
        assert "Testseite" in virtual.wait_for_jobs(1)[0].text
        page.wait_for_selector("[data-testid=job-row][data-status=done]", timeout=10_000)
        assert page.text_content("[data-testid=printer-status]").strip() == "bereit"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cashier_sees_paper_out_and_opens_the_drawer_with_a_manager_pin(
    live_server, page, register, device, cashier, manager, receipt_printer
):
    from django.utils import timezone

    from kasse.core.actors import Actor
    from kasse.printing.models import PrinterState, PrintJob
    from kasse.register.services.pairing import DEVICE_COOKIE
    from kasse.sales.services.shifts import open_shift

    base = live_server.url
    open_shift(actor=Actor.system(), register=register, employee=cashier, count={"20": 5})
    with scopes_disabled():
        PrinterState.objects.create(
            organization=register.organization,
            printer=receipt_printer,
            reachable=True,
            online=True,
            paper_out=True,
            health="fault",
            checked_at=timezone.now(),
        )
    page.context.add_cookies([{"name": DEVICE_COOKIE, "value": "device-token", "url": base}])
    page.goto(base + "/register/")
    unlock_in_browser(page, "Clara", "1111")
    # The top bar shows the printer's last known state
    indicator = page.wait_for_selector("[data-testid=printer-indicator][data-status=paper_out]")
    assert "Papier leer" in indicator.text_content()
    # Clara may not open the drawer herself: Max types his PIN
    page.click("[data-testid=shift-button]")
    page.click("[data-testid=open-drawer]")
    page.click("[data-testid=drawer-open]")
    page.wait_for_selector("[data-testid=toast]:has-text('Manager-PIN ist nötig')")
    approve_in_browser(page, "Max", "2222", pin_testid="drawer-pin")
    page.click("[data-testid=drawer-open]")
    page.wait_for_selector("[data-testid=toast]:has-text('Die Kassenlade öffnet sich.')")
    assert page.locator("[data-testid=drawer-form]").count() == 0
    with scopes_disabled():
        assert list(PrintJob.objects.values_list("kind", flat=True)) == ["drawer"]

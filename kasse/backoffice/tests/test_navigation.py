"""The back office's menu: groups an owner recognises, only pages that exist and that the role may open,
the active page and its group marked; on a phone behind a "Menu" button, on a laptop a narrow side column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import resolve

from kasse.backoffice import navigation
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory, owner_user

SCREENSHOTS = Path(os.environ.get("KASSE_SCREENSHOTS", "/tmp/kasse-screenshots"))


def _menu(client: Client, path: str = "/") -> list[tuple[str, list[str]]]:
    """The side menu as (group, [pages]); a group of one page is a link of its own: (group, [])."""
    soup = BeautifulSoup(client.get(path).content, "html.parser")
    menu = []
    for group in soup.select("[data-testid=mainnav] [data-testid=navgroup]"):
        if group.name == "a":
            menu.append((group.get_text(strip=True), []))
        else:
            menu.append(
                (
                    group.select_one(".navgroup-title").get_text(strip=True),
                    [a.get_text(strip=True) for a in group.select("a")],
                )
            )
    return menu


def _login(organization, language: str, role=None) -> Client:
    user = owner_user(organization, language=language) if role is None else UserFactory(language=language)
    if role is not None:
        EmployeeFactory(organization=organization, user=user, role=role)
    client = Client()
    client.force_login(user)
    client.post("/language/", {"language": language})
    return client


@pytest.mark.django_db
def test_an_owner_sees_the_groups_a_shop_owner_thinks_in(organization, store):
    assert _menu(_login(organization, "de")) == [
        ("Übersicht", []),
        (
            "Verkäufe",
            ["Belege", "Berichte", "Live-Verkäufe", "Z-Bons & Schichten", "Kassenbuch", "Exporte", "DATEV-Export"],
        ),
        ("Artikel", ["Sortiment", "Aktionen", "Bestand", "Wareneingang", "Etiketten"]),
        ("Kunden", ["Kunden", "Treueprogramm", "Geschenkgutscheine", "Kampagnen"]),
        ("Team", []),
        ("Finanzamt", ["TSE", "Protokoll (Audit-Log)", "DSFinV-K-Export", "Kassenmeldung"]),
        (
            "Einstellungen",
            [
                "Organisation",
                "Filialen und Kassen",
                "Geräte",
                "Drucker",
                "Scanner & Displays",
                "Filialserver",
                "API",
                "Webhooks",
            ],
        ),
    ]
    assert [group for group, _pages in _menu(_login(organization, "en"))] == [
        "Overview",
        "Sales",
        "Articles",
        "Customers",
        "Team",
        "Tax office",
        "Settings",
    ]


@pytest.mark.django_db
def test_every_link_in_the_menu_opens_a_page(organization, store):
    client = _login(organization, "en")
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    links = {a["href"] for a in soup.select("[data-testid=mainnav] a")}
    assert len(links) == 30
    for href in links:
        assert client.get(href, follow=True).status_code == 200, href
    # and the phone menu holds the same links
    assert {a["href"] for a in soup.select("[data-testid=navmenu] a")} == links


@pytest.mark.django_db
def test_a_store_manager_sees_only_the_pages_their_role_opens(organization, store):
    client = _login(organization, "en", role=(store, Role.MANAGER))
    menu = _menu(client)
    assert "Settings" not in [group for group, _pages in menu]
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    for a in soup.select("[data-testid=mainnav] a"):
        assert client.get(a["href"], follow=True).status_code == 200, a["href"]


@pytest.mark.django_db
def test_a_cashier_with_a_login_sees_only_the_overview(organization, store):
    assert _menu(_login(organization, "en", role=(store, Role.CASHIER))) == [("Overview", [])]


@pytest.mark.django_db
def test_a_page_not_built_yet_is_left_out_and_an_empty_group_with_it(organization, store, monkeypatch):
    monkeypatch.setattr(
        navigation,
        "NAV_GROUPS",
        [
            *navigation.NAV_GROUPS,
            navigation.NavGroup("Reports", (navigation.NavItem("nowhere:report-list", "Sales by day"),)),
        ],
    )
    assert "Reports" not in [group for group, _pages in _menu(_login(organization, "en"))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "group", "page"),
    [
        ("/", "Overview", "Overview"),
        ("/devices/printers/labels/", "Articles", "Labels"),
        ("/stock/levels/", "Articles", "Stock"),
        ("/devices/printers/", "Settings", "Printers"),
        ("/settings/stores/", "Settings", "Stores and registers"),
        ("/settings/employees/new/", "Team", "Team"),
        ("/nodes/live/", "Sales", "Live sales"),
    ],
)
def test_the_page_open_and_its_group_are_marked(organization, store, path, group, page):
    soup = BeautifulSoup(_login(organization, "en").get(path).content, "html.parser")
    nav = soup.select_one("[data-testid=mainnav]")
    assert [a.get_text(strip=True) for a in nav.select("a.active")] == [page]
    assert nav.select_one("a.active")["aria-current"] == "page"
    active_groups = nav.select("[data-testid=navgroup].active")
    assert len(active_groups) == 1
    title = active_groups[0].select_one(".navgroup-title")
    assert (title or active_groups[0]).get_text(strip=True) == group
    assert resolve(path)  # the path is a real page


# --- in Chromium: a phone and a laptop -------------------------------------------------------------------

_NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _signed_in_page(browser, live_server, organization, width: int, height: int):
    owner_user(organization, email="inhaber@example.org", language="de")
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": height}, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=email]", "inhaber@example.org")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("[data-testid=login-submit]")
    page.wait_for_url(live_server.url + "/")
    return context, page


def _one_line(locator) -> bool:
    """Every link's text in one line (its height is that of one line of its font) and none cut off."""
    one_line = all(box["height"] < 48 for box in (a.bounding_box() for a in locator.all()) if box)
    return one_line and locator.evaluate_all("links => links.every(a => a.scrollWidth <= a.clientWidth)")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_menu_is_one_button_and_opens_every_group(browser, live_server, organization, store):
    context, page = _signed_in_page(browser, live_server, organization, 390, 844)
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "menu-phone-closed.png"))
        assert page.locator("[data-testid=mainnav]").is_hidden()
        button = page.locator("[data-testid=navmenu-button]")
        assert button.is_visible()
        topbar = page.locator(".topbar").bounding_box()
        assert topbar is not None
        assert topbar["height"] < 70  # one row: nothing wrapped
        assert page.evaluate(_NO_OVERFLOW)
        # When the owner taps Menü
        button.click()
        panel = page.locator(".navmenu-panel")
        assert panel.is_visible()
        assert _one_line(panel.locator("a"))
        assert page.evaluate(_NO_OVERFLOW)
        page.screenshot(path=str(SCREENSHOTS / "menu-phone-open.png"), full_page=True)
        # Then every page is one tap away: Drucker opens the printers page, marked in the menu
        panel.locator("a", has_text="Drucker").click()
        page.wait_for_url("**/devices/printers/")
        page.locator("[data-testid=navmenu-button]").click()
        assert page.locator(".navmenu-panel a.active").text_content().strip() == "Drucker"
        assert page.evaluate(_NO_OVERFLOW)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_laptop_the_menu_is_a_narrow_column_always_open(browser, live_server, organization, store):
    context, page = _signed_in_page(browser, live_server, organization, 1366, 768)
    try:
        nav = page.locator("[data-testid=mainnav]")
        assert nav.is_visible()
        assert page.locator("[data-testid=navmenu]").is_hidden()
        box = nav.bounding_box()
        assert box is not None
        assert box["width"] <= 1366 / 6  # far less than a third of the screen
        assert _one_line(nav.locator("a"))
        # and whole when it is the page shown: in bold, "Geschenkgutscheine" lost its last letter
        assert (
            nav.locator("a").evaluate_all(
                "links => links.filter(a => { a.classList.add('active'); return a.scrollWidth > a.clientWidth; })"
                ".map(a => a.textContent.trim())"
            )
            == []
        )
        page.reload()
        assert page.evaluate(_NO_OVERFLOW)
        nav.locator("a", has_text="Wareneingang").click()
        page.wait_for_url("**/stock/receipts/**")
        assert page.locator("[data-testid=mainnav] a.active").text_content().strip() == "Wareneingang"
        group = page.locator("[data-testid=mainnav] .navgroup.active .navgroup-title")
        assert group.text_content().strip() == "Artikel"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "menu-laptop.png"))
        assert page.evaluate(_NO_OVERFLOW)
    finally:
        context.close()


# --- technical words wait under "Advanced" ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_scanners_timings_are_under_advanced_on_the_register_settings_page(organization, store):
    client = _login(organization, "de")
    soup = BeautifulSoup(client.get(f"/devices/store/{store.pk}/settings/").content, "html.parser")
    advanced = soup.select_one("[data-testid=advanced]")
    assert advanced.select_one("summary").get_text(strip=True) == "Erweitert"
    assert advanced.get("open") is None  # closed: the owner meets the keyboard layout and the beep first
    inside = {field["name"] for field in advanced.select("input, select")}
    assert {"scanner_max_gap_ms", "scanner_pause_ms", "scanner_late_suffix_ms"} <= inside
    outside = {field["name"] for field in soup.select("form input, form select") if field not in advanced.select("*")}
    assert "scanner_layout" in outside
    assert not outside & inside
    # and a mistake inside opens it
    data = {field["name"]: field.get("value", "") for field in soup.select("form input") if field.get("name")}
    for select in soup.select("form select"):
        chosen = select.select_one("option[selected]") or select.select_one("option")
        data[select["name"]] = chosen.get("value", "")
    data["scanner_max_gap_ms"] = "999"
    page = BeautifulSoup(client.post(f"/devices/store/{store.pk}/settings/", data).content, "html.parser")
    assert page.select_one("[data-testid=advanced] [data-testid=error-scanner_max_gap_ms]") is not None
    assert page.select_one("[data-testid=advanced]").get("open") is not None


@pytest.mark.django_db
def test_printer_discovery_speaks_without_protocol_words(organization, store):
    page = _login(organization, "de").get("/devices/printers/discover/").content.decode()
    assert "DLE EOT" not in page


@pytest.mark.django_db
def test_the_printer_form_speaks_without_protocol_words(organization, store):
    client = _login(organization, "de")
    page = client.get(f"/devices/printers/new/{store.pk}/?connection=bluetooth").content.decode()
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("[data-testid=field-bluetooth_channel] label").get_text(strip=True) == "Bluetooth-Kanal"
    options = [o.get_text(strip=True) for o in soup.select("[data-testid=printer-connection] option")]
    assert "Bluetooth" in options
    assert "RFCOMM" not in page.upper().replace("/DEV/RFCOMM", "")

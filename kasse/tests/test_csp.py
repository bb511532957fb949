"""Content-Security-Policy: on every response, and the register, display and back office work under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.csp import POLICY

TEMPLATES = Path(settings.BASE_DIR)
# E-mails are not web pages: mail programs need their styles inline.
NOT_PAGES = re.compile(r"/email_body\.html$|/email/")
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|\sstyle=\"|\son[a-z]+=\"|<style", re.IGNORECASE
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/register/pair/", "/health", "/api/v1/docs", "/no-such-page/"])
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == POLICY
    assert "script-src 'self'" in POLICY
    assert "'unsafe-inline'" not in POLICY
    assert "'unsafe-eval'" not in POLICY


def _script_sources(policy: str) -> list[str]:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    return directives["script-src"].split()


@pytest.mark.django_db
def test_register_display_and_back_office_pages_carry_a_policy_without_inline_script(organization, store, owner):
    from kasse.core.actors import Actor
    from kasse.register.models import RegisterDevice
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.models import Employee
    from kasse.testing.factories import RegisterFactory
    from kasse.testing.plugin import paired_client
    from kasse.tests.test_tenant_isolation import _unlocked_register

    register_client = _unlocked_register(organization, store)
    with scopes_disabled():
        device = RegisterDevice.objects.select_related("register").get(register__store=store)
        cashier = Employee.objects.get(roles__store=store, user__isnull=True)
    open_shift(actor=Actor.system(), register=device.register, employee=cashier, count={})
    display_client = paired_client(RegisterFactory(store=store, organization=organization), token="d")
    office = Client()
    office.force_login(owner)
    surfaces = {
        "register": (
            register_client,
            [
                "/register/",
                "/register/products/",
                "/register/cart/",
                "/register/cart/pay/panel/?payments=[]",
                "/register/cart/pay/card/?amount=1.00",
                "/register/returns/",
                "/register/receipts/",
                "/register/shift/menu/",
                "/jsi18n/de.js",
            ],
        ),
        "lock screen": (display_client, ["/register/lock/"]),
        "display": (display_client, ["/register/display/"]),
        "back office": (
            office,
            ["/", "/catalog/", "/customers/", "/settings/employees/", "/devices/", "/nodes/live/", "/stock/receipts/"],
        ),
    }
    for surface, (client, paths) in surfaces.items():
        for path in paths:
            response = client.get(path, follow=True)
            assert response.status_code == 200, (surface, path)
            policy = response["Content-Security-Policy"]
            assert policy == POLICY, (surface, path)
            assert _script_sources(policy) == ["'self'"], (surface, path)
            assert "'unsafe-inline'" not in policy, (surface, path)


def test_no_template_has_inline_script_style_or_event_handler():
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in TEMPLATES.rglob("templates/**/*.html")
        if not NOT_PAGES.search(str(path))
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def _violations(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console", lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None
    )
    return messages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_office_register_and_display_work_under_the_policy(live_server, browser, organization, store, owner):
    from kasse.catalog.models import Category
    from kasse.core.actors import Actor
    from kasse.register.models import RegisterDevice
    from kasse.register.services.pairing import DEVICE_COOKIE
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.models import Employee
    from kasse.testing.factories import ProductFactory, RegisterFactory
    from kasse.testing.plugin import paired_client
    from kasse.tests.test_tenant_isolation import _unlocked_register

    with scopes_disabled():
        bread = Category.objects.create(organization=organization, name="Brot", color="#ff0000")
        ProductFactory(organization=organization, name="Roggenbrot", category=bread)
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})  # policy enforced
    context.set_default_timeout(30_000)  # a loaded CI machine
    page = context.new_page()
    violations = _violations(page)
    # The back office, logged in as the owner
    client = Client()
    client.force_login(owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    for path in ("/", "/settings/employees/", "/catalog/", "/settings/api/", "/nodes/", "/nodes/live/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    page.goto(live_server.url + "/catalog/categories/")
    swatch = page.wait_for_selector(".swatch")
    assert swatch.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 0, 0)"
    # The register, unlocked, with the category's colour on its tab
    register_client = _unlocked_register(organization, store)
    with scopes_disabled():
        device = RegisterDevice.objects.select_related("register").get(register__store=store)
        cashier = Employee.objects.get(roles__store=store, user__isnull=True)
    open_shift(actor=Actor.system(), register=device.register, employee=cashier, count={})
    register_page = page.context.new_page()
    register_violations = _violations(register_page)
    register_page.context.clear_cookies()
    register_page.context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in register_client.cookies.items()
        ]
    )
    register_page.goto(live_server.url + "/register/")
    register_page.wait_for_selector("body[data-ready='1']")
    tab = register_page.wait_for_selector("[data-testid=category-tab][data-color]")
    assert tab.evaluate("el => getComputedStyle(el).borderTopColor") == "rgb(255, 0, 0)"
    # and htmx still works under the policy: a tapped product lands in the cart
    tab.click()
    # (the colour is painted when htmx settles the swapped grid, a moment after the tile appears)
    register_page.wait_for_selector("[data-testid=tile][data-name='Roggenbrot'][style*='border-top-color']")
    tile = register_page.wait_for_selector("[data-testid=tile][data-name='Roggenbrot']")
    assert tile.evaluate("el => getComputedStyle(el).borderTopColor") == "rgb(255, 0, 0)"
    tile.click()
    register_page.wait_for_selector("[data-testid=cart-line]")
    # The customer display of another register of the store
    display_register = RegisterFactory(store=store, organization=organization)
    paired_client(display_register, token="display-token")
    display = page.context.new_page()
    display_violations = _violations(display)
    display.context.add_cookies([{"name": DEVICE_COOKIE, "value": "display-token", "url": live_server.url}])
    display.goto(live_server.url + "/register/display/")
    display.wait_for_selector("[data-testid=display]")
    display.wait_for_timeout(500)
    assert violations + register_violations + display_violations == []
    context.close()

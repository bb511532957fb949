"""The back office as an installable app: manifest, icons, service worker (push and offline), at 390 px."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from kasse.backoffice.tests.test_browser_widths import _OVERFLOW
from kasse.core.csp import POLICY
from kasse.testing.factories import owner_user
from kasse.testing.plugin import soup_of


def test_the_manifest_makes_the_back_office_installable(client: Client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["name"] == "kasse"
    assert manifest["short_name"] == "kasse"
    assert manifest["description"] == "Verkäufe, Bestand, Kunden und Benachrichtigungen Ihres Geschäfts"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon
        with Image.open(found) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_the_service_worker_is_served_for_the_whole_site_under_the_strict_policy(client: Client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Security-Policy"] == POLICY
    assert "unsafe-inline" not in POLICY
    source = response.content.decode()
    for listener in ("install", "activate", "fetch", "push", "notificationclick", "pushsubscriptionchange"):
        assert f'addEventListener("{listener}"' in source
    offline = client.get("/offline/")
    assert offline.status_code == 200
    assert soup_of(offline).select_one("[data-testid=offline-page] h1").get_text() == "Keine Verbindung"


@pytest.mark.django_db
def test_every_page_links_the_manifest_and_registers_the_worker_without_inline_script(owner_client: Client):
    page = soup_of(owner_client.get("/notifications/settings/"))
    assert page.select_one('link[rel="manifest"]')["href"] == "/manifest.webmanifest"
    assert page.select_one('link[rel="apple-touch-icon"]')["href"].endswith("apple-touch-icon.png")
    scripts = page.select("script")
    assert all(s.get("src") for s in scripts)  # no inline script anywhere
    assert any(s["src"].endswith("kasse/pwa.js") for s in scripts)
    assert any(s["src"].endswith("notifications/push.js") for s in scripts)


def test_the_icons_in_the_repository_are_what_the_script_draws(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_icons", Path(__file__).parents[3] / "scripts" / "make-icons.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    drawn = BytesIO()
    module.draw(192, maskable=False, rounded=True).save(drawn, format="PNG")
    with Image.open(drawn) as fresh, Image.open(finders.find("kasse/icons/icon-192.png")) as kept:
        assert fresh.size == kept.size
        assert fresh.mode == kept.mode
        assert list(fresh.getdata()) == list(kept.getdata())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_worker_runs_shows_a_push_and_the_settings_fit(browser, live_server, organization, store):
    owner_user(organization, email="inhaber@example.org", language="de")
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(10_000)
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server.url + "/login/")
    page.fill("input[name=email]", "inhaber@example.org")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("[data-testid=login-submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/notifications/settings/")
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == live_server.url + "/"
    manifest = page.evaluate("async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()")
    assert manifest["display"] == "standalone"
    # Nothing is wider than the phone; the push button is there to tap
    page.screenshot(path="/tmp/kasse-pwa-390.png", full_page=True)
    assert page.evaluate(_OVERFLOW) is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.locator("[data-testid=push-enable]").bounding_box()
    assert button
    assert button["height"] >= 40
    assert button["x"] + button["width"] <= 390
    # A push message reaches the service worker, which shows it as a notification
    cdp = context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(200)
    assert registrations
    payload = {"title": "kasse", "body": "Filiale Mitte: Rückgabe über -12,50 €", "url": "/notifications/", "tag": "t1"}
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registrations[-1], "data": json.dumps(payload)},
    )
    shown = page.evaluate(
        """async () => {
          const registration = await navigator.serviceWorker.ready;
          for (let i = 0; i < 50; i++) {
            const list = await registration.getNotifications();
            if (list.length) return list.map(n => [n.title, n.body, n.tag, n.data.url]);
            await new Promise(r => setTimeout(r, 100));
          }
          return [];
        }"""
    )
    assert shown == [["kasse", "Filiale Mitte: Rückgabe über -12,50 €", "t1", "/notifications/"]]
    assert violations == []
    page.screenshot(path="/tmp/kasse-pwa-390.png", full_page=True)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_worker_renews_a_changed_subscription_and_the_server_replaces_the_old_one(
    browser, live_server, organization, store
):
    from django_scopes import scopes_disabled

    from kasse.notifications import vapid
    from kasse.notifications.devices import save_push_subscription
    from kasse.notifications.models import PushSubscription
    from kasse.testing.push_service import PushService

    owner = owner_user(organization, email="inhaber@example.org", language="de")
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(10_000)
    with PushService() as push_service:
        old = push_service.subscribe(vapid.application_server_key())
        save_push_subscription(user=owner, organization=organization, data=old, label="Chrome auf Android")
        renewed = push_service.subscribe(vapid.application_server_key())
        page = context.new_page()
        page.goto(live_server.url + "/login/")
        page.fill("input[name=email]", "inhaber@example.org")
        page.fill("input[name=password]", "correct horse battery staple")
        page.click("[data-testid=login-submit]")
        page.wait_for_url(live_server.url + "/")
        page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
        (worker,) = [w for w in context.service_workers if w.url.endswith("/sw.js")]
        # The browser's own push service (FCM for Chromium) is the one thing not run here: its subscribe()
        # hands back a subscription of the local push service, and records the key it was asked to use.
        outcome = worker.evaluate(
            """async ([renewed, oldEndpoint]) => {
              const manager = self.registration.pushManager;
              manager.getSubscription = async () => null;
              manager.subscribe = async (options) => {
                self.askedWith = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
                return { endpoint: renewed.endpoint, toJSON: () => renewed };
              };
              const result = await resubscribe({ endpoint: oldEndpoint }, null);
              return [result, self.askedWith];
            }""",
            [renewed, old["endpoint"]],
        )
        context.close()
    assert outcome[0] == "replaced"
    key = vapid.application_server_key()
    assert outcome[1].rstrip("=").replace("+", "-").replace("/", "_") == key
    with scopes_disabled():
        (device,) = PushSubscription.objects.filter(user=owner)
    assert (device.endpoint, device.label) == (renewed["endpoint"], "Chrome auf Android")

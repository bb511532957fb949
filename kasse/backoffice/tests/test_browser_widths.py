"""Every page of the back-office menu on a phone (390 px) and a laptop (1366 px): nothing wider than the
screen (the document does not scroll sideways; a wide table scrolls inside its own box), with a day of
sales, stock and a reorder level on the pages so that their tables have rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kasse.bookkeeping.tests import conftest as bookkeeping
from kasse.testing.factories import owner_user

closed_day = bookkeeping.closed_day

SCREENSHOTS = Path(os.environ.get("KASSE_SCREENSHOTS", "/tmp/kasse-screenshots")) / "widths"

# The widest element that sticks out, to name it when a page is too wide.
_OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  let worst = null;
  for (const el of document.querySelectorAll('body *')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) {
      const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
      const testid = el.dataset.testid ? '[' + el.dataset.testid + ']' : '';
      worst = {right, what: el.tagName.toLowerCase() + classes + testid};
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, worst};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_menu_page_fits_a_phone_and_a_laptop(browser, live_server, organization, store, closed_day):
    owner_user(organization, email="inhaber@example.org", language="de")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide: dict[str, object] = {}
    for width, height in ((390, 844), (1366, 768)):
        context = browser.new_context(locale="de-DE", viewport={"width": width, "height": height}, bypass_csp=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            page.goto(live_server.url + "/login/")
            page.fill("input[name=email]", "inhaber@example.org")
            page.fill("input[name=password]", "correct horse battery staple")
            page.click("[data-testid=login-submit]")
            page.wait_for_url(live_server.url + "/")
            links = page.locator("[data-testid=mainnav] a, .navmenu-panel a").evaluate_all(
                "links => [...new Set(links.map(a => a.getAttribute('href')))]"
            )
            assert len(links) >= 20, links  # every page of the menu: the owner sees them all
            if width < 900:
                # On a phone the menu is one button in one top row, not a column beside the page
                assert page.locator("[data-testid=mainnav]").is_hidden()
                bar = page.locator(".topbar").bounding_box()
                assert bar is not None
                assert bar["height"] < 70
            else:
                nav = page.locator("[data-testid=mainnav]").bounding_box()
                assert nav is not None
                assert nav["width"] <= width / 6
            for href in links:
                page.goto(live_server.url + href)
                page.wait_for_load_state("load")
                found = page.evaluate(_OVERFLOW)
                if found is not None:
                    too_wide[f"{width} px {href}"] = found
                    name = href.strip("/").replace("/", "-") or "overview"
                    page.screenshot(path=str(SCREENSHOTS / f"{width}-{name}.png"), full_page=True)
        finally:
            context.close()
    assert not too_wide, too_wide

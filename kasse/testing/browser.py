"""Playwright driving Debian's Chromium, for browser tests of what people do.

Use the ``page`` fixture (``kasse/testing/plugin.py``) together with pytest-django's
``live_server``; mark such tests ``@pytest.mark.browser`` and give them
``transactional_db`` so the server thread sees the rows the test made.

One Chromium serves every browser test of a test process (``SharedChromium``); each test gets a
new browser context (cookies, storage, viewport of its own), which costs milliseconds where a
Chromium costs seconds.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kasse.testing.services import require_chromium

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A Chromium of its own, closed afterwards."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class SharedChromium:
    """One Chromium for many tests, started on first use.

    Playwright's sync API marks an asyncio event loop as running in the main thread for as long as it is
    open. Django then refuses ORM calls there unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set, and
    ``async_to_sync`` refuses to run at all. So the plugin runs browser tests last in each test process
    and stops the shared Chromium before any other test; ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set only while
    it runs.
    """

    def __init__(self) -> None:
        self._manager: Any = None
        self._browser: Any = None

    @property
    def running(self) -> bool:
        return self._manager is not None

    def get(self) -> Any:
        if self._browser is not None and not self._browser.is_connected():
            self.stop()  # it crashed: start a new one rather than fail every later test
        if self._browser is None:
            executable = require_chromium()
            from playwright.sync_api import sync_playwright

            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._manager = sync_playwright()
            playwright = self._manager.__enter__()
            try:
                self._browser = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_ARGS
                )
            except BaseException:
                self.stop()
                raise
        return self._browser

    def close_contexts(self) -> None:
        """Close what a test left open, so that the next test starts with a browser like new."""
        if self._browser is not None and self._browser.is_connected():
            for context in list(self._browser.contexts):
                context.close()

    def stop(self) -> None:
        browser, manager = self._browser, self._manager
        self._browser = self._manager = None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        finally:
            if manager is not None:
                manager.__exit__(None, None, None)
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@contextmanager
def browser_slot() -> Iterator[None]:
    """Hold one of the machine's browser slots while a browser test runs.

    Each xdist worker has a Chromium of its own, and a browser test keeps several processes busy (the test,
    its live server, Chromium's browser and renderer, Playwright's driver). CI's PostgreSQL run has three
    workers on two cores, and with the three of them in browser tests at once, beside the SQLite tier, the
    load reached 11: a scanner burst typed by Playwright then arrived with gaps longer than the register's
    160 ms pause and was taken as two scans (a test failed twice in a row). So at most
    ``KASSE_BROWSER_SLOTS`` (default: the number of cores) browser tests run at once on the machine, over
    every test process (an ``flock`` on one of that many files; the kernel releases it when a process dies);
    a worker waiting for a slot waits idle, which costs nothing on cores that the others keep busy.
    """
    count = max(1, int(os.environ.get("KASSE_BROWSER_SLOTS") or os.cpu_count() or 1))
    directory = Path(tempfile.gettempdir()) / "kasse-browser-slots"
    directory.mkdir(exist_ok=True)
    handles = [open(directory / f"slot-{number}", "a") for number in range(count)]  # noqa: SIM115
    held = None
    try:
        while held is None:
            for handle in handles:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                held = handle
                break
            else:
                time.sleep(0.05)
        yield
    finally:
        if held is not None:
            fcntl.flock(held, fcntl.LOCK_UN)
        for handle in handles:
            handle.close()


# Records what the register's scanner detection took as scans (``WedgeScanner.take``, scanner.js), without changing
# what it does: the test's window onto its decision.
_SCAN_RECORDER = """() => {
  window.__scansTaken = [];
  const proto = window.KasseWedgeScanner && window.KasseWedgeScanner.prototype;
  if (!proto || proto.__recorded) return;
  proto.__recorded = true;
  const take = proto.take;
  proto.take = function (chain, terminated) {
    window.__scansTaken.push(chain.keys.map((key) => key.ch).join(""));
    return take.call(this, chain, terminated);
  };
}"""
# Undoes what a scan's keys can leave when the register took them for a person's: their text in the focused field.
_CLEAR_FOCUSED_FIELD = """() => {
  const el = document.activeElement;
  if (el && el.tagName === "INPUT" && el.value) {
    el.value = "";
    el.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "deleteContentBackward" }));
  }
}"""


def scan(page: Any, code: str, attempts: int = 4) -> None:
    """What a keyboard-wedge scanner does: ``code`` typed 3 ms a key into whatever has the focus, then Enter;
    then 150 ms for the register to take it.

    Playwright sends each key through its driver and Chromium's browser process; on a loaded machine a key
    sometimes reaches the page 100–200 ms after the one before, which no scanner does, and the register then
    rightly takes the code as two (two refused scans, or a scan and keys typed by a person). When the register's
    scanner detection took anything but exactly ``code`` (what its ``take`` saw), the scan did not happen as a
    scanner's: whatever its keys left in the focused field is cleared and it is typed again, up to ``attempts``
    times. Nothing taken at all is left as it is (a page without the register's scanner detection, or keys a
    person's: the register's search box submits a code typed and Enter). Scanner timing itself, packets and
    pauses, has a timeline of its own in ``kasse/register/tests/test_browser_scanner.py``."""
    for _ in range(attempts):
        page.evaluate(_SCAN_RECORDER)
        page.keyboard.type(code, delay=3)
        page.keyboard.press("Enter")
        page.wait_for_timeout(150)
        taken = page.evaluate("() => window.__scansTaken")
        if not taken:  # a chain the register takes by timeout, a pause after its last key
            page.wait_for_timeout(400)
            taken = page.evaluate("() => window.__scansTaken")
        # (Playwright types a capital without Shift; the detection, reading US key positions, sees it small.)
        if [text.upper() for text in taken] in ([code.upper()], []):
            return
        page.wait_for_timeout(400)  # the register's pause and late Enter are over: what it made of the keys is done
        page.evaluate(_CLEAR_FOCUSED_FIELD)
    raise AssertionError(f"the machine did not deliver {code} at a scanner's pace in {attempts} tries")


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def wait_settled(page: Any) -> None:
    """Wait until htmx has no request in flight and has settled what it swapped in.

    htmx wires the ``hx-`` attributes of swapped-in content only when it settles (a task after the swap),
    so an input that is already visible may not answer yet: a test that fills it at once can type into an
    input nobody listens to. Wait for this between opening an overlay and typing into it.
    """
    # a function, not an expression: an expression is evaluated with eval, which the register's policy refuses
    page.wait_for_function("(busy) => !document.querySelector(busy)", arg=HTMX_BUSY)

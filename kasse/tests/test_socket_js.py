"""kasse/static/kasse/socket.js in Chromium: the one reconnect rule of the browser's WebSockets (backoff with
jitter and a cap, a fresh count after a connection opened, at once on resume, no return after a stop code,
a visible state). The sockets are Playwright's stand-ins, so each server answer is exact."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import kasse

pytestmark = pytest.mark.browser

ORIGIN = "http://127.0.0.1:9"  # never reached: every request of the page is answered by a route below
SOCKET_JS = (Path(kasse.__file__).parent / "static" / "kasse" / "socket.js").read_text(encoding="utf-8")
PAGE = """<!doctype html><html><body><script src="/socket.js"></script><script>
window.states = []; window.messages = [];
window.handle = kasseSocket.open("/ws/test/", {
  stopCodes: [4401],
  onState: (s) => { window.states.push(s); document.body.dataset.socket = s; },
  onMessage: (data) => window.messages.push(data),
});
</script></body></html>"""


def _serve(page, answer, after_js=""):
    """``answer(n, ws)`` handles the n-th connection (1, 2, ...); returns the list of connection times."""
    opened: list[float] = []

    def on_socket(ws):
        opened.append(time.monotonic())
        answer(len(opened), ws)

    page.route(f"{ORIGIN}/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    page.route(
        f"{ORIGIN}/socket.js", lambda route: route.fulfill(body=SOCKET_JS + after_js, content_type="text/javascript")
    )
    page.route_web_socket("**/ws/test/", on_socket)
    return opened


def _until(page, condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    return condition()


def test_the_wait_doubles_from_half_a_second_to_ten_and_jitter_only_shortens_it(page):
    _serve(page, lambda n, ws: None)
    page.goto(f"{ORIGIN}/")
    longest = page.evaluate("[0, 1, 2, 3, 5, 6, 20].map((n) => kasseSocket.delay(n, () => 0))")
    shortest = page.evaluate("[1, 2, 6].map((n) => kasseSocket.delay(n, () => 1))")
    assert longest == [0, 500, 1000, 2000, 8000, 10000, 10000]
    assert shortest == [250, 500, 5000]


def test_a_refused_socket_is_tried_again_with_backoff_and_shows_its_state(page):
    def answer(n, ws):
        if n <= 2:
            ws.close(code=1011, reason="not yet")
        else:
            ws.send(json.dumps({"hello": n}))
            ws.send("not json")

    opened = _serve(page, answer)
    page.goto(f"{ORIGIN}/")
    page.wait_for_selector("body[data-socket=open]", state="attached")
    assert page.evaluate("window.states") == ["connecting", "closed", "connecting", "closed", "connecting", "open"]
    assert page.evaluate("window.messages") == [{"hello": 3}]  # text that is not JSON is left out
    waits = [b - a for a, b in zip(opened, opened[1:], strict=False)]
    assert waits[0] >= 0.25  # first failure: 0.25–0.5 s
    assert waits[1] >= 0.5  # second: 0.5–1 s


def test_a_socket_that_opened_starts_the_count_over(page):
    def answer(n, ws):
        if n in (1, 2):
            ws.close(code=1011)  # two failures in a row: the next wait would be 1–2 s
        elif n == 3:
            ws.send(json.dumps({"ok": True}))
            ws.close(code=1001)  # opened, then lost: the count starts over (0.25–0.5 s)

    opened = _serve(page, answer)
    page.goto(f"{ORIGIN}/")
    assert _until(page, lambda: len(opened) == 4)
    assert opened[3] - opened[2] < 0.9


def test_a_stop_code_ends_it_and_resume_skips_the_wait(page):
    def answer(n, ws):
        if n == 1:
            ws.close(code=1011)
        elif n == 2:
            ws.close(code=4401)

    opened = _serve(page, answer, after_js="\nwindow.kasseSocket.rule.initial = 5000;")  # a wait of 2.5–5 s ...
    page.goto(f"{ORIGIN}/")
    assert _until(page, lambda: len(opened) == 1)
    page.wait_for_selector("body[data-socket=closed]", state="attached")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # ... but the browser is online again
    assert _until(page, lambda: len(opened) == 2, seconds=1.5)
    page.wait_for_selector("body[data-socket=stopped]", state="attached")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(700)
    assert len(opened) == 2  # 4401: the device is no longer paired, it does not come back

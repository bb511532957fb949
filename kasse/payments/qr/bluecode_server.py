"""A local HTTP server that answers like Bluecode's merchant API (v4), for the tests and the demo.

It follows Bluecode's documented requests and answers (see :mod:`kasse.payments.qr.bluecode`): Basic
authentication, ``/payment``, ``/status``, ``/cancel`` and ``/refund`` with their ``OK``, ``PROCESSING`` and
``ERROR`` answers, ``MERCHANT_TX_ID_NOT_UNIQUE`` for a repeated merchant transaction id and
``TRANSACTION_NOT_FOUND`` for one it never saw. The sandbox's documented "magic" barcodes behave as there:

====================== ==================================================
``98802222100100123456`` approved at once
``98802222999900301000`` PROCESSING, approved after ``processing_seconds``
``98802222999900315000`` PROCESSING until its ttl has passed, then FAILURE
``98888888888888888888`` INVALID_BARCODE
``98804444000000402006`` declined, INVALID_STATE
``98804444000000402007`` declined, LIMIT_EXCEEDED
``98802222999900500500`` SYSTEM_FAILURE (HTTP 500)
====================== ==================================================

Any other code of 18-20 digits starting with 988 is approved at once. ``scenario.fault`` breaks the next
request to one endpoint: no answer (``timeout``), the connection closed without an answer (``drop``), a
body that is not JSON (``garbage``) or an HTTP 500 page (``5xx``); ``scenario.book_before_fault`` says
whether a payment request was booked before the fault (the case a register has to find out about).

Run it: ``kasse bluecode_simulator --port 8470`` (user ``demo``, password ``demo``, branch ``demo-branch``).
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

APPROVE_NOW = "98802222100100123456"
APPROVE_LATER = "98802222999900301000"
TIME_OUT = "98802222999900315000"
INVALID = "98888888888888888888"
INVALID_STATE = "98804444000000402006"
LIMIT_EXCEEDED = "98804444000000402007"
SYSTEM_FAILURE = "98802222999900500500"


@dataclass
class Scenario:
    processing_seconds: float = 5.0  # APPROVE_LATER is approved this long after the request
    ttl_seconds: float = 15.0  # the ttl a PROCESSING answer carries
    check_in_seconds: float = 1.0  # the check_status_in it carries
    fault: str = ""  # "", "timeout", "drop", "garbage", "5xx": the next request to fault_endpoint
    fault_endpoint: str = "payment"  # or "*": every endpoint
    fault_once: bool = True
    book_before_fault: bool = True  # a /payment is booked (and later found by /status) before the fault
    hang_seconds: float = 3.0  # how long "timeout" keeps the request without an answer


@dataclass
class Booking:
    merchant_tx_id: str
    code: str
    amount: int
    branch: str
    acquirer_tx_id: str
    created: float
    state: str = "APPROVED"  # APPROVED, DECLINED, FAILURE, CANCELED, REFUNDED, or PROCESSING
    error_code: str = ""
    ready_at: float = 0.0  # PROCESSING until then
    final_state: str = "APPROVED"
    refunded: int = 0


@dataclass
class Journal:
    bookings: dict[str, Booking] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def count(self, endpoint: str, merchant_tx_id: str | None = None) -> int:
        return sum(
            1
            for name, body in self.requests
            if name == endpoint and (merchant_tx_id is None or body.get("merchant_tx_id") == merchant_tx_id)
        )


class _Fault(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


class VirtualBluecode:
    """The server; ``with VirtualBluecode() as bc: bc.url`` (port 0 picks a free one)."""

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        username: str = "demo",
        password: str = "demo",  # noqa: S107 - the simulator's own demo credentials
        branches: tuple[str, ...] = ("demo-branch",),
    ) -> None:
        self.host = host
        self.requested_port = port
        self.username = username
        self.password = password
        self.branches = set(branches)
        self.scenario = Scenario()
        self.journal = Journal()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v4"

    def start(self) -> VirtualBluecode:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
                log.debug("virtual bluecode: " + format, *args)

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                simulator._handle(self)

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                # not Bluecode's: a readiness probe for the demo's supervisor
                simulator._send(self, 200 if self.path == "/health" else 404, {"status": "ok"})

        self._server = ThreadingHTTPServer((self.host, self.requested_port), Handler)
        self._server.daemon_threads = True
        # Polls for shutdown every 50 ms: the default 500 ms was what each stop waited (a test's teardown, the demo)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="virtual-bluecode", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> VirtualBluecode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one request -------------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        endpoint = handler.path.rstrip("/").rsplit("/", 1)[-1]
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            self._send(handler, 400, {"result": "ERROR", "error_code": "ERROR_INVALID_PARAMETER"})
            return
        with self._lock:
            self.journal.requests.append((endpoint, body))
        if not self._authorized(handler):
            self._send(handler, 401, {"result": "ERROR", "error_code": "UNAUTHORIZED"})
            return
        fault = self._take_fault(endpoint)
        try:
            status, answer = self._answer(endpoint, body, fault)
        except _Fault as broken:
            self._break(handler, broken.kind)
            return
        self._send(handler, status, answer)

    def _authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return handler.headers.get("Authorization", "") == f"Basic {expected}"

    def _take_fault(self, endpoint: str) -> str:
        with self._lock:
            fault = self.scenario.fault if self.scenario.fault_endpoint in (endpoint, "*") else ""
            if fault and self.scenario.fault_once:
                self.scenario.fault = ""
            return fault

    def _break(self, handler: BaseHTTPRequestHandler, kind: str) -> None:
        if kind == "timeout":
            time.sleep(self.scenario.hang_seconds)
            kind = "drop"
        if kind == "garbage":
            payload = b"<html>502 Bad Gateway</html>\x00\xff"
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        if kind == "5xx":
            payload = b"<html><body>Internal Server Error</body></html>"
            handler.send_response(500)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        # drop: close the connection without a byte of answer (a reset, as a broken link gives)
        handler.close_connection = True
        sock = handler.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()
        except OSError:
            pass

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any]) -> None:
        payload = json.dumps(answer).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass

    # -- the API -----------------------------------------------------------------------------------
    def _answer(self, endpoint: str, body: dict[str, Any], fault: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if endpoint == "payment":
                return self._payment(body, fault)
            if fault and not self.scenario.book_before_fault:
                raise _Fault(fault)
            answer: tuple[int, dict[str, Any]] = (404, {"result": "ERROR", "error_code": "ERROR_INVALID_PARAMETER"})
            if endpoint == "status":
                answer = self._status(str(body.get("merchant_tx_id") or ""))
            elif endpoint == "cancel":
                answer = self._cancel(str(body.get("merchant_tx_id") or ""))
            elif endpoint == "refund":
                answer = self._refund(body)
            if fault:
                raise _Fault(fault)  # done, but the answer is lost
            return answer

    def _payment(self, body: dict[str, Any], fault: str) -> tuple[int, dict[str, Any]]:
        tx = str(body.get("merchant_tx_id") or "")
        code = str(body.get("barcode") or "")
        amount = body.get("requested_amount")
        if not tx or not isinstance(amount, int) or amount <= 0 or body.get("currency") != "EUR":
            return 400, {"result": "ERROR", "error_code": "ERROR_INVALID_PARAMETER"}
        if body.get("branch_ext_id") not in self.branches:
            return 400, {"result": "ERROR", "error_code": "BRANCH_NOT_FOUND"}
        if tx in self.journal.bookings:
            if fault:
                raise _Fault(fault)
            return 409, {"result": "ERROR", "error_code": "MERCHANT_TX_ID_NOT_UNIQUE"}
        if fault and not self.scenario.book_before_fault:
            raise _Fault(fault)
        if code == SYSTEM_FAILURE:
            if fault:
                raise _Fault(fault)
            return 500, {"result": "ERROR", "error_code": "SYSTEM_FAILURE"}
        if code == INVALID or not (code.isdigit() and 18 <= len(code) <= 20 and code.startswith("988")):
            if fault:
                raise _Fault(fault)
            return 400, {"result": "ERROR", "error_code": "INVALID_BARCODE"}
        booking = Booking(tx, code, amount, str(body["branch_ext_id"]), uuid.uuid4().hex[:21].upper(), time.time())
        if code in (INVALID_STATE, LIMIT_EXCEEDED):
            booking.state = "DECLINED"
            booking.error_code = "INVALID_STATE" if code == INVALID_STATE else "LIMIT_EXCEEDED"
        elif code == APPROVE_LATER:
            booking.state, booking.ready_at = "PROCESSING", booking.created + self.scenario.processing_seconds
        elif code == TIME_OUT:
            booking.state, booking.final_state = "PROCESSING", "FAILURE"
            booking.ready_at = booking.created + self.scenario.ttl_seconds + 1
        self.journal.bookings[tx] = booking
        if fault:
            raise _Fault(fault)
        return self._describe(booking)

    def _settle(self, booking: Booking) -> None:
        if booking.state == "PROCESSING" and time.time() >= booking.ready_at:
            booking.state = booking.final_state

    def _describe(self, booking: Booking) -> tuple[int, dict[str, Any]]:
        self._settle(booking)
        if booking.state == "PROCESSING":
            return 200, {
                "result": "PROCESSING",
                "status": {
                    "merchant_tx_id": booking.merchant_tx_id,
                    "check_status_in": int(self.scenario.check_in_seconds * 1000),
                    "ttl": int(self.scenario.ttl_seconds * 1000),
                },
            }
        payment: dict[str, Any] = {
            "state": booking.state,
            "merchant_tx_id": booking.merchant_tx_id,
            "acquirer_tx_id": booking.acquirer_tx_id,
            "scheme": "BLUE_CODE",
            "requested_amount": booking.amount,
            "total_amount": booking.amount,
            "consumer_tip_amount": 0,
            "currency": "EUR",
        }
        if booking.error_code:
            payment["code"] = booking.error_code
        return 200, {"result": "OK", "payment": payment}

    def _status(self, tx: str) -> tuple[int, dict[str, Any]]:
        booking = self.journal.bookings.get(tx)
        if booking is None:
            return 404, {"result": "ERROR", "error_code": "TRANSACTION_NOT_FOUND"}
        return self._describe(booking)

    def _cancel(self, tx: str) -> tuple[int, dict[str, Any]]:
        booking = self.journal.bookings.get(tx)
        if booking is None:
            return 404, {"result": "ERROR", "error_code": "TRANSACTION_NOT_FOUND"}
        self._settle(booking)
        if booking.state in ("PROCESSING", "APPROVED"):
            booking.state, booking.error_code = "CANCELED", ""
        elif booking.state == "REFUNDED":
            return 400, {"result": "ERROR", "error_code": "INVALID_STATE"}
        return 200, {"result": "OK"}

    def _refund(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        acquirer = str(body.get("acquirer_tx_id") or "")
        booking = next((b for b in self.journal.bookings.values() if b.acquirer_tx_id == acquirer), None)
        if booking is None:
            return 404, {"result": "ERROR", "error_code": "TRANSACTION_NOT_FOUND"}
        self._settle(booking)
        amount = body.get("amount", booking.amount - booking.refunded)
        if booking.state != "APPROVED" or not isinstance(amount, int) or amount <= 0:
            return 400, {"result": "ERROR", "error_code": "INVALID_STATE"}
        if booking.refunded + amount > booking.amount:
            return 400, {"result": "ERROR", "error_code": "AMOUNT_TOO_HIGH"}
        booking.refunded += amount
        if booking.refunded == booking.amount:
            booking.state = "REFUNDED"
        return 200, {"result": "OK", "refund": {"acquirer_tx_id": uuid.uuid4().hex[:21].upper(), "amount": amount}}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="A local server that answers like Bluecode's merchant API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8470)
    parser.add_argument("--processing", type=float, default=5.0, help="seconds until a 'later' code is approved")
    args = parser.parse_args(argv)
    server = VirtualBluecode(args.port, host=args.host)
    server.scenario.processing_seconds = args.processing
    server.start()
    print(f"virtual Bluecode on {server.url} (user demo, password demo, branch demo-branch)", flush=True)  # noqa: T201
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()

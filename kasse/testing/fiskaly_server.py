"""A local stand-in for fiskaly SIGN DE v2 on 127.0.0.1, for the fiskaly backend's tests.

It answers the requests kasse makes the way fiskaly's API reference describes them: ``POST /auth``
(API key and secret, or a refresh token), the TSS life cycle (CREATED → UNINITIALIZED →
INITIALIZED, admin PUK, PIN, login, logout), clients, transactions with ``tx_revision`` and the
``standard_v1`` schema (it writes processData from the JSON itself, so a test compares it with
kasse's own), exports, and error answers ``{status_code, error, code, message}``: 401 for a missing
or expired token, 404, 409 for a revision stored already, 400 for bad input. Signatures are real
(ECDSA on brainpoolP384r1 over TR-03151 log messages). Faults are injected per request:
``fail(method, path_part, kind)`` with kind ``500``/``503`` (an error answer), ``timeout`` (answer
only after ``delay`` seconds), ``lost`` (store the request, then answer too late, as when the
answer is lost on the way) or ``close`` (store the request, then close the connection without an
answer), and :meth:`FakeFiskaly.expire_tokens`. ``latency`` delays every answer (a realistic round
trip to fiskaly, for the benchmark).

It speaks HTTP/1.1 with keep-alive like fiskaly's servers: ``connections`` counts the connections
it accepted, and :meth:`FakeFiskaly.drop_connections` closes the open ones, as a server does with
an idle keep-alive connection. ``python -m kasse.testing.fiskaly_server`` runs it in a process of
its own (the benchmark: the real fiskaly's work is not done by the register's process).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kasse.fiscal.tse.log_message import TransactionLogMessage, b64, public_key_bytes, serial_number, sign_plain

RATES = ["NORMAL", "REDUCED_1", "SPECIAL_RATE_1", "SPECIAL_RATE_2", "NULL"]
BON = {
    "RECEIPT": "Beleg",
    "TRAINING": "AVTraining",
    "TRANSFER": "AVTransfer",
    "ORDER": "AVBestellung",
    "CANCELLATION": "AVBelegstorno",
    "ABORT": "AVBelegabbruch",
    "BENEFIT_IN_KIND": "AVSachbezug",
    "INVOICE": "AVRechnung",
    "OTHER": "AVSonstige",
}


class Problem(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Tss:
    id: str
    key: ec.EllipticCurvePrivateKey
    certificate: str
    state: str = "CREATED"
    puk: str = ""
    pin: str = ""
    admin: bool = False
    signature_counter: int = 0
    tx_counter: int = 0
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    txs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    exports: dict[str, int] = field(default_factory=dict)


@dataclass
class Fault:
    method: str
    path_part: str
    kind: str
    times: int = 1


class FakeFiskaly:
    def __init__(
        self,
        api_key: str = "key",
        api_secret: str = "secret",  # noqa: S107 - test credentials
        token_seconds: int = 300,
    ) -> None:
        self.api_key, self.api_secret, self.token_seconds = api_key, api_secret, token_seconds
        self.delay = 2.0
        self.latency = 0.0  # seconds every answer takes (fiskaly's round trip; 0.08 in the benchmark)
        self.lock = threading.Lock()
        self.tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.tss: dict[str, Tss] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []  # method, path, status answered
        self.logins: list[str] = []  # "api_key" or "refresh_token", per successful POST /auth
        self.connections = 0  # accepted (a client with keep-alive opens few)
        self.open: set[socket.socket] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def __enter__(self) -> FakeFiskaly:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.drop_connections()

    def drop_connections(self) -> None:
        """Close every open connection from the server's side (an idle keep-alive connection ended)."""
        with self.lock:
            sockets, self.open = list(self.open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):  # closed by the client already
                sock.shutdown(socket.SHUT_RDWR)

    def fail(self, method: str, path_part: str, kind: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method, path_part, kind, times))

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def _fault(self, method: str, path: str) -> str:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.path_part in path and fault.times > 0:
                    fault.times -= 1
                    return fault.kind
        return ""

    # -- HTTP -------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as fiskaly's servers
            # An answer is written as headers, then body: without TCP_NODELAY the body waits for the
            # client's delayed ACK of the headers on a kept-alive connection (about 40 ms per request).
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with fake.lock:
                    fake.connections += 1
                    fake.open.add(self.connection)

            def finish(self) -> None:
                with fake.lock:
                    fake.open.discard(self.connection)
                with contextlib.suppress(OSError):  # the connection was dropped under the handler
                    super().finish()

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def _serve(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if fake.latency:
                    time.sleep(fake.latency)
                fault = fake._fault(method, url.path)
                if fault in {"500", "503"}:
                    self._answer(
                        int(fault),
                        {
                            "status_code": int(fault),
                            "error": "Server Error",
                            "code": "E_INTERNAL",
                            "message": "injected",
                        },
                        method,
                        url.path,
                    )
                    return
                if fault == "timeout":
                    time.sleep(fake.delay)
                try:
                    body = json.loads(raw.decode() or "{}")
                    status, answer = fake.route(
                        method, url.path, parse_qs(url.query), body, self.headers.get("Authorization", "")
                    )
                except Problem as problem:
                    status, answer = (
                        problem.status,
                        {
                            "status_code": problem.status,
                            "error": "Error",
                            "code": problem.code,
                            "message": problem.message,
                        },
                    )
                except json.JSONDecodeError:
                    status, answer = (
                        400,
                        {"status_code": 400, "error": "Bad Request", "code": "E_JSON", "message": "body is not JSON"},
                    )
                if fault == "lost":
                    time.sleep(fake.delay)
                if fault == "close":  # stored, and the connection ends before the answer
                    with fake.lock:
                        fake.requests.append((method, url.path, 0))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._answer(status, answer, method, url.path)

            def _answer(self, status: int, answer: Any, method: str, path: str) -> None:
                with fake.lock:
                    fake.requests.append((method, path, status))
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header(
                        "Content-Type", "application/octet-stream" if isinstance(answer, bytes) else "application/json"
                    )
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def do_PUT(self) -> None:  # noqa: N802
                self._serve("PUT")

            def do_PATCH(self) -> None:  # noqa: N802
                self._serve("PATCH")

        return Handler

    # -- the API ----------------------------------------------------------------------------------
    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any], authorization: str
    ) -> tuple[int, Any]:
        path = path.removeprefix("/api/v2")
        with self.lock:
            if (method, path) == ("POST", "/auth"):
                return 200, self._auth(body)
            token = authorization.removeprefix("Bearer ")
            if self.tokens.get(token, 0) < time.monotonic():
                raise Problem(401, "E_UNAUTHORIZED", "access token missing or expired")
            match = re.fullmatch(r"/tss/([0-9a-f-]{36})(/.*)?", path)
            if not match:
                raise Problem(404, "E_NOT_FOUND", path)
            tss_id, rest = match.group(1), match.group(2) or ""
            if rest == "" and method == "PUT":
                return self._create_tss(tss_id)
            tss = self.tss.get(tss_id)
            if tss is None:
                raise Problem(404, "E_TSS_NOT_FOUND", f"no TSS {tss_id}")
            return self._tss_route(tss, method, rest, query, body)

    def _auth(self, body: dict[str, Any]) -> dict[str, Any]:
        if "refresh_token" in body:
            if body["refresh_token"] not in self.refresh_tokens:
                raise Problem(401, "E_UNAUTHORIZED", "refresh token not valid")
            self.refresh_tokens.discard(body["refresh_token"])
            self.logins.append("refresh_token")
        elif (body.get("api_key"), body.get("api_secret")) != (self.api_key, self.api_secret):
            raise Problem(401, "E_UNAUTHORIZED", "wrong API key or secret")
        else:
            self.logins.append("api_key")
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self.tokens[access] = time.monotonic() + self.token_seconds
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "access_token_expires_in": self.token_seconds,
            "refresh_token": refresh,
            "refresh_token_expires_in": self.token_seconds * 10,
        }

    def _create_tss(self, tss_id: str) -> tuple[int, Any]:
        if tss_id in self.tss:
            raise Problem(409, "E_TSS_CONFLICT", f"TSS {tss_id} exists")
        key = ec.generate_private_key(ec.BrainpoolP384R1())
        now = datetime.now(tz=UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake fiskaly TSS")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=5 * 365))
            .sign(key, hashes.SHA384())
        )
        tss = Tss(tss_id, key, cert.public_bytes(serialization.Encoding.PEM).decode(), puk=secrets.token_hex(5))
        self.tss[tss_id] = tss
        return 200, {**self._tss_json(tss), "admin_puk": tss.puk}

    def _tss_json(self, tss: Tss) -> dict[str, Any]:
        return {
            "_id": tss.id,
            "_type": "TSS",
            "_env": "TEST",
            "state": tss.state,
            "serial_number": serial_number(tss.key.public_key()).hex(),
            "public_key": b64(public_key_bytes(tss.key.public_key())),
            "signature_algorithm": "ecdsa-plain-SHA384",
            "signature_timestamp_format": "unixTime",
            "certificate": tss.certificate,
            "signature_counter": str(tss.signature_counter),
            "transaction_counter": str(tss.tx_counter),
            "description": "fake",
        }

    def _tss_route(
        self, tss: Tss, method: str, rest: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any]:
        if rest == "" and method == "GET":
            return 200, self._tss_json(tss)
        if rest == "" and method == "PATCH":
            wanted = str(body.get("state"))
            allowed = {("CREATED", "UNINITIALIZED"), ("UNINITIALIZED", "INITIALIZED"), ("INITIALIZED", "DISABLED")}
            if (tss.state, wanted) not in allowed and tss.state != wanted:
                raise Problem(400, "E_TSS_STATE", f"{tss.state} cannot become {wanted}")
            if wanted == "INITIALIZED" and tss.state != wanted and not tss.admin:
                raise Problem(401, "E_ADMIN_NOT_AUTHENTICATED", "log in as admin first")
            tss.state = wanted
            return 200, self._tss_json(tss)
        if rest == "/admin" and method == "PATCH":
            if body.get("admin_puk") != tss.puk or len(str(body.get("new_admin_pin", ""))) < 6:
                raise Problem(400, "E_PUK", "wrong PUK or PIN shorter than 6")
            tss.pin = str(body["new_admin_pin"])
            return 200, {}
        if rest == "/admin/auth" and method == "POST":
            if not tss.pin or body.get("admin_pin") != tss.pin:
                raise Problem(400, "E_ADMIN_PIN", "wrong admin PIN")
            tss.admin = True
            return 200, {}
        if rest == "/admin/logout" and method == "POST":
            tss.admin = False
            return 200, {}
        client = re.fullmatch(r"/client/([^/]+)", rest)
        if client:
            return self._client(tss, method, client.group(1), body)
        tx = re.fullmatch(r"/tx/([0-9a-f-]{36})", rest)
        if tx:
            revision = int(query.get("tx_revision", ["0"])[0])
            return self._tx(tss, method, tx.group(1), revision, body)
        export = re.fullmatch(r"/export/([0-9a-f-]{36})(/file)?", rest)
        if export:
            return self._export(tss, method, export.group(1), bool(export.group(2)))
        raise Problem(404, "E_NOT_FOUND", rest)

    def _client(self, tss: Tss, method: str, client_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        if method == "GET":
            if client_id not in tss.clients:
                raise Problem(404, "E_CLIENT_NOT_FOUND", client_id)
            return 200, tss.clients[client_id]
        if tss.state != "INITIALIZED" or not tss.admin:
            raise Problem(401, "E_ADMIN_NOT_AUTHENTICATED", "an initialised TSS and its admin register clients")
        if client_id in tss.clients:
            raise Problem(409, "E_CLIENT_CONFLICT", client_id)
        tss.clients[client_id] = {
            "_id": client_id,
            "_type": "CLIENT",
            "serial_number": body.get("serial_number"),
            "state": "REGISTERED",
            "tss_id": tss.id,
        }
        return 200, tss.clients[client_id]

    def _tx(self, tss: Tss, method: str, tx_id: str, revision: int, body: dict[str, Any]) -> tuple[int, Any]:
        revisions = tss.txs.get(tx_id, [])
        if method == "GET":
            if not revisions or revision > len(revisions):
                raise Problem(404, "E_TX_NOT_FOUND", tx_id)
            return 200, revisions[(revision or len(revisions)) - 1]
        if tss.state != "INITIALIZED":
            raise Problem(400, "E_TSS_NOT_INITIALIZED", tss.state)
        client = tss.clients.get(str(body.get("client_id")))
        if client is None:
            raise Problem(400, "E_CLIENT_NOT_REGISTERED", str(body.get("client_id")))
        if revision <= len(revisions):
            raise Problem(409, "E_TX_REVISION_CONFLICT", f"revision {revision} exists")
        if revision != len(revisions) + 1:
            raise Problem(400, "E_TX_REVISION", f"revision {revision} does not follow {len(revisions)}")
        if revisions and revisions[-1]["state"] != "ACTIVE":
            raise Problem(400, "E_TX_FINISHED", tx_id)
        if not revisions:
            tss.tx_counter += 1
        state = str(body.get("state"))
        process_type, process_data = _process(body.get("schema"))
        tss.signature_counter += 1
        now = int(time.time())
        number = revisions[0]["number"] if revisions else tss.tx_counter
        start = revisions[0]["time_start"] if revisions else now
        operation = "start" if not revisions else ("update" if state == "ACTIVE" else "finish")
        message = TransactionLogMessage(
            operation,
            client["_id"],
            process_data.encode(),
            process_type,
            number,
            serial_number(tss.key.public_key()),
            "ecdsa-plain-SHA384",
            tss.signature_counter,
            datetime.fromtimestamp(now, tz=UTC),
        )
        signature = b64(sign_plain(tss.key, "ecdsa-plain-SHA384", message.data_to_be_signed()))
        answer: dict[str, Any] = {
            "_id": tx_id,
            "_type": "TRANSACTION",
            "number": number,
            "state": state,
            "revision": revision,
            "latest_revision": revision,
            "client_id": client["_id"],
            "client_serial_number": client["serial_number"],
            "tss_id": tss.id,
            "tss_serial_number": serial_number(tss.key.public_key()).hex(),
            "time_start": start,
            "schema": body.get("schema", {}),
            "process_type": process_type,
            "process_data": base64.b64encode(process_data.encode()).decode(),
            "signature": {
                "value": signature,
                "counter": tss.signature_counter,
                "algorithm": "ecdsa-plain-SHA384",
                "public_key": b64(public_key_bytes(tss.key.public_key())),
            },
            "log": {"operation": operation.upper() + "_TRANSACTION", "timestamp": now, "timestamp_format": "unixTime"},
        }
        if state in {"FINISHED", "CANCELLED"}:
            answer["time_end"] = now
            t = lambda s: datetime.fromtimestamp(s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
            answer["qr_code_data"] = ";".join(
                [
                    "V0",
                    client["serial_number"],
                    process_type,
                    process_data,
                    str(number),
                    str(tss.signature_counter),
                    t(start),
                    t(now),
                    "ecdsa-plain-SHA384",
                    "unixTime",
                    signature,
                    answer["signature"]["public_key"],
                ]
            )
        tss.txs[tx_id] = [*revisions, answer]
        return 200, answer

    def _export(self, tss: Tss, method: str, export_id: str, file: bool) -> tuple[int, Any]:
        if method == "PUT":
            tss.exports[export_id] = 0
            return 200, {"_id": export_id, "state": "PENDING"}
        if export_id not in tss.exports:
            raise Problem(404, "E_EXPORT_NOT_FOUND", export_id)
        if file:
            return 200, b"fake-tar:" + tss.id.encode()
        tss.exports[export_id] += 1  # WORKING on the first look, COMPLETED on the second
        return 200, {"_id": export_id, "state": "WORKING" if tss.exports[export_id] < 2 else "COMPLETED"}


def _process(schema: Any) -> tuple[str, str]:
    """processType/processData as fiskaly writes them from the schema (its own code, not kasse's)."""
    if not isinstance(schema, dict):
        return "", ""
    if "raw" in schema:
        return schema["raw"].get("process_type", ""), base64.b64decode(schema["raw"].get("process_data", "")).decode()
    receipt = schema["standard_v1"]["receipt"]
    vat = dict.fromkeys(RATES, Decimal("0"))
    for row in receipt.get("amounts_per_vat_rate", []):
        vat[row["vat_rate"]] += Decimal(row["amount"])
    payments = []
    for kind in ("CASH", "NON_CASH"):
        for row in receipt.get("amounts_per_payment_type", []):
            if row["payment_type"] == kind:
                text = f"{Decimal(row['amount']):.2f}:{'Bar' if kind == 'CASH' else 'Unbar'}"
                if row.get("currency_code", "EUR") != "EUR":
                    text += f":{row['currency_code']}"
                payments.append(text)
    amounts = "_".join(f"{vat[rate]:.2f}" for rate in RATES)
    return "Kassenbeleg-V1", f"{BON[receipt['receipt_type']]}^{amounts}^{'_'.join(payments)}"


def main() -> None:
    """Serve on a free port in this process: print the URL, serve until stdin closes, then print how many
    requests were answered and over how many connections (JSON)."""
    import argparse

    parser = argparse.ArgumentParser(description="a local fiskaly SIGN DE v2 for tests and benchmarks")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every answer takes")
    args = parser.parse_args()
    with FakeFiskaly() as fake:
        fake.latency = args.latency
        print(fake.url, flush=True)
        sys.stdin.read()
        print(json.dumps({"requests": len(fake.requests), "connections": fake.connections}), flush=True)


if __name__ == "__main__":
    main()

"""Bluecode's merchant API (v4) as a :class:`~kasse.payments.qr.providers.QrProvider` (standard library only).

What Bluecode documents and this client does:

- Every call is ``POST <base>/<endpoint>`` with a JSON body and HTTP Basic authentication (the merchant's
  access id and secret); production ``https://merchant-api.bluecode.com/v4``, sandbox
  ``https://merchant-api.bluecode.biz/v4``.
- ``/payment {barcode, branch_ext_id, requested_amount (cents), currency, merchant_tx_id, scheme, terminal,
  operator, slip, slip_date_time}`` answers ``{result: OK, payment: {state, code, acquirer_tx_id, scheme,
  total_amount, requested_amount, ...}}`` (state APPROVED, DECLINED, FAILURE, CANCELED, REFUNDED),
  ``{result: PROCESSING, status: {merchant_tx_id, check_status_in, ttl}}`` (milliseconds), or
  ``{result: ERROR, error_code}``; 503 means Bluecode is unavailable.
- ``/status {merchant_tx_id}`` answers like ``/payment``; ``/cancel {merchant_tx_id}`` takes back a payment
  whose outcome is unclear; ``/refund {acquirer_tx_id, amount, reason}`` pays (part of) a charge back.
- A payment call that timed out may be sent again with the same ``merchant_tx_id``;
  ``MERCHANT_TX_ID_NOT_UNIQUE`` then means the first one arrived (ask ``/status``).

Nothing here raises for a network or protocol fault: the answer is ``UNKNOWN`` and the caller recovers
(docs/payments.md, "QR payments").
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import urllib.error
import urllib.request
from typing import Any

from kasse.payments.qr.providers import PaymentRequest, QrOutcome, QrResult

PRODUCTION_URL = "https://merchant-api.bluecode.com/v4"
SANDBOX_URL = "https://merchant-api.bluecode.biz/v4"

# A Bluecode payment code: digits only, 18 to 20 of them, starting with 988 (the Alipay codes Bluecode
# also takes start with 2868).
PREFIXES = ("988",)
CODE_LENGTHS = range(18, 21)

# Error codes that mean the request was refused as a whole: nothing was charged, and only a change of the
# set-up helps. Everything else Bluecode names is a decline of this payment.
REJECTED = frozenset({"UNAUTHORIZED", "BRANCH_NOT_FOUND", "ERROR_INVALID_PARAMETER", "INVALID_PARAMETER"})
UNCLEAR = frozenset({"SYSTEM_FAILURE", "SERVICE_UNAVAILABLE"})
DECLINES = frozenset(
    {
        "INVALID_BARCODE",
        "ISSUER_NOT_SUPPORTED",
        "FRAUD_DETECTED",
        "INSUFFICIENT_FUNDS",
        "INVALID_STATE",
        "LIMIT_EXCEEDED",
        "CANCELLED_BY_USER",
        "AMOUNT_TOO_HIGH",
    }
)
NOT_CHARGED_STATES = frozenset({"DECLINED", "FAILURE", "CANCELED", "CANCELLED"})


def is_bluecode_code(code: str) -> bool:
    return code.isdigit() and len(code) in CODE_LENGTHS and code.startswith(PREFIXES)


def _seconds(milliseconds: Any, default: float) -> float:
    try:
        value = float(milliseconds) / 1000
    except (TypeError, ValueError):
        return default
    return value if value >= 0 else default


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_answer(status: int, body: bytes) -> QrResult:
    """What one HTTP answer of Bluecode means (exposed for tests of the mapping)."""
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return QrResult(QrOutcome.UNKNOWN, error=f"HTTP {status}, no JSON answer")
    result = data.get("result")
    payment = data.get("payment")
    if result == "PROCESSING" and 200 <= status < 300:
        info: dict[str, Any] = data["status"] if isinstance(data.get("status"), dict) else {}
        return QrResult(
            QrOutcome.PROCESSING,
            check_in=_seconds(info.get("check_status_in"), 1.0),
            ttl=_seconds(info.get("ttl"), 0.0),
            raw=data,
        )
    if isinstance(payment, dict) and isinstance(payment.get("state"), str):
        return _payment(payment, data)
    if result == "ERROR" or status >= 400:
        code = str(data.get("error_code") or "")
        if code == "MERCHANT_TX_ID_NOT_UNIQUE":
            return QrResult(QrOutcome.DUPLICATE, code=code, raw=data)
        if code == "TRANSACTION_NOT_FOUND":
            return QrResult(QrOutcome.NOT_FOUND, code=code, raw=data)
        if code in REJECTED:
            return QrResult(QrOutcome.REJECTED, code=code, error=f"HTTP {status} {code}", raw=data)
        if code in DECLINES:
            return QrResult(QrOutcome.DECLINED, code=code, raw=data)
        return QrResult(QrOutcome.UNKNOWN, code=code, error=f"HTTP {status} {code or 'without error code'}", raw=data)
    if result == "OK" and 200 <= status < 300:
        # /cancel and /refund: OK without a payment object
        refund: dict[str, Any] = data["refund"] if isinstance(data.get("refund"), dict) else {}
        return QrResult(QrOutcome.APPROVED, provider_tx_id=str(refund.get("acquirer_tx_id") or ""), raw=data)
    return QrResult(QrOutcome.UNKNOWN, error=f"HTTP {status}, answer without a result", raw=data)


def _payment(payment: dict[str, Any], data: dict[str, Any]) -> QrResult:
    state = str(payment["state"]).upper()
    code = str(payment.get("code") or "")
    provider_tx_id = str(payment.get("acquirer_tx_id") or "")
    amount = _int(payment.get("total_amount", payment.get("requested_amount")))
    scheme = str(payment.get("scheme") or "")
    if state == "APPROVED":
        outcome, error = QrOutcome.APPROVED, ""
    elif state in NOT_CHARGED_STATES:
        outcome, error, code = QrOutcome.DECLINED, "", code or state
    else:
        # REFUNDED (charged, then paid back outside this payment) or a state we do not know
        outcome, error, code = QrOutcome.UNKNOWN, f"payment state {state}", code or state
    return QrResult(
        outcome, code=code, provider_tx_id=provider_tx_id, amount_cents=amount, scheme=scheme, error=error, raw=data
    )


class BluecodeProvider:
    """Requests to Bluecode's merchant API for one merchant (access id and secret) and one branch."""

    name = "bluecode"

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        branch_ext_id: str,
        *,
        timeout: float = 10.0,
        currency: str = "EUR",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.branch_ext_id = branch_ext_id
        self.timeout = timeout
        self.currency = currency
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._authorization = f"Basic {token}"

    def _call(self, endpoint: str, body: dict[str, Any]) -> QrResult:
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured https (or loopback) API
            f"{self.base_url}/{endpoint}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": self._authorization,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return read_answer(answer.status, answer.read())
        except urllib.error.HTTPError as exc:
            try:
                body_bytes = exc.read()
            except (OSError, http.client.HTTPException):
                body_bytes = b""
            return read_answer(exc.code, body_bytes)
        except TimeoutError:
            return QrResult(QrOutcome.UNKNOWN, error=f"/{endpoint}: no answer within {self.timeout:g} s")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ConnectionRefusedError):
                # nothing reached Bluecode: the payment was not created
                return QrResult(QrOutcome.UNKNOWN, code="CONNECTION_REFUSED", error=f"/{endpoint}: {reason}")
            return QrResult(QrOutcome.UNKNOWN, error=f"/{endpoint}: {reason}")
        except (OSError, http.client.HTTPException) as exc:
            return QrResult(QrOutcome.UNKNOWN, error=f"/{endpoint}: {type(exc).__name__} {exc}")

    def pay(self, request: PaymentRequest) -> QrResult:
        body = {
            "barcode": request.code,
            "branch_ext_id": self.branch_ext_id,
            "requested_amount": request.amount_cents,
            "currency": self.currency,
            "merchant_tx_id": request.merchant_tx_id,
            "scheme": "AUTO",
            "terminal": request.terminal[:64],
            "operator": request.operator[:64],
            "slip": request.slip[:64],
            "slip_date_time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        return self._call("payment", body)

    def status(self, merchant_tx_id: str) -> QrResult:
        return self._call("status", {"merchant_tx_id": merchant_tx_id})

    def cancel(self, merchant_tx_id: str) -> QrResult:
        return self._call("cancel", {"merchant_tx_id": merchant_tx_id})

    def refund(self, provider_tx_id: str, amount_cents: int, reason: str) -> QrResult:
        return self._call("refund", {"acquirer_tx_id": provider_tx_id, "amount": amount_cents, "reason": reason[:100]})

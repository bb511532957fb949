"""Which provider a scanned payment code belongs to, by its prefix and length (no Django).

A customer's payment code is recognised wherever it is scanned at the register. Codes of providers
kasse can take are routed to them; codes of wallets it cannot take yet are recognised too, so the cashier
reads "this payment app is not accepted here" instead of "unknown barcode". Product barcodes never match:
every pattern is longer than a GTIN (8-14 digits).
"""

from __future__ import annotations

from dataclasses import dataclass

from kasse.payments.qr import bluecode


@dataclass(frozen=True)
class PaymentScheme:
    key: str  # the provider's name in kasse ("bluecode"), or the wallet's
    label: str  # as the cashier reads it
    supported: bool

    def matches(self, code: str) -> bool:
        if self.key == "bluecode":
            return bluecode.is_bluecode_code(code)
        if self.key == "alipay":
            # Alipay+ codes: 16-24 digits starting with 25-30
            return code.isdigit() and 16 <= len(code) <= 24 and code[:2] in {"25", "26", "27", "28", "29", "30"}
        if self.key == "wechat":
            # WeChat Pay codes: 18 digits starting with 10-15
            return code.isdigit() and len(code) == 18 and code[:2] in {"10", "11", "12", "13", "14", "15"}
        return False


SCHEMES = (
    PaymentScheme("bluecode", "Bluecode", supported=True),
    PaymentScheme("alipay", "Alipay+", supported=False),
    PaymentScheme("wechat", "WeChat Pay", supported=False),
)


def payment_scheme(code: str) -> PaymentScheme | None:
    """The payment scheme a scanned code belongs to, or None when it is no payment code."""
    code = (code or "").strip()
    for scheme in SCHEMES:
        if scheme.matches(code):
            return scheme
    return None


def mask(code: str) -> str:
    """A payment code as it may be stored and shown: its first four and last four digits."""
    return f"{code[:4]}…{code[-4:]}" if len(code) > 8 else "…"

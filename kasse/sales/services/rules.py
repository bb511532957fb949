"""Limits the register enforces; a manager PIN lifts them (checked in the services)."""

from __future__ import annotations

from decimal import Decimal

# Discounts above this share of a line or order need a manager's approval.
CASHIER_DISCOUNT_LIMIT_PERCENT = Decimal("10")
# Larger quantities are almost always a scanner or typing mistake.
MAX_QUANTITY = Decimal("9999")

from __future__ import annotations

from django.core.exceptions import ValidationError


class SaleError(ValidationError):
    """A checkout, return or shift action that cannot be done; the message is for the cashier."""

"""Shared field types, error bodies and pagination of the REST API.

Money travels as a decimal string (``"2.49"``), never as a JSON number: a
float cannot hold cents. Text fields refuse NUL characters, which PostgreSQL
cannot store, so bad input is a 422 and never a server error.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import PlainSerializer, StringConstraints, WithJsonSchema

MONEY_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$"
NO_NUL_PATTERN = r"^[^\x00]*$"
MAX_OFFSET = 1_000_000_000

MoneyIn = Annotated[
    str,
    StringConstraints(pattern=MONEY_PATTERN),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "examples": ["2.49"],
            "description": "Euro amount as a decimal string with a point and at most two decimals.",
        }
    ),
]

MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?[0-9]+\.[0-9]{2}$",
            "examples": ["2.49"],
            "description": "Euro amount as a decimal string with two decimals.",
        }
    ),
]


# Any text; limit its length with ``Field(max_length=...)`` where it is declared.
Text = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN)]


class FieldError(Schema):
    field: str = Field(
        ..., description="The field in the request, dotted for nested ones.", examples=["variants.0.barcodes"]
    )
    message: str = Field(
        ...,
        description="What is wrong, in the language of `Accept-Language`.",
        examples=["The check digit of 4006381333932 is wrong (expected 1)."],
    )


class ValidationErrorOut(Schema):
    """422: the request was understood, but some values are not acceptable. Nothing was changed."""

    detail: list[FieldError]


class DetailOut(Schema):
    """An error with a short fixed text, e.g. ``{"detail": "Not found"}``."""

    detail: str = Field(..., examples=["Not found"])


ERRORS: dict[int, Any] = {401: DetailOut, 422: ValidationErrorOut}
ERRORS_WITH_ID: dict[int, Any] = {401: DetailOut, 404: DetailOut, 422: ValidationErrorOut}


class Pagination(LimitOffsetPagination):
    """``limit``/``offset`` paging with a stable order and bounded numbers."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="How many items to return (1–500).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")

    def paginate_queryset(self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
        if "pk" not in ordering and "id" not in ordering:
            queryset = queryset.order_by(*ordering, "pk")
        return super().paginate_queryset(queryset, pagination, request, **params)


def parse_since(value: datetime | None) -> datetime | None:
    """``updated_since`` in UTC (a naive one is taken as UTC).

    Normalised to UTC because ISO 8601 allows offsets that PostgreSQL refuses
    (beyond ±15:59, e.g. ``-16:32``); the instant is the same.
    """
    from datetime import UTC

    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # an instant before year 1 or after 9999 in UTC: nothing changed then
        return datetime.min.replace(tzinfo=UTC) if value.year < 5000 else datetime.max.replace(tzinfo=UTC)

"""Cursor pages of the read endpoints: ``?limit=&cursor=`` answers ``{"items": [...], "next_cursor": ...}``.

Rows come in the order they last changed (``updated_at``, then id), so a client that keeps the last
``next_cursor`` (or passes ``updated_since``) sees every row that changed after it, and page 5,000 costs
what page 1 costs: the cursor is the position of the last row shown, not a count of rows to skip. It is
opaque to clients (URL-safe base64 of that position); one that was not made here is a 422 with a message.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

from kasse.api.errors import RequestError

T = TypeVar("T")

MAX_LIMIT = 500


class CursorParams(Schema):
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="How many items to return (1–500).")
    cursor: str | None = Field(
        None, max_length=200, description="`next_cursor` of the previous page; leave out for the first page."
    )


def encode_cursor(updated_at: datetime, pk: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, uuid.UUID]:
    """The position a cursor names; anything else is a :class:`RequestError` (422)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        when, pk = raw.split("|")
        updated_at = datetime.fromisoformat(when)
        if updated_at.tzinfo is None:
            raise ValueError(when)
        return updated_at, uuid.UUID(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        message = _("This cursor is not valid. Use the next_cursor of a previous page, or leave it out.")
        raise RequestError([{"field": "cursor", "message": message}]) from exc


def cursor_page(
    queryset: QuerySet[Any],
    params: CursorParams,
    *,
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> dict[str, Any]:
    """One page of ``queryset`` in change order after ``params.cursor``; ``prepare`` adds prefetches."""
    if params.cursor:
        updated_at, pk = decode_cursor(params.cursor)
        queryset = queryset.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, pk__gt=pk))
    queryset = queryset.order_by("updated_at", "pk")
    if prepare is not None:
        queryset = prepare(queryset)
    rows: Sequence[Any] = list(queryset[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    last = rows[-1] if rows else None
    return {
        "items": list(rows),
        "next_cursor": encode_cursor(last.updated_at, last.pk) if more and last is not None else None,
    }

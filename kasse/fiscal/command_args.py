"""What the export commands (``kasse datev_export``, ``kasse dsfinvk_export``) read from their command line
the same way: the organization by id, days as YYYY-MM-DD, stores or registers by number; and how they write
a file (next to the target, renamed when complete)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from kasse.tenancy.models import Organization


class _Numbered(Protocol):
    number: int


N = TypeVar("N", bound=_Numbered)


def organization_arg(value: str) -> Organization:
    try:
        org_id = uuid.UUID(value)
    except ValueError as exc:
        raise CommandError(f"not an organization id: {value}") from exc
    with scopes_disabled():
        organization = Organization.objects.filter(pk=org_id).first()
    if organization is None:
        raise CommandError(f"no organization {org_id}")
    return organization


def day_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


def by_numbers(items: Sequence[N], wanted: Iterable[int], what: str, where: str) -> list[N]:
    """The ``items`` whose number is wanted (all of them when none is), or an error naming the missing."""
    numbers = set(wanted)
    if not numbers:
        return list(items)
    missing = numbers - {item.number for item in items}
    if missing:
        raise CommandError(f"no {what} number {', '.join(map(str, sorted(missing)))} in {where}")
    return [item for item in items if item.number in numbers]


@contextmanager
def whole_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path`` through: it is ``<path>.partial`` until the block ends without an error, then
    renamed, so a failed run leaves no half-written export."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        yield out
    partial.replace(path)

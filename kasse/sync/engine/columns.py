"""Rows arriving from a store node: checked column values, and a fast way into the database.

The cloud ingests hundreds of sales a second, each fifteen-odd rows, so this
module does per row only what the row needs:

* :func:`codec_for` compiles, once per model, one converter per column that
  turns the JSON value into the value stored, or raises :class:`ColumnError`
  naming the column. Converters check what the database would otherwise
  refuse half-way through a batch (or, for decimals, silently round): types,
  ``NULL`` in a required column, text longer than the column, NUL characters,
  integers out of range, decimals with more places or digits than the column,
  times without a time zone. UUIDs (ids and foreign keys) stay canonical
  lower-case strings: they compare as text and are written as text, which
  saves parsing thirty of them per sale; so do decimals in plain notation
  that fit their column (``Decimal(value)`` wherever a sum is needed).
* :func:`insert_rows` writes new rows: on PostgreSQL with ``COPY`` (a
  streaming insert without per-row statements, foreign keys and constraints
  checked as for any insert), elsewhere with Django's ``bulk_create``.
  Columns Django would stamp on insert (``auto_now``) get the time the batch
  was received, as ``bulk_create`` does.
* :func:`existing_ids` answers which of many ids a table already holds, in one
  query with one parameter.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import operator
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, models

_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch

Converter = Callable[[Any], Any]

# UUID texts found canonical already: the same few (the organization, the store, the register, the shift,
# the products sold, the sale of each line) come in nearly every row of an upload, and a set lookup is far
# cheaper than the pattern. Only texts that matched are kept; emptied when full.
_CANONICAL_UUIDS: set[str] = set()
_CANONICAL_UUIDS_MAX = 50_000


def _canonical_uuid(v: str) -> bool:
    """Whether ``v`` (a text of 36 characters) is a canonical UUID text; remembered when it is."""
    if _UUID_TEXT(v) is None:
        return False
    if len(_CANONICAL_UUIDS) >= _CANONICAL_UUIDS_MAX:
        _CANONICAL_UUIDS.clear()
    _CANONICAL_UUIDS.add(v)
    return True


class ColumnError(ValueError):
    """A value that cannot be stored in its column; ``column`` names it."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


def uuid_text(raw: Any) -> str:
    """A UUID as its canonical text (``str(uuid.UUID(raw))``), cheaply when it already is."""
    if type(raw) is str and len(raw) == 36 and _UUID_TEXT(raw):
        return raw
    if isinstance(raw, uuid.UUID):
        return str(raw)
    try:
        return str(uuid.UUID(raw))
    except (TypeError, ValueError, AttributeError):
        raise ValueError("not a UUID") from None


def _text(max_length: int | None) -> Converter:
    def text(raw: Any) -> str:
        if type(raw) is not str:
            raise ValueError("not text")
        if max_length is not None and len(raw) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        if "\x00" in raw:
            raise ValueError("contains a NUL character")
        return raw

    return text


def _integer(low: int | None, high: int | None) -> Converter:
    def integer(raw: Any) -> int:
        if type(raw) is not int:
            if type(raw) is not str:
                raise ValueError("not an integer")
            raw = int(raw)
        if (low is not None and raw < low) or (high is not None and raw > high):
            raise ValueError("out of range")
        return raw

    return integer


def _decimal(max_digits: int | None, places: int | None) -> Converter:
    whole = None if max_digits is None or places is None else max_digits - places

    def decimal(raw: Any) -> Decimal:
        if type(raw) is str:
            try:
                value = Decimal(raw)
            except InvalidOperation as exc:
                raise ValueError("not a number") from exc
            if not value.is_finite():
                raise ValueError("not a finite number")
            if "e" in raw or "E" in raw:
                exponent = value.as_tuple().exponent
                given = -exponent if isinstance(exponent, int) and exponent < 0 else 0
            else:  # plain notation: the places are the characters after the point (cheaper than as_tuple)
                dot = raw.find(".")
                given = len(raw) - dot - 1 if dot >= 0 else 0
        elif type(raw) is int:
            value, given = Decimal(raw), 0
        else:
            raise ValueError("not a decimal number (send it as text)")
        if places is not None and given > places:
            raise ValueError(f"more than {places} decimal places")
        if whole is not None and value and value.adjusted() >= whole:
            raise ValueError(f"more than {whole} digits before the point")
        return value

    return decimal


def _datetime(raw: Any) -> dt.datetime:
    if type(raw) is not str:
        raise ValueError("not a time")
    value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("a time without time zone")
    return value


def _date(raw: Any) -> dt.date:
    if type(raw) is not str:
        raise ValueError("not a date")
    return dt.date.fromisoformat(raw)


def _time(raw: Any) -> dt.time:
    if type(raw) is not str:
        raise ValueError("not a time of day")
    return dt.time.fromisoformat(raw)


def _boolean(raw: Any) -> bool:
    if type(raw) is not bool:
        raise ValueError("not true or false")
    return raw


def _json(raw: Any) -> Any:
    return raw  # already parsed from JSON; any JSON value is a value


def _binary(raw: Any) -> bytes:
    if type(raw) is not str:
        raise ValueError("not base64 text")
    try:
        return base64.b64decode(raw.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64 text") from exc


# Decimals in plain notation that fit their column: kept as the text they came as (the database parses
# them; Decimal(text) wherever a sum is needed), which saves building and inspecting a Decimal per value.
_PLAIN_DECIMALS: dict[str, Callable[[str], Any]] = {}


def _plain_decimal(max_digits: int, places: int) -> str:
    """The name (in compiled decoders) of the test for a plain decimal text fitting ``(max_digits, places)``."""
    whole = max_digits - places
    name = f"_decimal_{whole}_{places}"
    point = rf"(?:\.[0-9]{{1,{places}}})?" if places else ""
    integer = rf"[0-9]{{1,{whole}}}" if whole > 0 else "0"
    _PLAIN_DECIMALS[name] = re.compile(rf"-?{integer}{point}").fullmatch
    return name


def _converter(f: models.Field[Any, Any]) -> tuple[Converter, str]:
    """The converter of one concrete field (a foreign key converts as the field it points to), and a Python
    expression over ``v`` that is true when a value is already what the converter would return (the compiled
    decoder skips the call then; ``""``: always call it)."""
    target = f.target_field if isinstance(f, models.ForeignKey) else f
    inner: Converter
    fast = ""
    if isinstance(target, models.UUIDField):
        inner, fast = uuid_text, "type(v) is str and (v in _known_uuids or (len(v) == 36 and _canonical_uuid(v)))"
    elif isinstance(target, models.DecimalField):
        inner = _decimal(target.max_digits, target.decimal_places)
        if target.max_digits is not None and target.decimal_places is not None:
            fast = f"type(v) is str and {_plain_decimal(target.max_digits, target.decimal_places)}(v) is not None"
    elif isinstance(target, models.DateTimeField):
        inner = _datetime
    elif isinstance(target, models.DateField):
        inner = _date
    elif isinstance(target, models.TimeField):
        inner = _time
    elif isinstance(target, models.BooleanField):
        inner, fast = _boolean, "type(v) is bool"
    elif isinstance(target, models.JSONField):
        inner, fast = _json, "True"
    elif isinstance(target, models.BinaryField):
        inner = _binary
    elif isinstance(target, models.IntegerField | models.AutoField):
        low, high = connection.ops.integer_field_range(target.get_internal_type())
        inner = _integer(low, high)
        fast = " and ".join(
            [
                "type(v) is int",
                *([f"v >= {int(low)}"] if low is not None else []),
                *([f"v <= {int(high)}"] if high is not None else []),
            ]
        )
    elif isinstance(target, models.CharField | models.TextField | models.FileField):
        max_length = getattr(target, "max_length", None) if not isinstance(target, models.TextField) else None
        inner = _text(max_length)
        fast = " and ".join(
            ["type(v) is str", *([f"len(v) <= {int(max_length)}"] if max_length else []), '"\\x00" not in v']
        )
    else:
        raise TypeError(f"{f.model._meta.label}.{f.attname}: no sync converter for {type(target).__name__}")
    if not f.null:
        return inner, fast

    def nullable(raw: Any) -> Any:
        return None if raw is None else inner(raw)

    return nullable, f"v is None or ({fast})" if fast else ""


def _compile_decoder(
    model: type[models.Model],
    converters: list[tuple[str, Converter, str]],
    generic: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """One function for a row with exactly the model's columns: each value tested inline for being in stored
    form already, the converter called only when it is not (which also raises the errors). Other rows (fewer
    or unknown columns) go to ``generic``."""
    namespace: dict[str, Any] = {
        **_PLAIN_DECIMALS,
        "_known_uuids": _CANONICAL_UUIDS,
        "_canonical_uuid": _canonical_uuid,
        "_keys": frozenset(name for name, _c, _f in converters),
        "_generic": generic,
    }
    body = [f"def decode_{model._meta.model_name}(raw):", "    if raw.keys() != _keys:", "        return _generic(raw)"]
    for index, (name, converter, fast) in enumerate(converters):
        namespace[f"_c{index}"] = converter
        body.append(f"    v = raw[{name!r}]")
        body.append(f"    v{index} = v if {fast} else _c{index}(v)" if fast else f"    v{index} = _c{index}(v)")
    values = ", ".join(f"{name!r}: v{index}" for index, (name, _c, _f) in enumerate(converters))
    body.append(f"    return {{{values}}}")
    exec("\n".join(body), namespace)  # noqa: S102 - source built above from the model's own field names
    return namespace[f"decode_{model._meta.model_name}"]


@dataclass(frozen=True)
class RowCodec:
    """The converters of one model's columns, and what its rows need on the way into the database."""

    model: type[models.Model]
    converters: dict[str, Converter]
    fields: tuple[models.Field[Any, Any], ...]
    fast_tests: dict[str, str]

    def decode(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Stored values of the columns a row has (an insert gives the others their defaults).

        Raises ``KeyError`` for a column the model does not have (a newer schema) and
        :class:`ColumnError` for a value its column cannot take.
        """
        try:
            return self._compiled(raw)
        except (ValueError, TypeError, ArithmeticError):
            raise self._error(raw) from None

    @property
    def decoder(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """:meth:`decode` without its wrapper: raises ``KeyError`` for an unknown column and ``ValueError``,
        ``TypeError`` or ``ArithmeticError`` for a bad value (:meth:`column_error` then names the column)."""
        return self._compiled

    def column_error(self, raw: dict[str, Any]) -> ColumnError:
        """The error of the first value of ``raw`` its column cannot take (after :attr:`decoder` failed)."""
        return self._error(raw)

    def decode_generic(self, raw: dict[str, Any]) -> dict[str, Any]:
        converters = self.converters
        try:
            return {key: converters[key](value) for key, value in raw.items()}
        except KeyError:
            raise KeyError(next(key for key in raw if key not in converters)) from None

    @functools.cached_property
    def _compiled(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return _compile_decoder(
            self.model,
            [(name, converter, self.fast_tests[name]) for name, converter in self.converters.items()],
            self.decode_generic,
        )

    def _error(self, raw: dict[str, Any]) -> ColumnError:
        for key, value in raw.items():
            try:
                self.converters[key](value)
            except (ValueError, TypeError, ArithmeticError) as exc:
                reason = "may not be empty" if value is None else str(exc) or type(exc).__name__
                return ColumnError(key, reason)
        return ColumnError("?", "invalid")  # pragma: no cover - decode failed, so one column does

    @functools.cached_property
    def _copy_plan(self) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]], tuple[str, ...], int]:
        """The COPY statement and how to make its rows: the plain columns first (taken from a row's values in
        one step), then the JSON columns (as JSON text), then the columns Django stamps on insert."""
        stamped = [f for f in self.fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        as_json = [f for f in self.fields if isinstance(f, models.JSONField) and f not in stamped]
        plain = [f for f in self.fields if f not in stamped and f not in as_json]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*plain, *as_json, *stamped])
        statement = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
        names = [f.attname for f in plain]
        take = operator.itemgetter(*names) if len(names) > 1 else (lambda values: (values[names[0]],))
        return statement, take, tuple(f.attname for f in as_json), len(stamped)

    @property
    def copy_statement(self) -> str:
        return self._copy_plan[0]

    def copy_rows(self, rows: Iterable[dict[str, Any]], now: dt.datetime) -> Iterable[tuple[Any, ...]]:
        """Rows for :attr:`copy_statement`; columns a row lacks get the model's defaults."""
        _statement, take, as_json, stamped = self._copy_plan
        stamp = (now,) * stamped
        width = len(self.fields)
        for values in rows:
            if len(values) != width:
                values = {**{f.attname: f.get_default() for f in self.fields if f.attname not in values}, **values}
            row = take(values)
            if as_json:
                row += tuple(json.dumps(values[name]) for name in as_json)
            yield row + stamp


@functools.cache
def codec_for(model: type[models.Model]) -> RowCodec:
    fields = tuple(model._meta.concrete_fields)
    compiled = {f.attname: _converter(f) for f in fields}
    return RowCodec(
        model=model,
        converters={name: c for name, (c, _fast) in compiled.items()},
        fields=fields,
        fast_tests={name: fast for name, (_c, fast) in compiled.items()},
    )


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """Insert rows (decoded by :func:`codec_for`) known not to be stored yet, in the open transaction."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        codec = codec_for(model)
        # The raw cursor's errors become Django's (IntegrityError, DataError …), as for any other query.
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(codec.copy_statement) as copy,
        ):
            for row in codec.copy_rows(rows, now):
                copy.write_row(row)
    else:
        model._default_manager.bulk_create([model(**values) for values in rows], batch_size=500)


def existing_ids(model: type[models.Model], ids: Iterable[str], organization_id: str | None = None) -> set[str]:
    """Which of ``ids`` (canonical UUID texts) the table holds, of ``organization_id`` when given."""
    wanted = list(ids)
    if not wanted:
        return set()
    if connection.vendor == "postgresql" and isinstance(model._meta.pk, models.UUIDField):
        quote = connection.ops.quote_name
        pk = quote(model._meta.pk.column)
        # Names from the model, quoted; the ids go as one parameter (one text, split by the server).
        sql = (
            f"SELECT {pk}::text FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {pk} = ANY(string_to_array(%s, ',')::uuid[])"
        )
        params: list[Any] = [",".join(wanted)]
        if organization_id is not None:
            sql += f" AND {quote('organization_id')} = %s::uuid"
            params.append(organization_id)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}
    query = model._base_manager.filter(pk__in=wanted)
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    return {str(pk) for pk in query.values_list("pk", flat=True)}

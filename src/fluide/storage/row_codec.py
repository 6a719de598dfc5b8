"""Column values to JSON and back, losslessly, for workspace exports.

Each column's SQLAlchemy type picks one codec: datetimes as ISO 8601 in UTC,
dates as ``YYYY-MM-DD``, bytes as base64, JSON columns as JSON, floats as JSON
numbers (Python writes the shortest text that reads back to the same float;
NaN and infinities, which JSON lacks, as ``"NaN"``, ``"Infinity"``,
``"-Infinity"``). A type without a codec is refused when the export is planned,
so a new column type cannot be written approximately.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, LargeBinary, String, null

from fluide.i18n import N_
from fluide.storage.types import UtcDateTime

Kind = Literal["datetime", "date", "bytes", "json", "float", "int", "bool", "str"]

EXPECTED: Final[dict[Kind, str]] = {
    "datetime": N_("an ISO 8601 date and time with its offset, e.g. 2026-08-03T07:15:00+00:00"),
    "date": N_("a date YYYY-MM-DD, e.g. 2025-03-01"),
    "bytes": N_("base64 text"),
    "json": N_("a JSON value"),
    "float": N_("a number"),
    "int": N_("a whole number"),
    "bool": N_("true or false"),
    "str": N_("text"),
}
"""What each kind accepts, as shown when a value is refused."""

REQUIRED: Final = N_("a value (this column cannot be empty)")
_NON_FINITE: Final = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
# Sorted keys at every depth: PostgreSQL's JSONB reorders object keys, and the
# same row must give the same bytes whichever database it was read from.
_JSON: Final = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class UnsupportedType(TypeError):
    """A column whose type has no lossless codec (add one before exporting it)."""


class BadValue(ValueError):
    """A value that does not fit its column; ``expected`` says what would (a msgid)."""

    def __init__(self, column: str, expected: str, **params: object) -> None:
        super().__init__(f"{column}: expected {expected % params if params else expected}")
        self.column = column
        self.expected = expected
        self.params = params


_KINDS: Final[tuple[tuple[type[Any], Kind], ...]] = (
    (UtcDateTime, "datetime"),
    (Date, "date"),
    (LargeBinary, "bytes"),
    (JSON, "json"),
    (Float, "float"),
    (Boolean, "bool"),
    (Integer, "int"),
    (String, "str"),
)


def kind_of(column: Column[Any]) -> Kind:
    """The codec of a column, from its type; :class:`UnsupportedType` if it has none."""
    for cls, kind in _KINDS:
        if isinstance(column.type, cls):
            return kind
    raise UnsupportedType(f"{column.table.name}.{column.name}: no export codec for {column.type!r}")


# --- Database value → JSON ----------------------------------------------------------


def _datetime_out(v: Any) -> str:
    if not isinstance(v, datetime) or v.tzinfo is None:
        raise ValueError(f"not an aware datetime: {v!r}")
    return v.astimezone(UTC).isoformat()


def _float_out(v: Any) -> float | str:
    x = float(v)
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _same(v: Any) -> Any:
    return v


_OUT: Final[dict[Kind, Callable[[Any], Any]]] = {
    "datetime": _datetime_out,
    "date": lambda v: v.isoformat(),
    "bytes": lambda v: base64.b64encode(bytes(v)).decode("ascii"),
    "json": _same,
    "float": _float_out,
    "int": int,
    "bool": bool,
    "str": _same,
}


def encode(kind: Kind, value: Any) -> Any:
    """The JSON form of a value read from the database."""
    return None if value is None else _OUT[kind](value)


class LineWriter:
    """Rows of one table (tuples in column order) to ``.jsonl`` lines."""

    def __init__(self, columns: Sequence[Column[Any]]) -> None:
        self.names = [c.name for c in columns]
        self.out = [_OUT[kind_of(c)] for c in columns]

    def line(self, values: Sequence[Any]) -> bytes:
        """One line: keys sorted, compact, UTF-8, newline-terminated."""
        row = {
            name: None if v is None else out(v)
            for name, out, v in zip(self.names, self.out, values, strict=True)
        }
        return _JSON.encode(row).encode("utf-8") + b"\n"


def dumps(row: dict[str, Any]) -> bytes:
    """One ``.jsonl`` line for a row already in its JSON form."""
    return _JSON.encode(row).encode("utf-8") + b"\n"


# --- JSON → database value ----------------------------------------------------------


Decoder = Callable[[Any], Any]


def decoder(column: Column[Any]) -> Decoder:
    """The function turning the JSON form of this column back into its value."""
    kind = kind_of(column)
    name = column.name
    if kind == "json":
        # A nullable JSON column keeps SQL NULL; a required one, JSON null.
        empty = null() if column.nullable else JSON.NULL
        return lambda raw: empty if raw is None else raw
    inner = _decoder(kind, name, getattr(column.type, "length", None))
    nullable = bool(column.nullable)

    def decode(raw: Any) -> Any:
        if raw is None:
            if not nullable:
                raise BadValue(name, REQUIRED)
            return None
        return inner(raw)

    return decode


def decode(column: Column[Any], raw: Any) -> Any:
    """The database value of a JSON form; :class:`BadValue` naming what was expected."""
    return decoder(column)(raw)


def _decoder(kind: Kind, name: str, limit: int | None) -> Decoder:
    expected = EXPECTED[kind]

    def text(raw: Any) -> str:
        if not isinstance(raw, str):
            raise BadValue(name, expected)
        if limit is not None and len(raw) > limit:
            raise BadValue(name, N_("text of at most %(limit)s characters"), limit=limit)
        return raw

    def whole(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise BadValue(name, expected)
        return raw

    def boolean(raw: Any) -> bool:
        if not isinstance(raw, bool):
            raise BadValue(name, expected)
        return raw

    def number(raw: Any) -> float:
        if isinstance(raw, str) and raw in _NON_FINITE:
            return _NON_FINITE[raw]
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise BadValue(name, expected)
        return float(raw)

    def parsed(raw: Any) -> Any:
        if not isinstance(raw, str):
            raise BadValue(name, expected)
        try:
            return _parse(kind, raw)
        except (ValueError, UnicodeEncodeError, binascii.Error):
            raise BadValue(name, expected) from None

    simple: dict[Kind, Decoder] = {"str": text, "int": whole, "bool": boolean, "float": number}
    return simple.get(kind, parsed)


def _parse(kind: Kind, raw: str) -> Any:
    if kind == "datetime":
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("no offset")
        return moment.astimezone(UTC)
    if kind == "date":
        if len(raw) != 10:
            raise ValueError("not YYYY-MM-DD")
        return date.fromisoformat(raw)
    return base64.b64decode(raw.encode("ascii"), validate=True)

"""The value codec of workspace exports: every kind round-trips exactly, bad values are named."""

from __future__ import annotations

import json
import math
import struct
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.sql.elements import Null

from fluide.storage.models import Base
from fluide.storage.row_codec import BadValue, LineWriter, UnsupportedType, decode, encode, kind_of
from fluide.storage.types import Json, UtcDateTime

T = Table(
    "t",
    MetaData(),
    Column("id", String(10), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("maybe_at", UtcDateTime, nullable=True),
    Column("day", Date, nullable=True),
    Column("blob", LargeBinary, nullable=True),
    Column("doc", Json, nullable=False),
    Column("maybe_doc", Json, nullable=True),
    Column("x", Float, nullable=True),
    Column("n", Integer, nullable=True),
    Column("flag", Boolean, nullable=True),
    Column("note", Text, nullable=True),
)


def _round_trip(column: str, value: Any) -> Any:
    c = T.c[column]
    raw = encode(kind_of(c), value)
    text = json.dumps(raw, allow_nan=False)  # what the file holds is plain JSON
    return decode(c, json.loads(text))


def test_each_column_type_has_its_codec() -> None:
    assert {c.name: kind_of(c) for c in T.columns} == {
        "id": "str",
        "at": "datetime",
        "maybe_at": "datetime",
        "day": "date",
        "blob": "bytes",
        "doc": "json",
        "maybe_doc": "json",
        "x": "float",
        "n": "int",
        "flag": "bool",
        "note": "str",
    }


def test_every_column_of_the_schema_has_a_codec() -> None:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind_of(column)


def test_a_type_without_codec_is_refused() -> None:
    other = Table("u", MetaData(), Column("gap", Interval))
    with pytest.raises(UnsupportedType, match=r"u\.gap"):
        kind_of(other.c.gap)


def test_datetimes_are_iso_utc_to_the_microsecond() -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2026, 8, 3, 9, 15, 7, 123456, tzinfo=paris)
    assert encode("datetime", moment) == "2026-08-03T07:15:07.123456+00:00"
    back = _round_trip("at", moment)
    assert back == moment and back.tzinfo == UTC
    assert _round_trip("at", datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_naive_datetime_is_never_written() -> None:
    with pytest.raises(ValueError, match="aware"):
        encode("datetime", datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "x", [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -0.0, 14.0, 61.11111111111111]
)
def test_floats_read_back_to_the_same_bits(x: float) -> None:
    back = _round_trip("x", x)
    assert struct.pack("<d", back) == struct.pack("<d", x)


def test_non_finite_floats_are_named_since_json_has_none() -> None:
    assert encode("float", math.inf) == "Infinity"
    assert encode("float", -math.inf) == "-Infinity"
    assert encode("float", math.nan) == "NaN"
    assert _round_trip("x", math.inf) == math.inf
    assert math.isnan(_round_trip("x", math.nan))


def test_an_integer_stored_in_a_float_column_reads_as_a_float() -> None:
    assert encode("float", 14) == 14.0 and isinstance(encode("float", 14), float)


def test_bytes_are_base64_and_exact() -> None:
    blob = bytes(range(256)) + struct.pack("<3f", 0.1, -2.5, 1e-30)
    assert _round_trip("blob", blob) == blob
    assert _round_trip("blob", memoryview(blob)) == blob


def test_dates_json_and_plain_values_round_trip() -> None:
    assert _round_trip("day", date(2026, 2, 28)) == date(2026, 2, 28)
    doc = {"b": [1, 2.5, None, {"z": "é", "a": True}], "a": "« x »"}
    assert _round_trip("doc", doc) == doc
    assert _round_trip("n", 2**40) == 2**40
    assert _round_trip("flag", False) is False
    assert _round_trip("note", "ligne 1\nligne 2 🙂") == "ligne 1\nligne 2 🙂"


def test_empty_json_keeps_sql_null_where_allowed_and_json_null_where_required() -> None:
    assert isinstance(decode(T.c.maybe_doc, None), Null)
    assert decode(T.c.doc, None) is JSON.NULL


def test_lines_are_sorted_compact_utf8_and_newline_terminated() -> None:
    writer = LineWriter([T.c.id, T.c.doc, T.c.x, T.c.maybe_at])
    line = writer.line(["a1", {"z": 1, "a": {"y": 2, "b": 3}}, 0.5, None])
    assert line == b'{"doc":{"a":{"b":3,"y":2},"z":1},"id":"a1","maybe_at":null,"x":0.5}\n'
    assert writer.line(["é", {}, None, None]).decode("utf-8").startswith('{"doc":{},"id":"é"')


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [
        ("at", "2026-08-03 09:15", "ISO 8601"),
        ("at", "2026-08-03T09:15:00", "ISO 8601"),  # no offset: ambiguous
        ("at", 1785000000, "ISO 8601"),
        ("at", None, "cannot be empty"),
        ("day", "2026-8-3", "YYYY-MM-DD"),
        ("blob", "not base64!", "base64"),
        ("x", "1.5", "a number"),
        ("x", True, "a number"),
        ("n", 1.0, "a whole number"),
        ("n", True, "a whole number"),
        ("flag", 1, "true or false"),
        ("note", 12, "text"),
        ("id", "x" * 11, "at most %(limit)s characters"),
    ],
)
def test_a_bad_value_is_refused_naming_the_column_and_what_is_allowed(
    column: str, raw: Any, expected: str
) -> None:
    with pytest.raises(BadValue) as e:
        decode(T.c[column], raw)
    assert e.value.column == column
    assert expected in e.value.expected
    if "%(limit)s" in e.value.expected:
        assert e.value.params == {"limit": 10}

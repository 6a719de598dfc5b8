"""Reading the time column: observing how it is written, and the SQL that reads it.

ISO 8601 stays on DuckDB's typed ``TIMESTAMPTZ`` reader (a sample of the
column is enough to keep it). Any other reading is chosen from one pass over
the column's shapes (:func:`fluide.ingest.dates.choose_reading`) and read by
DuckDB itself: written dates through the reader's ``timestampformat`` (bad
values stay line-numbered rejects), numbers through ``to_timestamp`` or the
Excel epoch. Nothing is converted in Python.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb

from fluide.ingest.dates import (
    CUSTOM,
    EPOCH_MILLISECONDS,
    EPOCH_SECONDS,
    EXCEL_SERIAL,
    ISO,
    NUMERIC,
    Choice,
    Reading,
    Shape,
    choose_reading,
    is_iso_shape,
    is_number_shape,
    sample_shapes,
    shape_of,
)
from fluide.ingest.errors import InputError
from fluide.ingest.reader import read_csv_sql, reject_rows, unreadable
from fluide.ingest.rejects import lines_of, rejected_value
from fluide.ingest.source import Source
from fluide.ingest.sql import ident, lit

_FIRST_TWO = re.compile(r"^(\d+)\D(\d+)")
SAMPLE = 1000
"""Values looked at before trusting an ISO column to the typed reader."""
MAX_SHAPES = 200


# Local wall time in the session's zone. Not a CAST: DuckDB would push a cast
# of the column into the reader, which then ignores ``timestampformat``.
LOCAL = "timezone(current_setting('TimeZone')"


def reader_type(reading: Reading) -> str:
    """The reader's type for the column under ``reading``."""
    if reading.kind == ISO:
        return "TIMESTAMPTZ"
    if reading.kind in NUMERIC:
        return "DOUBLE"
    return "TIMESTAMP"


def ts_sql(reading: Reading, expr: str) -> str:
    """``expr`` (the typed column) as a ``TIMESTAMPTZ``: naive times are in the session zone."""
    if reading.kind == ISO:
        return expr
    if reading.kind == EPOCH_SECONDS:
        return f"to_timestamp({expr})"
    if reading.kind == EPOCH_MILLISECONDS:
        return f"to_timestamp({expr} / 1000.0)"
    if reading.kind == EXCEL_SERIAL:
        # Days since 1899-12-30 in local wall time; Excel's fractions are
        # binary, so round to the second.
        return f"{LOCAL}, TIMESTAMP '1899-12-30' + to_seconds(round({expr} * 86400)))"
    if reading.has_offset:
        return f"timezone('UTC', {expr})"  # %z gives the UTC instant
    return f"{LOCAL}, {expr})"


def check_format(fmt: str) -> None:
    """Refuse a ``--date-format`` DuckDB cannot use, naming it."""
    if "%" not in fmt:
        raise InputError(
            "--date-format takes a strptime format such as %(example)s, got %(value)s.",
            example="%d/%m/%Y %H:%M",
            value=fmt,
        )
    con = duckdb.connect()
    try:
        con.execute("SELECT try_strptime('', ?)", [fmt])
    except duckdb.Error as exc:
        raise InputError(
            "--date-format %(value)s is not a valid format: %(reason)s",
            value=fmt,
            reason=str(exc).split("\n")[0].split(": ", 1)[-1],
        ) from None
    finally:
        con.close()


def _text_reader(source: Source) -> str:
    return read_csv_sql(source, dict.fromkeys(source.header, "VARCHAR"))


def _query(sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        try:
            return con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise unreadable(exc) from None
    finally:
        con.close()


def sample_values(source: Source, column: str) -> list[str]:
    """The column's first non-empty values (at most :data:`SAMPLE`)."""
    c = ident(column)
    rows = _query(
        f"SELECT trim({c}) FROM {_text_reader(source)} "
        f"WHERE {c} IS NOT NULL AND trim({c}) <> '' LIMIT {SAMPLE}"
    )
    return [str(r[0]) for r in rows]


def _second(value: str | None) -> int | None:
    m = _FIRST_TWO.match(value or "")
    return int(m[2]) if m else None


def _first(value: str | None) -> int | None:
    m = _FIRST_TWO.match(value or "")
    return int(m[1]) if m else None


def observe(source: Source, column: str) -> list[Shape]:
    """The column's shapes, from one pass over it (the most frequent first).

    Within one shape every number has a fixed width, so the largest value as
    text holds the largest first number, and the value with the largest text
    after the first separator the largest second number (no regex per row).
    """
    c = ident(column)
    sql = (
        f"WITH v AS (SELECT trim({c}) AS v FROM {_text_reader(source)} WHERE {c} IS NOT NULL), "
        "s AS (SELECT v, translate(v, '0123456789', '9999999999') AS shape FROM v) "
        "SELECT shape, count(*) AS n, min(v), max(v), "
        "arg_max(v, substr(v, length(shape) - length(ltrim(shape, '9')) + 2)) "
        f"FROM s GROUP BY shape ORDER BY n DESC, shape LIMIT {MAX_SHAPES}"
    )
    out = []
    for shape, n, low, high, second in _query(sql):
        pattern, lo, hi, sv = str(shape), str(low), str(high), str(second)
        number = is_number_shape(pattern)
        out.append(
            Shape(
                pattern,
                int(str(n)),
                _first(hi),
                _second(sv),
                hi,
                sv,
                float(lo) if number else None,
                float(hi) if number else None,
            )
        )
    return out


def ambiguity_rule(lang: str, delimiter: str) -> tuple[bool, str]:
    """Day-first or not for a column that fits both orders, and the rule that says so."""
    if lang == "fr":
        return True, "lang"
    if delimiter == ";":
        return True, "delimiter"
    return False, "default"


def choose(source: Source, column: str, *, date_format: str | None, lang: str) -> Choice:
    """The reading of ``column``: forced, or from its first values when they agree.

    ISO 8601 in the sample keeps the typed reader. A reading that fits every
    sampled value is kept ``sampled``: the scan reads the whole column and
    :func:`fluide.exports.scan_all` settles an ambiguity or re-chooses from
    the full column when values do not fit. Mixed samples look at the full
    column at once.
    """
    if date_format is not None:
        return Choice(Reading(CUSTOM, date_format), "forced")
    values = sample_values(source, column)
    if values and all(is_iso_shape(shape_of(v)) for v in values):
        return Choice(Reading(ISO), "iso_sample", sampled=True)
    day_first, rule = ambiguity_rule(lang, source.delimiter)
    c = choose_reading(sample_shapes(values), day_first=day_first, rule=rule)
    if values and c.fits_all:
        return replace(c, sampled=True)
    return choose_full(source, column, lang=lang)


def choose_full(source: Source, column: str, *, lang: str) -> Choice:
    """The reading of ``column`` from the shapes of all its values."""
    day_first, rule = ambiguity_rule(lang, source.delimiter)
    return choose_reading(observe(source, column), day_first=day_first, rule=rule)


def locate(source: Source, column: str, value: str) -> int | None:
    """The line (sheet row) of the first record whose ``column`` holds ``value``."""
    codec = "utf-8-sig" if source.encoding == "utf-8" else source.encoding
    with source.csv_path.open(encoding=codec, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter)
        for _ in range(source.skip):  # a first header line (SurveyMonkey)
            next(reader, None)
        if next(reader, None) is None or column not in source.header:
            return None
        # ``source.header`` holds the names as read (two header lines joined).
        i = source.header.index(column)
        start = reader.line_num + 1
        for row in reader:
            if len(row) > i and row[i].strip() == value:
                if source.row_column is not None:
                    return int(row[0])
                return start
            start = reader.line_num + 1
    return None


def _parsed(reading: Reading, raw: str) -> str:
    """``raw`` (text) read as ``reading`` would, ``NULL`` when it does not fit."""
    if reading.kind == ISO:
        return ts_sql(reading, f"TRY_CAST({raw} AS TIMESTAMPTZ)")
    if reading.kind in NUMERIC:
        return ts_sql(reading, f"TRY_CAST({raw} AS DOUBLE)")
    return ts_sql(reading, f"try_strptime({raw}, {lit(reading.format or '')})")


def samples(
    source: Source, columns: Sequence[str], tz: str, reading: Reading, date_column: str, n: int = 3
) -> dict[str, list[tuple[str, str | None]]]:
    """The first ``n`` non-empty values of each column; the date column's with how it reads."""
    reader = _text_reader(source)
    out: dict[str, list[tuple[str, str | None]]] = {}
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = {lit(tz)}")
        for column in columns:
            c = ident(column)
            read = f"epoch({_parsed(reading, f'trim({c})')})" if column == date_column else "NULL"
            try:
                rows = con.execute(
                    f"SELECT trim({c}), {read} FROM {reader} "
                    f"WHERE {c} IS NOT NULL AND trim({c}) <> '' LIMIT {int(n)}"
                ).fetchall()
            except duckdb.Error as exc:
                raise unreadable(exc) from None
            out[column] = [
                (str(v), None if r is None else _local(float(str(r)), tz)) for v, r in rows
            ]
    finally:
        con.close()
    return out


def _local(epoch: float, tz: str) -> str:
    return datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo(tz)).isoformat()


def bad_dates(
    source: Source, column: str, reading: Reading, tz: str
) -> list[tuple[int, str | None]]:
    """Every record whose ``column`` does not read as ``reading``: (line, value), in order."""
    types = dict.fromkeys(source.header, "VARCHAR")
    types[column] = reader_type(reading)
    reader = read_csv_sql(source, types, [column], reading.format)
    rows = [
        r
        for r in reject_rows(reader, (f"SET TimeZone = {lit(tz)}",))
        if r[2] == "CAST" and r[1] == column
    ]
    lines = lines_of(source, rows)
    return sorted((lines.get(int(str(r[0])), int(str(r[0]))), rejected_value(r[4])) for r in rows)

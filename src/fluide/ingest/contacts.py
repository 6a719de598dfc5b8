"""Reading a contact export (a help desk's ticket or call log) into arrays.

The file is opened like a survey export (:func:`~fluide.ingest.source.open_source`:
CSV with ``,`` or ``;``, BOM or not, or a spreadsheet) and typed by DuckDB's
reader: times are TIMESTAMPTZ (naive ones in the session time zone, ``--tz``),
so a time that is not a time becomes a line-numbered reject. Text values are
turned into integer codes inside DuckDB (a hash join, no Python string
work per row), and the arrays keep the file's order.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
from numpy.typing import NDArray

from fluide.domain.recontacts import MISSING, Contacts
from fluide.ingest.errors import InputError, InputProblem
from fluide.ingest.reader import has_rejects, read_csv_sql, reject_rows, unreadable
from fluide.ingest.rejects import STRUCTURE, lines_of, rejected_value
from fluide.ingest.source import Source
from fluide.ingest.sql import ident, lit

REQUIRED = ("customer_id", "contact_at", "channel")
OPTIONAL = ("reason", "ticket_id", "resolved_at", "promised_at")
TIMES = ("contact_at", "resolved_at", "promised_at")


@dataclass(frozen=True)
class ContactColumns:
    """Which header holds each field, and the ``--by`` columns (headers, labels)."""

    fields: dict[str, str]
    by: tuple[str, ...]
    by_labels: tuple[str, ...]


def contact_columns(source: Source, by: Sequence[str]) -> ContactColumns:
    """Match the fields and ``--by`` names to the header (case does not count)."""
    visible = [h for h in source.header if h != source.row_column]
    fields = {name: h for name in (*REQUIRED, *OPTIONAL) if (h := source.column(name))}
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise InputError(
            "A contact export needs the columns customer_id, contact_at and channel; "
            "%(missing)s missing. The file's columns are: %(columns)s",
            missing=", ".join(missing),
            columns=", ".join(visible),
        )
    headers: list[str] = []
    labels: list[str] = []
    for name in by:
        actual = source.column(name)
        if actual is None or actual == source.row_column:
            raise InputError(
                "--by %(name)s: the file has no such column; its columns are: %(columns)s",
                name=name,
                columns=", ".join(visible),
            )
        if actual not in headers:
            headers.append(actual)
            labels.append(name.strip())
    return ContactColumns(fields, tuple(headers), tuple(labels))


@dataclass
class ContactLog:
    """The valid contacts of a file, as arrays and the labels of their codes."""

    contacts: Contacts
    customers: list[str]  # customer code -> customer_id
    week: NDArray[np.int64]  # ISO week of contact_at in the time zone, as year * 100 + week
    groups: dict[str, tuple[NDArray[np.int64], list[str | None]]] = field(default_factory=dict)
    problems: list[InputProblem] = field(default_factory=list)


def _types(source: Source, cols: ContactColumns) -> dict[str, str]:
    types = dict.fromkeys(source.header, "VARCHAR")
    for name in TIMES:
        if name in cols.fields:
            types[cols.fields[name]] = "TIMESTAMPTZ"
    if source.row_column:
        types[source.row_column] = "BIGINT"
    return types


def blank_sql(expr: str) -> str:
    return f"({expr} IS NULL OR trim({expr}) = '')"


_TOO_EARLY = f"(fl_res <> {MISSING} AND fl_res < fl_at)"
_INVALID = f"{blank_sql('fl_cu')} OR {blank_sql('fl_ch')} OR {_TOO_EARLY}"


def read_contacts(source: Source, by: Sequence[str], tz: str, *, skip_invalid: bool) -> ContactLog:
    """Every valid contact of ``source``; bad records are problems (raised unless skipped)."""
    cols = contact_columns(source, by)
    f = cols.fields
    setup = (f"SET TimeZone = {lit(tz)}", "SET enable_progress_bar = false")
    reader = read_csv_sql(source, _types(source, cols), [f["contact_at"]])

    def epoch(name: str) -> str:
        return f"coalesce(epoch_us({ident(f[name])}), {MISSING})" if name in f else str(MISSING)

    at = ident(f["contact_at"])
    projection = [
        f"{ident(source.row_column)} AS fl_row" if source.row_column else "NULL AS fl_row",
        f"{ident(f['customer_id'])} AS fl_cu",
        f"{ident(f['channel'])} AS fl_ch",
        f"{epoch('contact_at')} AS fl_at",
        f"{epoch('resolved_at')} AS fl_res",
        f"{epoch('promised_at')} AS fl_pro",
        f"isoyear({at}) * 100 + week({at}) AS fl_wk",
        *(f"{ident(h)} AS fl_by{i}" for i, h in enumerate(cols.by)),
    ]
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        try:
            con.execute(f"CREATE TEMP TABLE fl_c AS SELECT {', '.join(projection)} FROM {reader}")
        except duckdb.Error as exc:
            raise unreadable(exc) from None
        rejects = read_rejects(source, reader, setup) if has_rejects(con) else []
        bad = _invalid(con, source, cols, {r.record for r in rejects}, tz)
        problems = sorted({r.problem for r in rejects} | {p for _, p in bad})
        if problems and not skip_invalid:
            raise InputError(
                "%(count)s invalid records; nothing was analysed.",
                problems,
                count=len({p.line for p in problems}),
            )
        if bad:
            # The same conditions as the checks: no list of row ids in the SQL text.
            con.execute(f"CREATE TEMP TABLE fl_v AS SELECT * FROM fl_c WHERE NOT ({_INVALID})")
        else:
            con.execute("ALTER TABLE fl_c RENAME TO fl_v")
        return _arrays(con, cols, problems)
    finally:
        con.close()


@dataclass(frozen=True)
class Reject:
    record: int
    problem: InputProblem


def read_rejects(source: Source, reader: str, setup: Sequence[str]) -> list[Reject]:
    rows = reject_rows(reader, setup)
    lines = lines_of(source, rows)
    out = []
    for record, column, etype, _raw, message in rows:
        n = int(str(record))
        value = rejected_value(message)
        name = str(column or "")
        if etype == "CAST":
            kind = "empty" if not (value or "").strip() else "bad_datetime"
            allowed: str | None = "@datetime"
            value = None if kind == "empty" else value
        else:
            kind = STRUCTURE.get(str(etype), "unreadable")
            width = len([h for h in source.header if h != source.row_column])
            allowed = str(width) if kind.endswith("fields") else None
            value = str(message or "") if kind == "unreadable" else None
            name = ""
        out.append(Reject(n, InputProblem(lines.get(n, n), name, kind, value, allowed)))
    return out


def _invalid(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    cols: ContactColumns,
    rejected: set[int],
    tz: str,
) -> list[tuple[int, InputProblem]]:
    """Records DuckDB read but Fluide refuses: an empty required field, resolved too early."""
    f = cols.fields
    checks = [
        (f["customer_id"], "empty", blank_sql("fl_cu"), "NULL"),
        (f["channel"], "empty", blank_sql("fl_ch"), "NULL"),
    ]
    if "resolved_at" in f:
        checks.append(
            (
                f["resolved_at"],
                "resolved_before_contact",
                _TOO_EARLY,
                "fl_res",
            ),
        )
    found: list[tuple[int, int | None, str, str, int | None]] = []
    for column, kind, condition, expr in checks:
        rows = con.execute(f"SELECT rowid, fl_row, {expr} FROM fl_c WHERE {condition}").fetchall()
        found += [(int(r[0]), r[1], column, kind, r[2]) for r in rows]
    if not found:
        return []
    if source.row_column is not None:
        lines = {x[0]: int(x[1] or 0) for x in found}
    else:
        lines = csv_lines(source, rejected, {x[0] for x in found})
    zone = ZoneInfo(tz)
    out = []
    for rowid, _row, column, kind, value in found:
        text: str | None = None
        allowed: str | None = None
        if kind == "resolved_before_contact" and value is not None:
            text = datetime.fromtimestamp(value / 1e6, zone).isoformat()
            allowed = "@after_contact"
        out.append((rowid, InputProblem(lines.get(rowid, rowid + 2), column, kind, text, allowed)))
    return out


def csv_lines(source: Source, rejected: set[int], rowids: set[int]) -> dict[int, int]:
    """Physical line of the ``rowid``-th record DuckDB kept (only run when there are errors).

    DuckDB numbers records as Python's csv module does (blank lines
    included) and skips blank lines and rejects: walking the records
    once, skipping the same, puts each kept row on its line.
    """
    codec = "utf-8-sig" if source.encoding == "utf-8" else source.encoding
    out: dict[int, int] = {}
    last = max(rowids)
    with source.csv_path.open(encoding=codec, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=source.delimiter)
        start = 1
        kept = -1
        for number, record in enumerate(reader, start=1):
            if number > 1 and record and number not in rejected:
                kept += 1
                if kept in rowids:
                    out[kept] = start
                if kept >= last:
                    break
            start = reader.line_num + 1
    return out


def _codes(
    con: duckdb.DuckDBPyConnection, column: str, n: int, *, nullable: bool
) -> tuple[NDArray[np.int64], list[str | None]]:
    """Integer codes of a text column in file order, and the value of each code.

    Blank values share one code, whose value is ``None`` (last), when ``nullable``.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE fl_k AS SELECT v, (row_number() OVER (ORDER BY v)) - 1 "
        f"AS code FROM (SELECT DISTINCT {column} AS v FROM fl_v WHERE NOT {blank_sql(column)})"
    )
    labels: list[str | None] = [
        str(r[0]) for r in con.execute("SELECT v FROM fl_k ORDER BY code").fetchall()
    ]
    k = len(labels)
    got = con.execute(
        f"SELECT fl_v.rowid, coalesce(fl_k.code, {k}) FROM fl_v "
        f"LEFT JOIN fl_k ON fl_v.{column} = fl_k.v"
    ).fetchnumpy()
    codes = np.empty(n, dtype=np.int64)
    codes[np.asarray(got["rowid"], dtype=np.int64)] = np.asarray(
        list(got.values())[1], dtype=np.int64
    )
    if nullable and (codes == k).any():
        labels.append(None)
    return codes, labels


def _arrays(
    con: duckdb.DuckDBPyConnection, cols: ContactColumns, problems: list[InputProblem]
) -> ContactLog:
    t = con.execute("SELECT fl_at, fl_res, fl_pro, fl_wk FROM fl_v ORDER BY rowid").fetchnumpy()
    n = len(t["fl_at"])
    customer, customers = _codes(con, "fl_cu", n, nullable=False)
    channel, _ = _codes(con, "fl_ch", n, nullable=False)
    groups = {
        label: _codes(con, f"fl_by{i}", n, nullable=True) for i, label in enumerate(cols.by_labels)
    }
    contacts = Contacts(
        customer=customer,
        at=np.asarray(t["fl_at"], dtype=np.int64),
        channel=channel,
        resolved=np.asarray(t["fl_res"], dtype=np.int64),
        promised=np.asarray(t["fl_pro"], dtype=np.int64),
    )
    return ContactLog(
        contacts=contacts,
        customers=[str(c) for c in customers],
        week=np.asarray(t["fl_wk"], dtype=np.int64),
        groups=groups,
        problems=problems,
    )

"""Reading an outcomes file (``customer_id``, ``occurred_at``, ``outcome``) into arrays.

Opened like any export (:func:`~fluide.ingest.source.open_source`) and read by
DuckDB with the time column's reading chosen as for answers
(:func:`~fluide.ingest.date_column.choose_full`: ISO 8601, day- or
month-first, Unix or Excel numbers); naive times are in ``--tz``. A time
that does not read, or an empty customer or outcome, is named by its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
from numpy.typing import NDArray

from fluide.ingest.contacts import blank_sql, csv_lines, read_rejects
from fluide.ingest.date_column import choose_full, reader_type, ts_sql
from fluide.ingest.dates import Choice
from fluide.ingest.errors import InputError, InputProblem
from fluide.ingest.reader import has_rejects, read_csv_sql, unreadable
from fluide.ingest.source import Source
from fluide.ingest.sql import ident, lit

REQUIRED = ("customer_id", "occurred_at", "outcome")


@dataclass
class Outcomes:
    """Valid outcome records in file order."""

    customer: list[str]
    at: NDArray[np.int64]  # occurred_at, epoch microseconds
    outcome: list[str]
    dates: Choice
    problems: list[InputProblem] = field(default_factory=list)


def read_outcomes(source: Source, tz: str, lang: str) -> Outcomes:
    """Every valid record; bad ones are returned as problems (the caller decides)."""
    visible = [h for h in source.header if h != source.row_column]
    f = {name: h for name in REQUIRED if (h := source.column(name))}
    missing = [name for name in REQUIRED if name not in f]
    if missing:
        raise InputError(
            "--outcomes: the file needs the columns customer_id, occurred_at and outcome; "
            "%(missing)s missing. The file's columns are: %(columns)s",
            missing=", ".join(missing),
            columns=", ".join(visible),
        )
    dates = choose_full(source, f["occurred_at"], lang=lang)
    types = dict.fromkeys(source.header, "VARCHAR")
    types[f["occurred_at"]] = reader_type(dates.reading)
    if source.row_column:
        types[source.row_column] = "BIGINT"
    setup = (f"SET TimeZone = {lit(tz)}", "SET enable_progress_bar = false")
    reader = read_csv_sql(source, types, [f["occurred_at"]], dates.reading.format)
    at = ts_sql(dates.reading, ident(f["occurred_at"]))
    row = f"{ident(source.row_column)}" if source.row_column else "NULL"
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        try:
            con.execute(
                f"CREATE TEMP TABLE fl_o AS SELECT {row} AS fl_row, "
                f"trim({ident(f['customer_id'])}) AS fl_cu, trim({ident(f['outcome'])}) AS fl_out, "
                f"epoch_us({at}) AS fl_at FROM {reader}"
            )
        except duckdb.Error as exc:
            raise unreadable(exc) from None
        rejects = read_rejects(source, reader, setup) if has_rejects(con) else []
        problems = {r.problem for r in rejects}
        found = []
        for column, expr in ((f["customer_id"], "fl_cu"), (f["outcome"], "fl_out")):
            rows = con.execute(f"SELECT rowid, fl_row FROM fl_o WHERE {blank_sql(expr)}").fetchall()
            found += [(int(r[0]), r[1], column) for r in rows]
        if found:
            if source.row_column is not None:
                lines = {x[0]: int(x[1] or 0) for x in found}
            else:
                lines = csv_lines(source, {r.record for r in rejects}, {x[0] for x in found})
            problems |= {
                InputProblem(lines.get(rowid, rowid + 2), column, "empty", None, None)
                for rowid, _row, column in found
            }
        got = con.execute(
            f"SELECT fl_cu, fl_out, fl_at FROM fl_o WHERE NOT ({blank_sql('fl_cu')} OR "
            f"{blank_sql('fl_out')}) ORDER BY rowid"
        ).fetchall()
    finally:
        con.close()
    return Outcomes(
        customer=[str(r[0]) for r in got],
        at=np.array([int(r[2]) for r in got], dtype=np.int64),
        outcome=[str(r[1]) for r in got],
        dates=dates,
        problems=sorted(problems),
    )

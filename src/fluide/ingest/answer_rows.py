"""Answers of a survey export one by one (customer, time, score), for joining to contacts.

The same typed read as :func:`fluide.ingest.scan.scan` (the score an ENUM of
the scale's spellings, ``responded_at`` a TIMESTAMPTZ, rejects named by line),
projected per answer instead of counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
from numpy.typing import NDArray

from fluide.ingest.answers import spellings
from fluide.ingest.errors import InputProblem
from fluide.ingest.reader import has_rejects, read_csv_sql, reject_rows, unreadable
from fluide.ingest.rejects import problems_from_rejects
from fluide.ingest.scan import SCORE_TYPE, column_types, time_expr, where_clause, with_time
from fluide.ingest.source import Source
from fluide.ingest.spec import ScanSpec
from fluide.ingest.sql import ident, lit


@dataclass
class AnswerRows:
    customer: list[str | None]  # as written; None when blank
    at: NDArray[np.int64]  # responded_at, epoch microseconds
    score: NDArray[np.int64]  # the point on the scale
    problems: list[InputProblem] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)  # column -> values ("" if blank)


def answer_rows(
    source: Source, spec: ScanSpec, customer_column: str | None, extra: Sequence[str] = ()
) -> AnswerRows:
    """Every valid answer of ``spec.question`` with its customer, in file order.

    ``extra`` columns (headers) come back as text, a blank cell as ``""``.
    """
    tokens = spellings(spec.question, spec.labels)
    code_to_point = np.array([p for _, p in tokens], dtype=np.int64)
    setup = (
        f"SET TimeZone = {lit(spec.tz)}",
        "SET enable_progress_bar = false",
        f"CREATE TYPE {SCORE_TYPE} AS ENUM ({', '.join(lit(t) for t, _ in tokens)})",
    )
    cols = spec.columns
    required = [cols.fields[f] for f in ("responded_at", "score")]
    fmt = spec.dates.reading.format if spec.dates is not None else None
    reader = read_csv_sql(source, column_types(source, spec), required, fmt)
    sql = (
        f"SELECT {ident(customer_column) if customer_column else 'NULL'} AS cu, "
        f"epoch_us({time_expr(spec)}) AS at, enum_code({ident(cols.fields['score'])}) AS code"
        f"{''.join(f', CAST({ident(h)} AS VARCHAR)' for h in extra)} "
        f"FROM {with_time(reader, spec)} {where_clause(spec)}"
    )
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        try:
            got = con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise unreadable(exc) from None
        rejected = has_rejects(con)
    finally:
        con.close()
    problems = problems_from_rejects(reject_rows(reader, setup), source, spec) if rejected else []
    return AnswerRows(
        customer=[None if r[0] is None or not str(r[0]).strip() else str(r[0]) for r in got],
        at=np.array([int(r[1]) for r in got], dtype=np.int64),
        score=code_to_point[np.array([int(r[2]) for r in got], dtype=np.int64)]
        if got
        else np.zeros(0, dtype=np.int64),
        problems=problems,
        extra={
            h: ["" if r[3 + i] is None else str(r[3 + i]).strip() for r in got]
            for i, h in enumerate(extra)
        },
    )

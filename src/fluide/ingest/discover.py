"""Which questions (scale × polarity) a file states per row."""

from __future__ import annotations

import duckdb

from fluide.domain.scales import SCALES, Polarity
from fluide.ingest.errors import InputProblem
from fluide.ingest.reader import has_rejects, read_csv_sql, reject_rows, unreadable
from fluide.ingest.rejects import lines_of, rejected_value
from fluide.ingest.source import Columns, Source
from fluide.ingest.sql import ident, lit

Combos = dict[tuple[str | None, str | None], int]


def discover_questions(
    source: Source, columns: Columns, touchpoint: str | None
) -> tuple[Combos, list[InputProblem]]:
    """The (scale, polarity) combinations a file states, with their counts.

    Empty cells stay ``None``: those rows take the ``--scale``/``--polarity``
    flags. Unknown values are problems, named by line like any bad field.
    """
    scale_col, pol_col = columns.get("scale"), columns.get("polarity")
    types = dict.fromkeys(source.header, "VARCHAR")
    if source.row_column:
        types[source.row_column] = "BIGINT"
    if scale_col:
        types[scale_col] = "ENUM(" + ", ".join(lit(k) for k in SCALES) + ")"
    if pol_col:
        types[pol_col] = "ENUM(" + ", ".join(lit(p.value) for p in Polarity) + ")"
    reader = read_csv_sql(source, types)
    where = ""
    if touchpoint is not None and columns.get("touchpoint"):
        where = f"WHERE {ident(columns.fields['touchpoint'])} = {lit(touchpoint)}"
    s = f"CAST({ident(scale_col)} AS VARCHAR)" if scale_col else "NULL"
    p = f"CAST({ident(pol_col)} AS VARCHAR)" if pol_col else "NULL"
    setup = ("SET enable_progress_bar = false",)
    con = duckdb.connect()
    try:
        con.execute(setup[0])
        try:
            rows = con.execute(
                f"SELECT {s}, {p}, count(*) FROM {reader} {where} GROUP BY ALL"
            ).fetchall()
        except duckdb.Error as exc:
            raise unreadable(exc) from None
        rejected = has_rejects(con)
    finally:
        con.close()
    combos: Combos = {(r[0], r[1]): int(r[2]) for r in rows}
    if not rejected:
        return combos, []
    # Other problems (bad scores…) are the per-question scans' to report.
    rejects = [
        r for r in reject_rows(reader, setup) if r[2] == "CAST" and r[1] in (scale_col, pol_col)
    ]
    lines = lines_of(source, rejects)
    problems = []
    for record, column, _etype, _raw, message in rejects:
        is_scale = column == scale_col
        n = int(str(record))
        problems.append(
            InputProblem(
                lines.get(n, n),
                str(column),
                "unknown_scale" if is_scale else "unknown_polarity",
                rejected_value(message),
                ", ".join(SCALES) if is_scale else ", ".join(x.value for x in Polarity),
            )
        )
    return combos, sorted(problems)

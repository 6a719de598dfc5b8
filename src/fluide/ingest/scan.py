"""The one typed scan of an export, returning counts per score for every grouping.

Typing happens inside DuckDB's CSV reader: the score column is an ENUM of the
scale's accepted spellings, ``responded_at`` a TIMESTAMPTZ (naive values take
the session time zone), and empty required fields are forced to fail. Every
bad field then becomes a *reject* that DuckDB records with its record number,
so validation costs nothing beyond the parse, and nothing is dropped unseen.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
from numpy.typing import NDArray

from fluide.domain.periods import Period
from fluide.domain.segments import TENURE
from fluide.ingest.answers import spellings, unlisted_spellings
from fluide.ingest.date_column import reader_type, ts_sql
from fluide.ingest.dates import ISO, Reading
from fluide.ingest.errors import InputError
from fluide.ingest.reader import has_rejects, read_csv_sql, reject_rows, unreadable
from fluide.ingest.rejects import problems_from_rejects
from fluide.ingest.source import Source
from fluide.ingest.spec import AnswerGroup, Progress, ScanResult, ScanSpec, Verbatim
from fluide.ingest.sql import ident, lit

_PERIOD_FORMAT = {Period.DAY: "%Y-%m-%d", Period.WEEK: "%G-W%V", Period.MONTH: "%Y-%m"}
SCORE_TYPE = "fluide_score"


@dataclass(frozen=True)
class _Dim:
    name: str
    expr: str


def _reading(spec: ScanSpec) -> Reading:
    return spec.dates.reading if spec.dates is not None else Reading(ISO)


TS_COLUMN = "__fluide_ts"


def time_expr(spec: ScanSpec) -> str:
    """The time column as a ``TIMESTAMPTZ``: the typed column itself for ISO 8601,
    else the column :func:`with_time` adds (converted once per row)."""
    if _reading(spec).kind == ISO:
        return ident(spec.columns.fields["responded_at"])
    return ident(TS_COLUMN)


def with_time(reader: str, spec: ScanSpec) -> str:
    """The reader, with the time column converted to a ``TIMESTAMPTZ`` when it is not ISO."""
    if _reading(spec).kind == ISO:
        return reader
    ts = ts_sql(_reading(spec), ident(spec.columns.fields["responded_at"]))
    return f"(SELECT *, {ts} AS {ident(TS_COLUMN)} FROM {reader})"


def _dims(source: Source, spec: ScanSpec) -> list[_Dim]:
    cols = spec.columns
    ts = time_expr(spec)
    dims: list[_Dim] = []
    for i, b in enumerate(cols.by):
        if b == TENURE and source.column(TENURE) is None:
            since = cols.get("customer_since")
            if since is None:
                raise InputError(
                    "--by tenure needs a customer_since column (the customer's start date, "
                    "YYYY-MM-DD), or --map customer_since=COLUMN."
                )
            expr = (
                f"CASE WHEN {ident(since)} IS NULL THEN NULL "
                f"WHEN date_diff('day', {ident(since)}, CAST({ts} AS DATE)) < {int(spec.new_days)} "
                "THEN 'new' ELSE 'established' END"
            )
        else:
            expr = f"CAST({ident(b)} AS VARCHAR)"
        dims.append(_Dim(f"by{i}", expr))
    for p in spec.periods:
        dims.append(_Dim(f"period_{p.value}", f"strftime({ts}, {lit(_PERIOD_FORMAT[p])})"))
    if "question_version" in cols.fields:
        dims.append(_Dim("version", f"CAST({ident(cols.fields['question_version'])} AS VARCHAR)"))
    if spec.change_at is not None:
        at = spec.change_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")
        dims.append(
            _Dim("side", f"CASE WHEN {ts} < TIMESTAMPTZ {lit(at)} THEN 'before' ELSE 'after' END")
        )
    return dims


def _grouping_sets(dims: list[_Dim]) -> list[tuple[str, ...]]:
    names = [d.name for d in dims]
    sets: list[tuple[str, ...]] = [()]
    sets += [(n,) for n in names if n != "side"]
    if "side" in names:
        sets.append(("side",))
        if "version" in names:
            sets.append(("side", "version"))
    return sets


def _run(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None
) -> list[tuple[object, ...]]:
    if progress is None:
        return con.execute(sql).fetchall()
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["rows"] = con.execute(sql).fetchall()
        except Exception as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        try:
            done = con.query_progress()
        except duckdb.Error:
            done = -1
        if done is not None and done >= 0:
            progress(min(done, 100.0) / 100.0)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    progress(1.0)
    return box["rows"]  # type: ignore[return-value]


def column_types(source: Source, spec: ScanSpec) -> dict[str, str]:
    """Column types for the reader: ours where a field has a meaning, text elsewhere."""
    cols = spec.columns
    types = dict.fromkeys(source.header, "VARCHAR")
    types[cols.fields["responded_at"]] = reader_type(_reading(spec))
    types[cols.fields["score"]] = SCORE_TYPE
    if TENURE in cols.by and "customer_since" in cols.fields:
        types[cols.fields["customer_since"]] = "DATE"
    if source.row_column:
        types[source.row_column] = "BIGINT"
    if spec.only_scale is not None and "scale" in cols.fields:
        types[cols.fields["scale"]] = f"ENUM({lit(spec.only_scale)})"
    if spec.only_polarity is not None and "polarity" in cols.fields:
        types[cols.fields["polarity"]] = f"ENUM({lit(spec.only_polarity)})"
    return types


def where_clause(spec: ScanSpec) -> str:
    cols = spec.columns
    conditions = []
    if spec.touchpoint is not None:
        tp = cols.get("touchpoint")
        if tp is None:
            raise InputError("--touchpoint needs a touchpoint column (or --map touchpoint=COLUMN).")
        conditions.append(f"{ident(tp)} = {lit(spec.touchpoint)}")
    # Referencing the stated scale/polarity makes the reader parse (and so
    # type-check) them: rows of another question become rejects that this
    # scan sets aside. Empty cells go to the scan of the flags' question.
    for only, name, takes in (
        (spec.only_scale, "scale", spec.takes_empty_scale),
        (spec.only_polarity, "polarity", spec.takes_empty_polarity),
    ):
        if only is not None and cols.get(name):
            c = f"CAST({ident(cols.fields[name])} AS VARCHAR)"
            conditions.append(
                f"({c} IS NULL OR {c} = {lit(only)})" if takes else f"{c} = {lit(only)}"
            )
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


def _sql(reader: str, spec: ScanSpec, dims: list[_Dim], high_codes: list[int]) -> str:
    """One projection straight from the reader, then one grouped pass.

    ``fl_`` aliases cannot clash with a header: dims are aliased by position.
    """
    cols = spec.columns
    comment, tp_col = cols.get("comment"), cols.get("touchpoint")
    names = [f"fl_{d.name}" for d in dims]
    # A column that read both day-first and month-first in its first values:
    # a day above 12 anywhere settles it (no value would read the other way).
    # The day as written: of the reader's naive value, once per row.
    settle = spec.dates is not None and spec.dates.ambiguous
    projection = ", ".join(
        [
            f"enum_code({ident(cols.fields['score'])}) AS fl_code",
            f"{time_expr(spec)} AS fl_ts",
            f"dayofmonth({ident(cols.fields['responded_at'])}) AS fl_day"
            if settle
            else "NULL::INTEGER AS fl_day",
            f"{ident(comment)} AS fl_cm" if comment else "NULL::VARCHAR AS fl_cm",
            f"{ident(tp_col)} AS fl_tp" if tp_col else "NULL::VARCHAR AS fl_tp",
            *(f"{d.expr} AS fl_{d.name}" for d in dims),
        ]
    )
    group_cols = ", ".join(names)
    day = "max(fl_day)" if settle else "NULL"
    grouping = f"GROUPING({group_cols})" if names else "0"
    sets_sql = ", ".join(
        "(" + ", ".join(("fl_code", *(f"fl_{n}" for n in st))) + ")" for st in _grouping_sets(dims)
    )
    sql = (
        f"WITH t AS (SELECT {projection} FROM {reader} {where_clause(spec)}) "
        f"SELECT {grouping} AS gid, fl_code{', ' + group_cols if names else ''}, count(*) AS c, "
        f"epoch(min(fl_ts)), epoch(max(fl_ts)), {day}, NULL AS verbatims, NULL AS answers "
        f"FROM t GROUP BY GROUPING SETS ({sets_sql})"
    )
    nulls = ", ".join(["NULL"] * (len(names) + 5))
    if comment and spec.verbatims > 0 and high_codes:
        # A separate branch over the same CTE: DuckDB shares the scan, and the
        # top-N runs once instead of once per grouping set.
        sql += (
            f" UNION ALL SELECT -1, {nulls}, max_by({{'at': epoch(fl_ts), 'code': fl_code, "
            f"'comment': fl_cm, 'tp': fl_tp}}, fl_ts, {int(spec.verbatims)}), NULL FROM t "
            f"WHERE fl_code IN ({', '.join(map(str, high_codes))}) AND fl_cm IS NOT NULL "
            "AND trim(fl_cm) <> ''"
        )
    if comment and spec.answer_groups:
        sql += f" UNION ALL SELECT -2, {nulls}, NULL, list(g) FROM ({_answers_sql(spec)}) AS g"
    return sql


def _answers_sql(spec: ScanSpec) -> str:
    """Answers of two weeks, grouped, for the frictions (another branch on the same scan).

    Without a window, the two weeks end with the scan's latest answer: from
    the Monday before the Monday of its week, local midnight (``date_trunc``
    and the interval follow the session time zone). That covers the last two
    weeks of every scan of a file, so of the file's own last two weeks.
    """
    if spec.answers_window is not None:
        start, end = (
            lit(x.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")) for x in spec.answers_window
        )
        where = f"fl_ts >= TIMESTAMPTZ {start} AND fl_ts < TIMESTAMPTZ {end}"
    else:
        where = "fl_ts >= (SELECT date_trunc('week', max(fl_ts)) - INTERVAL 7 DAY FROM t)"
    return (
        "SELECT fl_tp AS tp, strftime(fl_ts, '%G-W%V') AS wk, "
        "CASE WHEN trim(fl_cm) <> '' THEN fl_cm END AS cm, fl_code AS code, count(*) AS n, "
        f"epoch(max(fl_ts)) AS latest FROM t WHERE {where} GROUP BY ALL"
    )


def scan(source: Source, spec: ScanSpec, progress: Progress | None = None) -> ScanResult:
    """Read ``source`` once and return the counts for every grouping of ``spec``.

    A second pass runs only when words of the scale were refused for their
    spelling (``TRÈS  facile``): the ENUM then lists them as the file writes them.
    """
    tokens = spellings(spec.question, spec.labels)
    result = _scan(source, spec, tokens, progress)
    score = spec.columns.fields["score"]
    refused = [p.value for p in result.problems if p.field == score and p.value is not None]
    extra = unlisted_spellings(spec.question, spec.labels, refused, [t for t, _ in tokens])
    if extra:
        tokens = spellings(spec.question, spec.labels, extra)
        result = _scan(source, spec, tokens, progress)
    return result


def _scan(
    source: Source, spec: ScanSpec, tokens: list[tuple[str, int]], progress: Progress | None
) -> ScanResult:
    q = spec.question
    code_to_point = np.array([p for _, p in tokens], dtype=np.int64)
    setup = (
        f"SET TimeZone = {lit(spec.tz)}",
        "SET enable_progress_bar = false",
        f"CREATE TYPE {SCORE_TYPE} AS ENUM ({', '.join(lit(t) for t, _ in tokens)})",
    )
    required = [spec.columns.fields[f] for f in ("responded_at", "score")]
    reader = read_csv_sql(source, column_types(source, spec), required, _reading(spec).format)
    dims = _dims(source, spec)
    high_codes = [i for i, (_, p) in enumerate(tokens) if q.group_of(p) == "high"]
    sql = _sql(with_time(reader, spec), spec, dims, high_codes)
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        try:
            rows = _run(con, sql, progress)
        except duckdb.Error as exc:
            raise unreadable(exc) from None
        rejected = has_rejects(con)
    finally:
        con.close()
    result = _collect(rows, dims, _grouping_sets(dims), code_to_point, q.k, spec)
    if rejected:
        result.problems = problems_from_rejects(reject_rows(reader, setup), source, spec)
    return result


def _collect(
    rows: Sequence[tuple[object, ...]],
    dims: list[_Dim],
    sets: list[tuple[str, ...]],
    code_to_point: NDArray[np.int64],
    k: int,
    spec: ScanSpec,
) -> ScanResult:
    names = [d.name for d in dims]
    nd = len(names)
    gid_of = {}
    for s in sets:
        gid = 0
        for i, name in enumerate(names):
            if name not in s:
                gid |= 1 << (nd - 1 - i)
        gid_of[gid] = s
    res = ScanResult(k=k, overall=np.zeros(k, dtype=np.int64))
    tz = ZoneInfo(spec.tz)
    verbatims: list[Verbatim] = []
    side_versions: dict[str, set[str]] = {}
    for row in rows:
        if row[0] == -2:
            for g in row[-1] or []:  # type: ignore[attr-defined]
                res.answer_groups.append(
                    AnswerGroup(
                        touchpoint=None if g["tp"] is None else str(g["tp"]),
                        week=str(g["wk"]),
                        comment=None if g["cm"] is None else str(g["cm"]),
                        score=int(code_to_point[int(g["code"])]),
                        count=int(g["n"]),
                        responded_at=datetime.fromtimestamp(float(g["latest"]), UTC)
                        .astimezone(tz)
                        .isoformat(),
                    )
                )
            continue
        if row[0] == -1:
            for v in row[-2] or []:  # type: ignore[attr-defined]
                at = float(v["at"])
                verbatims.append(
                    Verbatim(
                        at=at,
                        responded_at=datetime.fromtimestamp(at, UTC).astimezone(tz).isoformat(),
                        score=int(code_to_point[int(v["code"])]),
                        comment=str(v["comment"]),
                        touchpoint=None if v["tp"] is None else str(v["tp"]),
                    )
                )
            continue
        gid, code = int(row[0]), int(row[1])  # type: ignore[call-overload]
        values = dict(zip(names, row[2 : 2 + nd], strict=True))
        count, first, last, max_day = row[2 + nd : 6 + nd]
        point = int(code_to_point[code])
        s = gid_of[gid]
        c = int(count)  # type: ignore[call-overload]

        def bump(
            table: dict[object, NDArray[np.int64]], key: object, _p: int = point, _c: int = c
        ) -> None:
            if key not in table:
                table[key] = np.zeros(k, dtype=np.int64)
            table[key][_p - 1] += _c

        if s == ():
            res.overall[point - 1] += c
            if max_day is not None:
                res.max_day = max(res.max_day or 0, int(max_day))  # type: ignore[call-overload]
            f = datetime.fromtimestamp(float(first), UTC) if first is not None else None  # type: ignore[arg-type]
            la = datetime.fromtimestamp(float(last), UTC) if last is not None else None  # type: ignore[arg-type]
            if f is not None and (res.first is None or f < res.first):
                res.first = f
            if la is not None and (res.last is None or la > res.last):
                res.last = la
        elif s == ("side",):
            bump(res.sides, values["side"])  # type: ignore[arg-type]
        elif s == ("side", "version"):
            if values["version"] is not None:
                side_versions.setdefault(str(values["side"]), set()).add(str(values["version"]))
        elif s == ("version",):
            if values["version"] is not None:
                res.versions[str(values["version"])] = (
                    res.versions.get(str(values["version"]), 0) + c
                )
        else:
            (name,) = s
            if name.startswith("by"):
                col = spec.columns.by_labels[int(name[2:])]
                bump(res.groups.setdefault(col, {}), values[name])  # type: ignore[arg-type]
            elif name.startswith("period_"):
                per = Period(name.removeprefix("period_"))
                bump(res.periods.setdefault(per, {}), values[name])  # type: ignore[arg-type]
    verbatims.sort(key=lambda v: v.at, reverse=True)
    res.verbatims = verbatims[: spec.verbatims]
    res.side_versions = side_versions
    return res

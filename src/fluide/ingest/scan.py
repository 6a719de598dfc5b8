"""The one typed scan of an export, returning counts per score for every grouping.

Typing happens inside DuckDB's CSV reader: the score column is an ENUM of the
scale's accepted spellings, ``responded_at`` a TIMESTAMPTZ (naive values take
the session time zone), and empty required fields are forced to fail. Every
bad field then becomes a *reject* that DuckDB records with its record number,
so validation costs nothing beyond the parse, and nothing is dropped unseen.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
from numpy.typing import NDArray

from fluide.domain.periods import Period
from fluide.domain.scales import Question
from fluide.domain.segments import TENURE
from fluide.ingest.errors import InputError, InputProblem
from fluide.ingest.source import Columns, Source, first_field, physical_lines
from fluide.ingest.sql import ident, lit

Progress = Callable[[float], None]

_PERIOD_FORMAT = {Period.DAY: "%Y-%m-%d", Period.WEEK: "%G-W%V", Period.MONTH: "%Y-%m"}
_CONVERT = re.compile(r'Could not convert string "(.*)" to ', re.S)


def _reject_rows(reader: str, setup: Sequence[str]) -> list[tuple[object, ...]]:
    """Rejects of ``reader`` with their right column names.

    DuckDB (2.0) misnames a reject's column when the reader skips columns the
    query does not use; reading every column (``SELECT *``) names them right.
    This second pass runs only when the fast pass found rejects.
    """
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        con.execute(f"CREATE TEMP TABLE fl_all AS SELECT * FROM {reader}")
        return con.execute(
            "SELECT line, column_name, error_type, csv_line, error_message FROM reject_errors ORDER BY line"
        ).fetchall()
    finally:
        con.close()


@dataclass(frozen=True)
class ScanSpec:
    """What to read and how to group it."""

    question: Question
    tz: str
    columns: Columns
    periods: tuple[Period, ...] = (Period.WEEK,)
    touchpoint: str | None = None
    new_days: int = 90
    change_at: datetime | None = None  # split into before/after sides
    verbatims: int = 10
    # When the file states each row's scale/polarity, scan only one combination:
    only_scale: str | None = None
    only_polarity: str | None = None
    # ... and whether rows with an empty scale/polarity cell belong to this scan.
    takes_empty_scale: bool = False
    takes_empty_polarity: bool = False


@dataclass
class ScanResult:
    k: int
    overall: NDArray[np.int64]
    groups: dict[str, dict[str | None, NDArray[np.int64]]] = field(default_factory=dict)
    periods: dict[Period, dict[str, NDArray[np.int64]]] = field(default_factory=dict)
    sides: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    side_versions: dict[str, set[str]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    verbatims: list[dict[str, object]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    problems: list[InputProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return int(self.overall.sum())


def _tokens(q: Question) -> list[tuple[str, int]]:
    """Accepted spellings of each point: "7", "7.0", "7,0" and the scale's symbols."""
    out: list[tuple[str, int]] = []
    for token, point in q.tokens().items():
        out.append((token, point))
        if token.isdigit():
            out += [(f"{token}.0", point), (f"{token},0", point)]
    return out


def _reader(source: Source, spec: ScanSpec, enum_type: str) -> str:
    cols = spec.columns
    types: dict[str, str] = {h: "VARCHAR" for h in source.header}
    types[cols.fields["responded_at"]] = "TIMESTAMPTZ"
    types[cols.fields["score"]] = enum_type
    if TENURE in cols.by and "customer_since" in cols.fields:
        types[cols.fields["customer_since"]] = "DATE"
    if source.row_column:
        types[source.row_column] = "BIGINT"
    if spec.only_scale is not None and "scale" in cols.fields:
        types[cols.fields["scale"]] = f"ENUM({lit(spec.only_scale)})"
    if spec.only_polarity is not None and "polarity" in cols.fields:
        types[cols.fields["polarity"]] = f"ENUM({lit(spec.only_polarity)})"
    columns = "{" + ", ".join(f"{lit(h)}: {lit(t)}" for h, t in types.items()) + "}"
    required = ", ".join(lit(cols.fields[f]) for f in ("responded_at", "score"))
    return (
        f"read_csv({lit(str(source.csv_path))}, header = true, delim = {lit(source.delimiter)}, "
        f"quote = '\"', escape = '\"', encoding = {lit(source.encoding)}, columns = {columns}, "
        f"force_not_null = [{required}], store_rejects = true, auto_detect = false)"
    )


@dataclass(frozen=True)
class _Dim:
    name: str
    expr: str


def _dims(source: Source, spec: ScanSpec) -> list[_Dim]:
    cols = spec.columns
    ts = ident(cols.fields["responded_at"])
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
        dims.append(_Dim("side", f"CASE WHEN {ts} < TIMESTAMPTZ {lit(at)} THEN 'before' ELSE 'after' END"))
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


def _run(con: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None) -> list[tuple[object, ...]]:
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


def _classify_score(value: str, q: Question) -> str:
    if value.strip() == "":
        return "empty"
    try:
        x = float(value.strip().replace(",", "."))
    except ValueError:
        return "not_a_number"
    if not x.is_integer():
        return "not_whole"
    return "out_of_scale"


def _problems(rows: Sequence[tuple[object, ...]], source: Source, spec: ScanSpec) -> list[InputProblem]:
    if not rows:
        return []
    cols = spec.columns
    foreign: set[int] = set()  # records on another scale/polarity: another scan's business
    for line, column, etype, _raw, _msg in rows:
        if etype == "CAST" and column in (cols.get("scale"), cols.get("polarity")) and (
            spec.only_scale is not None or spec.only_polarity is not None
        ):
            foreign.add(int(line))
    q = spec.question
    allowed_points = ", ".join(str(p) for p in q.points)
    raw: list[tuple[int, str, str, str | None, str | None]] = []
    for line, column, etype, csv_line, message in rows:  # type: ignore[misc]
        if int(line) in foreign:  # type: ignore[call-overload]
            continue
        value: str | None = None
        m = _CONVERT.search(str(message or ""))
        if m:
            value = m.group(1)
        name = str(column) if column is not None else ""
        if etype == "CAST" and name == cols.fields["score"]:
            kind = _classify_score(value or "", q)
            allowed = allowed_points
        elif etype == "CAST" and name == cols.fields["responded_at"]:
            kind = "empty" if not (value or "").strip() else "bad_datetime"
            allowed = "@datetime"
        elif etype == "CAST" and name == cols.get("customer_since"):
            kind, allowed = "bad_date", "@date"
        elif etype == "CAST":
            kind, allowed = "bad_value", None
        else:
            kind = {
                "MISSING COLUMNS": "missing_fields",
                "TOO MANY COLUMNS": "too_many_fields",
                "UNQUOTED VALUE": "bad_quoting",
                "INVALID UNICODE": "bad_encoding",
                "LINE SIZE OVER MAXIMUM": "line_too_long",
            }.get(str(etype), "unreadable")
            allowed = str(len([h for h in source.header if h != source.row_column])) if kind.endswith("fields") else None
            value = None if kind != "unreadable" else str(message or "")
            name = ""
        raw.append((int(line), name, kind, value, allowed))  # type: ignore[call-overload]
    if source.row_column is not None:
        csv_lines = {int(r[0]): str(r[3] or "") for r in rows}  # type: ignore[call-overload]
        mapping = {n: int(first_field(csv_lines[n], ",") or 0) for n in {r[0] for r in raw}}
        field_names = {h: h for h in source.header}
    else:
        mapping = physical_lines(source, [r[0] for r in raw])
        field_names = {h: h for h in source.header}
    return sorted(
        {
            InputProblem(mapping.get(n, n), field_names.get(f, f), kind, value, allowed)
            for n, f, kind, value, allowed in raw
        }
    )


def scan(source: Source, spec: ScanSpec, progress: Progress | None = None) -> ScanResult:
    """Read ``source`` once and return the counts for every grouping of ``spec``."""
    q = spec.question
    tokens = _tokens(q)
    code_to_point = np.array([p for _, p in tokens], dtype=np.int64)
    enum_values = ", ".join(lit(t) for t, _ in tokens)
    setup = (
        f"SET TimeZone = {lit(spec.tz)}",
        "SET enable_progress_bar = false",
        f"CREATE TYPE fluide_score AS ENUM ({enum_values})",
    )
    reader = _reader(source, spec, "fluide_score")
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        dims = _dims(source, spec)
        cols = spec.columns
        where = ""
        if spec.touchpoint is not None:
            tp = cols.get("touchpoint")
            if tp is None:
                raise InputError("--touchpoint needs a touchpoint column (or --map touchpoint=COLUMN).")
            where = f"WHERE {ident(tp)} = {lit(spec.touchpoint)}"
        # Referencing the stated scale/polarity makes the reader parse (and so
        # type-check) them: rows of another question become rejects that this
        # scan sets aside. Empty cells go to the scan of the flags' question.
        for only, name, takes in (
            (spec.only_scale, "scale", spec.takes_empty_scale),
            (spec.only_polarity, "polarity", spec.takes_empty_polarity),
        ):
            if only is not None and cols.get(name):
                c = f"CAST({ident(cols.fields[name])} AS VARCHAR)"
                cond = f"({c} IS NULL OR {c} = {lit(only)})" if takes else f"{c} = {lit(only)}"
                where += (" AND " if where else "WHERE ") + cond
        comment = cols.get("comment")
        tp_col = cols.get("touchpoint")
        high_codes = [i for i, (_, p) in enumerate(tokens) if q.group_of(p) == "high"]
        # One projection straight from the reader (fl_ names cannot clash with
        # a header: dims are aliased by position), then one grouped pass.
        names = [f"fl_{d.name}" for d in dims]
        projection = ", ".join(
            [
                f"enum_code({ident(cols.fields['score'])}) AS fl_code",
                f"{ident(cols.fields['responded_at'])} AS fl_ts",
                f"{ident(comment)} AS fl_cm" if comment else "NULL::VARCHAR AS fl_cm",
                f"{ident(tp_col)} AS fl_tp" if tp_col else "NULL::VARCHAR AS fl_tp",
                *(f"{d.expr} AS fl_{d.name}" for d in dims),
            ]
        )
        sets = _grouping_sets(dims)
        group_cols = ", ".join(names)
        grouping = f"GROUPING({group_cols})" if names else "0"
        sets_sql = ", ".join(
            "(" + ", ".join(("fl_code", *(f"fl_{n}" for n in st))) + ")" for st in sets
        )
        sql = (
            f"WITH t AS (SELECT {projection} FROM {reader} {where}) "
            f"SELECT {grouping} AS gid, fl_code{', ' + group_cols if names else ''}, count(*) AS c, "
            "epoch(min(fl_ts)), epoch(max(fl_ts)), NULL AS verbatims "
            f"FROM t GROUP BY GROUPING SETS ({sets_sql})"
        )
        if comment and spec.verbatims > 0 and high_codes:
            # A separate branch over the same CTE: DuckDB shares the scan, and the
            # top-N runs once instead of once per grouping set.
            nulls = ", ".join(["NULL"] * (len(names) + 4))
            sql += (
                f" UNION ALL SELECT -1, {nulls}, max_by({{'at': epoch(fl_ts), 'code': fl_code, "
                f"'comment': fl_cm, 'tp': fl_tp}}, fl_ts, {int(spec.verbatims)}) FROM t "
                f"WHERE fl_code IN ({', '.join(map(str, high_codes))}) AND fl_cm IS NOT NULL "
                "AND trim(fl_cm) <> ''"
            )
        try:
            rows = _run(con, sql, progress)
        except duckdb.Error as exc:
            raise InputError("The file cannot be read as CSV: %(reason)s", reason=str(exc).split("\n")[0]) from None
        result = _collect(rows, dims, sets, code_to_point, q.k, spec)
        rejected = con.execute("SELECT count(*) FROM reject_errors").fetchone()
        if rejected and rejected[0]:
            result.problems = _problems(_reject_rows(reader, setup), source, spec)
        return result
    finally:
        con.close()


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
    verbatims: list[dict[str, object]] = []
    side_versions: dict[str, set[str]] = {}
    for row in rows:
        if row[0] == -1:
            for v in row[-1] or []:  # type: ignore[attr-defined]
                verbatims.append(
                    {
                        "_at": float(v["at"]),
                        "responded_at": datetime.fromtimestamp(float(v["at"]), UTC).astimezone(tz).isoformat(),
                        "score": int(code_to_point[int(v["code"])]),
                        "comment": v["comment"],
                        "touchpoint": v["tp"],
                    }
                )
            continue
        gid, code = int(row[0]), int(row[1])  # type: ignore[call-overload]
        values = dict(zip(names, row[2 : 2 + nd], strict=True))
        count, first, last = row[2 + nd : 5 + nd]
        point = int(code_to_point[code])
        s = gid_of[gid]
        c = int(count)  # type: ignore[call-overload]

        def bump(table: dict[object, NDArray[np.int64]], key: object, _p: int = point, _c: int = c) -> None:
            if key not in table:
                table[key] = np.zeros(k, dtype=np.int64)
            table[key][_p - 1] += _c

        if s == ():
            res.overall[point - 1] += c
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
                res.versions[str(values["version"])] = res.versions.get(str(values["version"]), 0) + c
        else:
            (name,) = s
            if name.startswith("by"):
                col = spec.columns.by_labels[int(name[2:])]
                bump(res.groups.setdefault(col, {}), values[name])  # type: ignore[arg-type]
            elif name.startswith("period_"):
                per = Period(name.removeprefix("period_"))
                bump(res.periods.setdefault(per, {}), values[name])  # type: ignore[arg-type]
    verbatims.sort(key=lambda v: v["_at"], reverse=True)  # type: ignore[arg-type,return-value]
    res.verbatims = verbatims[: spec.verbatims]
    res.side_versions = side_versions
    return res


def discover_questions(
    source: Source, columns: Columns, touchpoint: str | None
) -> tuple[dict[tuple[str | None, str | None], int], list[InputProblem]]:
    """The (scale, polarity) combinations a file states per row, with their counts.

    Unknown values are problems, named by line, like any other bad field.
    """
    from fluide.domain.scales import SCALES, Polarity

    scale_col, pol_col = columns.get("scale"), columns.get("polarity")
    types = {h: "VARCHAR" for h in source.header}
    if source.row_column:
        types[source.row_column] = "BIGINT"
    if scale_col:
        types[scale_col] = "ENUM(" + ", ".join(lit(k) for k in SCALES) + ")"
    if pol_col:
        types[pol_col] = "ENUM(" + ", ".join(lit(p.value) for p in Polarity) + ")"
    cols_sql = "{" + ", ".join(f"{lit(h)}: {lit(t)}" for h, t in types.items()) + "}"
    # Empty cells stay NULL: those rows take the --scale/--polarity flags.
    reader = (
        f"read_csv({lit(str(source.csv_path))}, header = true, delim = {lit(source.delimiter)}, "
        f"quote = '\"', escape = '\"', encoding = {lit(source.encoding)}, columns = {cols_sql}, "
        "store_rejects = true, auto_detect = false)"
    )
    where = ""
    if touchpoint is not None and columns.get("touchpoint"):
        where = f"WHERE {ident(columns.fields['touchpoint'])} = {lit(touchpoint)}"
    s = f"CAST({ident(scale_col)} AS VARCHAR)" if scale_col else "NULL"
    p = f"CAST({ident(pol_col)} AS VARCHAR)" if pol_col else "NULL"
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        try:
            rows = con.execute(f"SELECT {s}, {p}, count(*) FROM {reader} {where} GROUP BY ALL").fetchall()
        except duckdb.Error as exc:
            raise InputError("The file cannot be read as CSV: %(reason)s", reason=str(exc).split("\n")[0]) from None
        rejected = con.execute("SELECT count(*) FROM reject_errors").fetchone()
    finally:
        con.close()
    rejects = []
    if rejected and rejected[0]:
        rejects = [
            (r[0], r[1], r[3], r[4]) for r in _reject_rows(reader, ("SET enable_progress_bar = false",)) if r[2] == "CAST"
        ]
    combos = {(r[0], r[1]): int(r[2]) for r in rows}  # type: ignore[call-overload]
    problems: list[InputProblem] = []
    if rejects:
        if source.row_column is not None:
            mapping = {int(r[0]): int(first_field(str(r[2] or ""), ",") or 0) for r in rejects}
        else:
            mapping = physical_lines(source, [int(r[0]) for r in rejects])
        for line, column, _raw, message in rejects:
            m = _CONVERT.search(str(message or ""))
            value = m.group(1) if m else None
            is_scale = column == scale_col
            problems.append(
                InputProblem(
                    mapping.get(int(line), int(line)),
                    str(column),
                    "unknown_scale" if is_scale else "unknown_polarity",
                    value,
                    ", ".join(SCALES) if is_scale else ", ".join(x.value for x in Polarity),
                )
            )
    return combos, problems

"""DuckDB rejects turned into input problems a person can act on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from fluide.domain.scales import Question
from fluide.ingest.dates import allowed_code
from fluide.ingest.errors import InputProblem
from fluide.ingest.source import Source, first_field, physical_lines
from fluide.ingest.spec import ScanSpec

CONVERT = re.compile(r'Could not convert string "(.*)" to ', re.S)
STRUCTURE = {
    "MISSING COLUMNS": "missing_fields",
    "TOO MANY COLUMNS": "too_many_fields",
    "UNQUOTED VALUE": "bad_quoting",
    "INVALID UNICODE": "bad_encoding",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
}


def rejected_value(message: object) -> str | None:
    m = CONVERT.search(str(message or ""))
    return m.group(1) if m else None


def lines_of(source: Source, rows: Sequence[tuple[object, ...]]) -> dict[int, int]:
    """Record number → the line a person sees (the sheet row for spreadsheets).

    ``rows`` are reject rows whose first item is DuckDB's record number and
    fourth the raw record.
    """
    numbers = [int(str(r[0])) for r in rows]
    if source.row_column is not None:
        return {int(str(r[0])): int(first_field(str(r[3] or ""), ",") or 0) for r in rows}
    return physical_lines(source, numbers)


def classify_score(value: str, q: Question, words: bool = False) -> str:
    """Why a score cell was refused: empty, not a number (nor a known wording when
    ``words`` are read), not whole, or off the scale."""
    if value.strip() == "":
        return "empty"
    try:
        x = float(value.strip().replace(",", "."))
    except ValueError:
        return "unknown_answer" if words else "not_a_number"
    if not x.is_integer():
        return "not_whole"
    return "out_of_scale"


def allowed_answers(q: Question) -> str:
    """The points, or a scale's words where numbers are not answers (good-bad)."""
    if q.scale.numeric:
        return ", ".join(str(p) for p in q.points)
    first: dict[int, str] = {}
    for token, point in q.tokens().items():
        first.setdefault(point, token)
    return ", ".join(first[p] for p in sorted(first))


def problems_from_rejects(
    rows: Sequence[tuple[object, ...]], source: Source, spec: ScanSpec
) -> list[InputProblem]:
    """Every reject of a scan as an :class:`InputProblem`, on the user's line numbers.

    ``rows`` are ``(record, column, error type, raw record, message)``.
    Records rejected for their stated scale or polarity belong to another
    question's scan and are left to it.
    """
    cols = spec.columns
    own_question_only = spec.only_scale is not None or spec.only_polarity is not None
    foreign = {
        str(r[0])
        for r in rows
        if own_question_only
        and r[2] == "CAST"
        and r[1] in (cols.get("scale"), cols.get("polarity"))
    }
    kept = [r for r in rows if str(r[0]) not in foreign]
    lines = lines_of(source, kept)
    q = spec.question
    points = allowed_answers(q)
    # As before wordings were read, a word on a numeric scale is "not a number";
    # once --labels are given (or on good-bad), it is an unknown wording.
    words = bool(spec.labels) or not q.scale.numeric
    width = str(len([h for h in source.header if h != source.row_column]))
    out: set[InputProblem] = set()
    for record, column, etype, _raw, message in kept:
        value = rejected_value(message)
        name = str(column or "")
        allowed: str | None
        if etype == "CAST" and name == cols.fields["score"]:
            kind, allowed = classify_score(value or "", q, words), points
        elif etype == "CAST" and name == cols.fields["responded_at"]:
            kind = "empty" if not (value or "").strip() else "bad_datetime"
            allowed = allowed_code(spec.dates, name)
        elif etype == "CAST" and name == cols.get("customer_since"):
            kind, allowed = "bad_date", "@date"
        elif etype == "CAST":
            kind, allowed = "bad_value", None
        else:
            kind = STRUCTURE.get(str(etype), "unreadable")
            allowed = width if kind.endswith("fields") else None
            value = str(message or "") if kind == "unreadable" else None
            name = ""
        n = int(str(record))
        out.add(InputProblem(lines.get(n, n), name, kind, value, allowed))
    return sorted(out)

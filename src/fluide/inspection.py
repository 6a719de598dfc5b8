"""Use case: what Fluide understood of an export, without analysing it (``analyze --inspect``).

Built on the same opening (:func:`~fluide.ingest.source.open_source`), column
matching (:func:`~fluide.ingest.source.resolve_columns`) and date reading
(:func:`~fluide.ingest.date_column.choose`) as the analysis, so it says what
the analysis would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fluide.exports import ExportOptions, answer_test, check_options, dates_notice, open_export
from fluide.i18n import gettext as _t
from fluide.ingest import date_column
from fluide.ingest.answers import parse_labels
from fluide.ingest.dates import ISO, Choice, allowed_code, choose_reading
from fluide.ingest.errors import InputError, InputProblem
from fluide.ingest.source import (
    CANONICAL,
    Columns,
    Source,
    missing_score,
    resolve_columns,
)
from fluide.messages import notice_text, reading_name
from fluide.problems import error_text, problem_lines

BAD_LINES = 10
"""Offending lines listed in the document (the text says how many there are)."""


@dataclass
class Inspection:
    """The reading of one file: format, columns, the time column's reading and its misfits."""

    path: Path
    source: Source
    columns: Columns
    choice: Choice
    samples: dict[str, list[tuple[str, str | None]]]
    bad: list[tuple[int, str | None]] = field(default_factory=list)
    evidence_line: int | None = None
    bom: bool = False
    sheet: str | None = None
    score_hint: InputError | None = None  # no score column: why, and the --map to choose

    @property
    def time_column(self) -> str:
        return self.columns.fields["responded_at"]

    def why(self, lang: str) -> str:
        c = self.choice
        if c.rule == "forced":
            return _t(lang, "given by --date-format")
        if c.ambiguous:
            return notice_text(lang, dates_notice(c, self.time_column))
        if c.rule == "iso_sample":
            if self.source.row_column is not None:
                return _t(lang, "the spreadsheet's date cells (or text in ISO 8601)")
            return _t(lang, "the values are ISO 8601")
        if not c.fits_all:
            return _t(
                lang,
                "no reading fits every value: this one fits the most (%(fit)s of %(total)s)",
                fit=dict(c.tried).get(c.reading, 0),
                total=c.total,
            )
        if c.evidence is not None:
            return _t(
                lang,
                "%(value)s on line %(line)s reads only %(reading)s",
                value=repr(c.evidence),
                line=self.evidence_line if self.evidence_line is not None else "?",
                reading=reading_name(lang, c.reading.kind),
            )
        return _t(lang, "the only reading that fits every value")

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        src, c = self.source, self.choice
        spreadsheet = src.row_column is not None
        problems = [
            InputProblem(line, self.time_column, "bad_datetime", value, self._allowed())
            for line, value in self.bad
        ]
        visible = [h for h in src.header if h != src.row_column]
        mapped = set(self.columns.fields.values())
        return {
            "file": self.path.name,
            "format": "xlsx" if spreadsheet else "csv",
            "sheet": self.sheet,
            "delimiter": None if spreadsheet else src.delimiter,
            "encoding": src.encoding,
            "bom": self.bom,
            "header_line": None if spreadsheet else 1,
            "header_rows": src.header_rows,
            "header": visible,
            "columns": {
                name: (
                    {
                        "column": self.columns.fields[name],
                        "samples": [v for v, _ in self.samples.get(self.columns.fields[name], [])],
                    }
                    if name in self.columns.fields
                    else None
                )
                for name in CANONICAL
            },
            "other_columns": [h for h in visible if h not in mapped],
            "dates": {
                "column": self.time_column,
                "reading": c.reading.kind,
                "format": c.reading.format,
                "pattern": c.reading.pattern(lang),
                "rule": c.rule,
                "ambiguous": c.ambiguous,
                "why": self.why(lang),
                "evidence": (
                    None
                    if c.evidence is None
                    else {"value": c.evidence, "line": self.evidence_line}
                ),
                "samples": [
                    {"value": v, "read": r} for v, r in self.samples.get(self.time_column, [])
                ],
                "tried": [{"reading": r.kind, "format": r.format, "values": n} for r, n in c.tried],
                "values": c.total or None,
                "bad_count": len(self.bad),
                "bad_lines": [line for line, _ in self.bad[:BAD_LINES]],
            },
            "score_missing": (
                None if self.score_hint is None else error_text(lang, self.score_hint)
            ),
            "readable": not self.bad and self.score_hint is None,
            "problems": problem_lines(lang, problems),
        }

    def _allowed(self) -> str:
        return allowed_code(self.choice, self.time_column)


def inspect_file(path: Path, o: ExportOptions) -> Inspection:
    """Open ``path`` as the analysis would and say how it reads it; never analyses."""
    check_options(o)
    labels = parse_labels(o.labels)
    with open_export(path, o) as source:
        fits = answer_test(o, labels)
        cols = resolve_columns(source, o.mapping, (), fits=fits, score_required=False)
        score_hint = None if "score" in cols.fields else missing_score(source, cols.fields, fits)
        column = cols.fields["responded_at"]
        choice = date_column.choose(source, column, date_format=o.date_format, lang=o.lang)
        if choice.sampled and choice.reading.kind != ISO:
            # What the analysis ends with once the scan has read every value.
            choice = date_column.choose_full(source, column, lang=o.lang)
        bad = date_column.bad_dates(source, column, choice.reading, o.tz)
        if bad and choice.rule == "iso_sample":
            # Say what else the column could be, as for a column read from its shapes.
            day_first, _rule = date_column.ambiguity_rule(o.lang, source.delimiter)
            seen = choose_reading(date_column.observe(source, column), day_first=day_first)
            choice = Choice(
                choice.reading,
                choice.rule,
                seen.total,
                fits_all=False,
                tried=tuple(sorted(seen.tried, key=lambda t: t[0].kind != ISO)),
            )
        samples = date_column.samples(
            source, list(cols.fields.values()), o.tz, choice.reading, column
        )
        evidence = (
            date_column.locate(source, column, choice.evidence)
            if choice.evidence is not None
            else None
        )
        bom = False
        if source.row_column is None:
            with path.open("rb") as f:
                head = f.read(4)
            bom = head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
        return Inspection(
            path, source, cols, choice, samples, bad, evidence, bom, o.sheet, score_hint
        )


def inspection_text(doc: dict[str, Any], lang: str) -> str:
    """The inspection document as lines a person reads."""
    out = [_t(lang, "How Fluide reads %(file)s", file=doc["file"])]
    if doc["format"] == "csv":
        out.append(
            "  "
            + _t(
                lang,
                "CSV, delimiter %(delimiter)s, encoding %(encoding)s%(bom)s, header on line 1",
                delimiter=repr(doc["delimiter"]),
                encoding=doc["encoding"],
                bom=" (BOM)" if doc["bom"] else "",
            )
        )
    else:
        sheet = doc["sheet"] or _t(lang, "the first one")
        out.append("  " + _t(lang, "Spreadsheet (sheet %(sheet)s)", sheet=sheet))
    if doc["header_rows"] == 2:
        out.append(
            "  " + _t(lang, "Two header lines: the names join both (--header-rows 1 to read one)")
        )
    out.append(_t(lang, "Columns:"))
    if doc["score_missing"]:
        out.append("  score ← ? " + doc["score_missing"])
    for name, found in doc["columns"].items():
        if found is None:
            continue
        values = ", ".join(repr(v) for v in found["samples"]) or "—"
        out.append(f"  {name} ← {found['column']}: {values}")
    if doc["other_columns"]:
        out.append(
            "  " + _t(lang, "Other columns: %(columns)s", columns=", ".join(doc["other_columns"]))
        )
    d = doc["dates"]
    reading = reading_name(lang, d["reading"])
    if d["format"]:
        reading += f", {d['pattern']}"
    out.append(
        _t(lang, "Dates (column %(column)s): %(reading)s", column=d["column"], reading=reading)
    )
    out.append("  " + _t(lang, "Why: %(why)s", why=d["why"]))
    for s in d["samples"]:
        out.append(f"  {s['value']!r} → {s['read'] or '—'}")
    if doc["dates"]["bad_count"]:
        out.append(
            _t(
                lang,
                "%(count)s dates cannot be read; first lines: %(lines)s",
                count=d["bad_count"],
                lines=", ".join(str(x) for x in d["bad_lines"]),
            )
        )
        out.extend(doc["problems"])
    return "\n".join(out)

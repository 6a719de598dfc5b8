"""Commands on survey exports: ``analyze`` and ``compare``. Thin: options in,
use case, renderer out."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fluide.cli.app import EXIT_BAD_INPUT, LangOpt, _check_lang, _fail, _progress, app
from fluide.i18n import DEFAULT_LANG
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

if TYPE_CHECKING:
    from fluide.exports import ExportOptions

FileArg = Annotated[
    Path, typer.Argument(help="CSV (UTF-8, ',' or ';') or XLSX export.", show_default=False)
]
ScaleOpt = Annotated[
    str | None,
    typer.Option(
        "--scale",
        help="1-5, 1-7, 1-10, emoji-3, or good-bad for a help desk's Good/Bad rating "
        "(or a scale column in the file).",
    ),
]
LabelsOpt = Annotated[
    str | None,
    typer.Option(
        "--labels",
        help='Answers written as words: "Très difficile=1,Difficile=2,…" (points of the scale).',
    ),
]
HeaderRowsOpt = Annotated[
    int | None,
    typer.Option("--header-rows", help="1 or 2 header lines (a second one is detected)."),
]
PolarityOpt = Annotated[
    str | None,
    typer.Option("--polarity", help="effort (1 = very low effort) or ease (high = easy)."),
]
TzOpt = Annotated[str, typer.Option("--tz", help="Time zone for dates without one, and for weeks.")]
MapOpt = Annotated[
    list[str] | None, typer.Option("--map", help="FIELD=COLUMN, e.g. score=Note (repeatable).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
TouchpointOpt = Annotated[
    str | None, typer.Option("--touchpoint", help="Only answers of this touchpoint.")
]
SkipOpt = Annotated[
    bool, typer.Option("--skip-invalid", help="Analyse the valid records and report the others.")
]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="utf-8 (default), utf-16 or latin-1.")]
DelimOpt = Annotated[
    str | None, typer.Option("--delimiter", help="Force ',' or ';' (detected by default).")
]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="XLSX sheet name (first sheet by default).")
]
DateFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="How the time column is written, as strptime, e.g. '%d/%m/%Y %H:%M' "
        "(inferred by default).",
    ),
]
SmallOpt = Annotated[
    int,
    typer.Option("--small-sample", help="n under which a figure is flagged (and a period pooled)."),
]
LowOpt = Annotated[
    int | None, typer.Option("--low-max", help="Highest effort score e counted as low effort.")
]
HighOpt = Annotated[
    int | None, typer.Option("--high-min", help="Lowest effort score e counted as high effort.")
]


def _mapping(items: list[str] | None, lang: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            _fail(
                lang,
                InputError(
                    "--map takes FIELD=COLUMN (e.g. score=Note), got %(value)s.", value=item
                ),
            )
        out[name.strip().lower()] = column.strip()
    return out


def _finite(x: Any) -> Any:
    """JSON has no NaN or infinity: write null instead."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def _emit(text: str, output: Path | None, lang: str) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(
            lang,
            InputError(
                "Cannot write %(path)s: %(reason)s",
                path=str(output),
                reason=exc.strerror or str(exc),
            ),
        )
    typer.echo(_t(lang, "Report written to %(path)s", path=str(output.resolve())), err=True)


def _report_skips(doc: dict[str, Any], problems: list[Any], lang: str) -> None:
    if problems:
        from fluide.problems import problem_lines

        typer.echo(
            _t(lang, "%(count)s invalid records skipped:", count=doc["input"]["skipped"]), err=True
        )
        for line in problem_lines(lang, problems):
            typer.echo(line, err=True)


def _render(kind: str, fmt: str, doc: dict[str, Any], lang: str) -> str:
    """The document as ``fmt``: the renderers only format, they never compute."""
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2)
    if fmt == "html":
        from fluide.render.html import render_compare_html, render_html

        return (render_html if kind == "analysis" else render_compare_html)(doc, lang)
    from fluide.render.text import render_compare_text, render_text

    width = int(os.environ.get("COLUMNS", "0") or 0) or 100
    return (render_text if kind == "analysis" else render_compare_text)(doc, lang, width=width)


def _run(
    use_case: Callable[[Callable[[float], None] | None], Any],
    kind: str,
    file: Path,
    fmt: str,
    output: Path | None,
    lang: str,
) -> None:
    """Run a use case with progress on a terminal, report skips, emit the document."""
    try:
        with _progress(fmt != "json", _t(lang, "Reading %(file)s", file=file.name)) as progress:
            result = use_case(progress)
    except InputError as exc:
        _fail(lang, exc)
        return
    doc = _finite(result.to_json(lang))
    _report_skips(doc, result.skipped_problems, lang)
    _emit(_render(kind, fmt, doc, lang), output, lang)


def _inspect(file: Path, fmt: str, output: Path | None, lang: str, options: ExportOptions) -> None:
    """``analyze --inspect``: what Fluide understood of the file; exit 2 when it cannot read it."""
    from fluide.inspection import inspect_file, inspection_text

    if fmt not in ("text", "json"):
        _fail(lang, InputError("--format must be text or json, got %(value)s.", value=fmt))
    try:
        result = inspect_file(file, options)
    except InputError as exc:
        _fail(lang, exc)
        return
    doc = result.to_json(lang)
    _emit(
        json.dumps(doc, ensure_ascii=False, indent=2)
        if fmt == "json"
        else inspection_text(doc, lang),
        output,
        lang,
    )
    if not doc["readable"]:
        raise typer.Exit(EXIT_BAD_INPUT)


LONG_TAGGING = 200
"""Distinct comments from which ``analyze`` says on stderr that it is tagging (~5 s)."""


def _tagging_notice(lang: str, n: int) -> None:
    if n >= LONG_TAGGING:
        typer.echo(_t(lang, "Comments to tag: %(count)s…", count=n), err=True)


@app.command()
def analyze(
    file: FileArg,
    scale: ScaleOpt = None,
    polarity: PolarityOpt = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Group by a column, or 'tenure' (repeatable).")
    ] = None,
    tz: TzOpt = "UTC",
    fmt: Annotated[str, typer.Option("--format", help="text, json or html.")] = "text",
    output: OutputOpt = None,
    lang: LangOpt = DEFAULT_LANG,
    mapping: MapOpt = None,
    period: Annotated[
        list[str] | None,
        typer.Option("--period", help="Trend periods: week (default), day, month (repeatable)."),
    ] = None,
    touchpoint: TouchpointOpt = None,
    new_days: Annotated[
        int, typer.Option("--new-days", help="A customer is new for this many days.")
    ] = 90,
    small_sample: SmallOpt = 30,
    skip_invalid: SkipOpt = False,
    effort_index: Annotated[
        bool,
        typer.Option(
            "--effort-index", help="Allow pooling different scales, on the 0-100 effort index."
        ),
    ] = False,
    low_max: LowOpt = None,
    high_min: HighOpt = None,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimOpt = None,
    sheet: SheetOpt = None,
    verbatims: Annotated[
        int, typer.Option("--verbatims", help="How many high-effort verbatims to show.")
    ] = 10,
    week: Annotated[
        str | None,
        typer.Option(
            "--week", help="ISO week of the top frictions, e.g. 2026-W47 (default: the latest)."
        ),
    ] = None,
    no_frictions: Annotated[
        bool,
        typer.Option("--no-frictions", help="Skip the week's top frictions (no comment tagging)."),
    ] = False,
    date_format: DateFormatOpt = None,
    inspect: Annotated[
        bool,
        typer.Option(
            "--inspect", help="Say how the file is read (columns, dates), without analysing."
        ),
    ] = False,
    labels: LabelsOpt = None,
    header_rows: HeaderRowsOpt = None,
) -> None:
    """Analyse a survey export: CES, distribution, effort groups, segments, weekly trend,
    and the week's top frictions from the comments."""
    # The analysis (NumPy, DuckDB, SciPy) loads here, not when the command line starts.
    from fluide.analysis import AnalyzeOptions, analyze_file

    lang = _check_lang(lang)
    if fmt not in ("text", "json", "html"):
        _fail(lang, InputError("--format must be text, json or html, got %(value)s.", value=fmt))
    options = AnalyzeOptions(
        scale=scale,
        polarity=polarity,
        by=tuple(by or ()),
        tz=tz,
        periods=tuple(period or ("week",)),
        touchpoint=touchpoint,
        mapping=_mapping(mapping, lang),
        new_days=new_days,
        small_sample=small_sample,
        skip_invalid=skip_invalid,
        effort_index=effort_index,
        low_max=low_max,
        high_min=high_min,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        verbatims=verbatims,
        frictions=not no_frictions,
        week=week,
        date_format=date_format,
        lang=lang,
        labels=labels,
        header_rows=header_rows,
    )
    if inspect:
        _inspect(file, fmt, output, lang, options)
        return
    _run(
        lambda progress: analyze_file(
            file, options, progress, on_tagging=lambda n: _tagging_notice(lang, n)
        ),
        "analysis",
        file,
        fmt,
        output,
        lang,
    )


@app.command()
def compare(
    file: FileArg,
    change_date: Annotated[
        str,
        typer.Option(
            "--change-date", help="YYYY-MM-DD: answers before vs on/after this day (in --tz)."
        ),
    ],
    touchpoint: TouchpointOpt = None,
    scale: ScaleOpt = None,
    polarity: PolarityOpt = None,
    tz: TzOpt = "UTC",
    fmt: Annotated[str, typer.Option("--format", help="text, json or html.")] = "text",
    output: OutputOpt = None,
    lang: LangOpt = DEFAULT_LANG,
    mapping: MapOpt = None,
    small_sample: SmallOpt = 30,
    skip_invalid: SkipOpt = False,
    resamples: Annotated[
        int, typer.Option("--resamples", help="Bootstrap resamples (at least 2000).")
    ] = 5000,
    seed: Annotated[
        int, typer.Option("--seed", help="Bootstrap seed, for reproducible intervals.")
    ] = 0,
    low_max: LowOpt = None,
    high_min: HighOpt = None,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimOpt = None,
    sheet: SheetOpt = None,
    date_format: DateFormatOpt = None,
    labels: LabelsOpt = None,
    header_rows: HeaderRowsOpt = None,
) -> None:
    """Before/after a change: both blocks, the difference with its bootstrap interval,
    the Mann-Whitney p-value and Cliff's delta."""
    from fluide.comparison import CompareOptions, compare_file

    lang = _check_lang(lang)
    if fmt not in ("text", "json", "html"):
        _fail(lang, InputError("--format must be text, json or html, got %(value)s.", value=fmt))
    try:
        day = date.fromisoformat(change_date)
    except ValueError:
        _fail(
            lang,
            InputError(
                "--change-date must be a date YYYY-MM-DD, got %(value)s.", value=change_date
            ),
        )
        return
    if resamples < 2000:
        _fail(
            lang, InputError("--resamples must be at least 2000, got %(value)s.", value=resamples)
        )
    options = CompareOptions(
        scale=scale,
        polarity=polarity,
        tz=tz,
        touchpoint=touchpoint,
        mapping=_mapping(mapping, lang),
        small_sample=small_sample,
        skip_invalid=skip_invalid,
        low_max=low_max,
        high_min=high_min,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        change_date=day,
        resamples=resamples,
        seed=seed,
        date_format=date_format,
        lang=lang,
        labels=labels,
        header_rows=header_rows,
    )
    _run(
        lambda progress: compare_file(file, options, progress),
        "comparison",
        file,
        fmt,
        output,
        lang,
    )

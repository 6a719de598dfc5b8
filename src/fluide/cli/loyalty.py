"""``fluide loyalty``: what happened to customers after they answered, by effort."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fluide.cli.app import LangOpt, _check_lang, _fail, app
from fluide.cli.files import (
    DelimOpt,
    EncodingOpt,
    FileArg,
    OutputOpt,
    PolarityOpt,
    ScaleOpt,
    SheetOpt,
    SkipOpt,
    TzOpt,
    _emit,
    _finite,
    _report_skips,
)
from fluide.i18n import DEFAULT_LANG
from fluide.ingest.errors import InputError

FormatOpt = Annotated[str, typer.Option("--format", help="text, json or html.")]


def check_format(lang: str, fmt: str) -> None:
    if fmt not in ("text", "json", "html"):
        _fail(lang, InputError("--format must be text, json or html, got %(value)s.", value=fmt))


def render(fmt: str, doc: dict[str, Any], lang: str) -> str:
    """The document as ``fmt``: the renderers only format, they never compute."""
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2)
    from fluide.render.loyalty import loyalty_html, loyalty_text

    return loyalty_html(doc, lang) if fmt == "html" else loyalty_text(doc, lang)


@app.command()
def loyalty(
    file: FileArg,
    outcomes: Annotated[
        Path,
        typer.Option(
            "--outcomes",
            help="Outcomes file: customer_id, occurred_at, outcome.",
            show_default=False,
        ),
    ],
    event: Annotated[
        str, typer.Option("--event", help="The outcome studied (churned, renewed, ...).")
    ] = "churned",
    horizon: Annotated[
        int, typer.Option("--horizon", help="Days after an answer within which it counts.")
    ] = 90,
    until: Annotated[
        str | None,
        typer.Option("--until", help="End of observation (default: the latest time in the files)."),
    ] = None,
    scale: ScaleOpt = None,
    polarity: PolarityOpt = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Group by a column (repeatable).")
    ] = None,
    tz: TzOpt = "UTC",
    fmt: FormatOpt = "text",
    output: OutputOpt = None,
    lang: LangOpt = DEFAULT_LANG,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Churn (or any outcome) after low-, moderate- and high-effort answers (with customer_id)."""
    from fluide.loyalty import LoyaltyOptions, ReadOptions, loyalty_file

    lang = _check_lang(lang)
    check_format(lang, fmt)
    options = LoyaltyOptions(
        read=ReadOptions(
            scale=scale,
            polarity=polarity,
            tz=tz,
            skip_invalid=skip_invalid,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            lang=lang,
        ),
        event=event,
        horizon_days=horizon,
        until=until,
        by=tuple(by or ()),
    )
    try:
        result = loyalty_file(file, outcomes, options)
    except InputError as exc:
        _fail(lang, exc)
        return
    doc = _finite(result.doc)
    count = {"input": {"skipped": doc["input"]["skipped"] + doc["input"]["outcomes_skipped"]}}
    _report_skips(count, result.skipped_problems, lang)
    _emit(render(fmt, doc, lang), output, lang)

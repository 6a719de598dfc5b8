"""``fluide drivers``: what makes effort high, by relative importance (LMG)."""

from __future__ import annotations

import json
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
from fluide.cli.loyalty import FormatOpt, check_format
from fluide.i18n import DEFAULT_LANG
from fluide.ingest.errors import InputError


def render(fmt: str, doc: dict[str, Any], lang: str) -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2)
    from fluide.render.drivers import drivers_html, drivers_text

    return drivers_html(doc, lang) if fmt == "html" else drivers_text(doc, lang)


@app.command()
def drivers(
    file: FileArg,
    features: Annotated[
        list[str],
        typer.Option(
            "--features",
            help="Categorical columns, comma-separated (at most 10).",
            show_default=False,
        ),
    ],
    scale: ScaleOpt = None,
    polarity: PolarityOpt = None,
    tz: TzOpt = "UTC",
    fmt: FormatOpt = "text",
    output: OutputOpt = None,
    lang: LangOpt = DEFAULT_LANG,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimOpt = None,
    sheet: SheetOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap intervals.")] = 0,
) -> None:
    """Which columns go with high effort: each feature's share of R² (LMG), with intervals."""
    from fluide.drivers import DriverOptions, drivers_file, parse_features
    from fluide.loyalty import ReadOptions

    lang = _check_lang(lang)
    check_format(lang, fmt)
    options = DriverOptions(
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
        features=parse_features(features),
        seed=seed,
    )
    try:
        result = drivers_file(file, options)
    except InputError as exc:
        _fail(lang, exc)
        return
    doc = _finite(result.doc)
    _report_skips(doc, result.skipped_problems, lang)
    _emit(render(fmt, doc, lang), output, lang)

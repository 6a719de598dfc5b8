"""``fluide recontacts``: the effort customers show, from a help desk's contact log."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from fluide.cli.app import LangOpt, _check_lang, _fail, app
from fluide.cli.files import (
    DelimOpt,
    EncodingOpt,
    FileArg,
    OutputOpt,
    SheetOpt,
    SkipOpt,
    SmallOpt,
    TzOpt,
    _emit,
    _finite,
    _report_skips,
)
from fluide.i18n import DEFAULT_LANG
from fluide.ingest.errors import InputError


def render(fmt: str, doc: dict[str, Any], lang: str) -> str:
    """The document as ``fmt``: the renderers only format, they never compute."""
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2)
    if fmt == "html":
        from fluide.render.recontacts_html import render_recontacts_html

        return render_recontacts_html(doc, lang)
    from fluide.render.recontacts_text import render_recontacts_text

    width = int(os.environ.get("COLUMNS", "0") or 0) or 100
    return render_recontacts_text(doc, lang, width=width)


@app.command()
def recontacts(
    file: FileArg,
    window: Annotated[
        int, typer.Option("--window", help="Days within which a new contact is a recontact.")
    ] = 7,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Group by a column (repeatable).")
    ] = None,
    tz: TzOpt = "UTC",
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="CES export with a customer_id column: asked vs shown."),
    ] = None,
    scale: Annotated[
        str | None, typer.Option("--scale", help="Scale of the --answers file: 1-5, 1-7, ...")
    ] = None,
    polarity: Annotated[
        str | None, typer.Option("--polarity", help="Polarity of the --answers file: effort, ease.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or html.")] = "text",
    output: OutputOpt = None,
    lang: LangOpt = DEFAULT_LANG,
    skip_invalid: SkipOpt = False,
    small_sample: SmallOpt = 30,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimOpt = None,
    sheet: SheetOpt = None,
) -> None:
    """Recontacts, channel switches, episodes and delays of a contact export
    (customer_id, contact_at, channel), optionally joined to CES answers."""
    from fluide.recontacts import RecontactOptions, recontacts_file

    lang = _check_lang(lang)
    if fmt not in ("text", "json", "html"):
        _fail(lang, InputError("--format must be text, json or html, got %(value)s.", value=fmt))
    options = RecontactOptions(
        window_days=window,
        by=tuple(by or ()),
        tz=tz,
        skip_invalid=skip_invalid,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        answers=answers,
        scale=scale,
        polarity=polarity,
        small_sample=small_sample,
        lang=lang,
    )
    try:
        result = recontacts_file(file, options)
    except InputError as exc:
        _fail(lang, exc)
        return
    doc = _finite(result.to_json(lang))
    _report_skips(doc, result.skipped_problems, lang)
    _emit(render(fmt, doc, lang), output, lang)

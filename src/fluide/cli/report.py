"""``fluide report weekly``: the weekly ritual report as HTML or PDF."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from fluide.cli.app import Group, LangOpt, _check_lang, _fail, app
from fluide.cli.service import _engine, _load
from fluide.i18n import DEFAULT_LANG
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

report_app = typer.Typer(
    cls=Group,
    help="Reports for the team's rituals. / Rapports pour les rituels de l'équipe.",
    no_args_is_help=True,
)
app.add_typer(report_app, name="report")

FORMATS = ("html", "pdf")


@report_app.command("weekly")
def weekly(
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace", help="The workspace's id, or its name if unique (optional if only one)."
        ),
    ] = None,
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            help="ISO week such as 2026-W47; default: the last complete week (workspace's time).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html or pdf.")] = "html",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (default: standard output)."),
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """The weekly ritual report: CES of the week and the week before, response rate, top 3
    frictions, actions delivered and to deliver, overdue follow-ups, on one A4 page."""
    from fluide.render.weekly import render_report_html, render_report_pdf
    from fluide.services.errors import ServiceError
    from fluide.services.weekly_report import resolve_workspace, weekly_report
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    if fmt not in FORMATS:
        _fail(lang, InputError("--format must be html or pdf, got %(value)s.", value=fmt))
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        _fail(lang, InputError("A PDF is not shown in a terminal: add --output FILE."))
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        factory = session_factory(engine)
        try:
            ws = resolve_workspace(factory, workspace)
            doc = weekly_report(factory, settings, ws.id, week=week, lang=lang)
        except ServiceError as e:
            field = (e.details or [{}])[0].get("field") if isinstance(e.details, list) else None
            problem = _t(lang, e.message, **e.params) if e.params else _t(lang, e.message)
            flag = {"week": "--week", "workspace": "--workspace"}.get(str(field), "--workspace")
            _fail(lang, InputError("%(flag)s: %(problem)s", flag=flag, problem=problem))
            return
    finally:
        engine.dispose()
    if fmt == "pdf":
        data = render_report_pdf(doc, lang)
    else:
        data = render_report_html(doc, lang).encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as e:
        _fail(
            lang,
            InputError(
                "--output: cannot write %(path)s (%(reason)s).",
                path=str(output),
                reason=e.strerror or type(e).__name__,
            ),
        )
    typer.echo(
        _t(lang, "Weekly report %(week)s written to %(path)s.", week=doc["week"], path=str(output)),
        err=True,
    )

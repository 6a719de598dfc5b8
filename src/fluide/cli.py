"""The ``fluide`` command line (Typer). Thin: options in, use case, renderer out."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from fluide.analysis import AnalyzeOptions, analyze_file
from fluide.comparison import CompareOptions, compare_file
from fluide.i18n import DEFAULT_LANG, SUPPORTED_LANGS, fmt_date, fmt_int
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError
from fluide.problems import error_text, problem_lines
from fluide.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from fluide.demo import DemoResult

T = TypeVar("T")

app = typer.Typer(
    name="fluide",
    help="Fluide: measure and reduce customer effort (CES). / Mesurer et réduire l'effort client.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2

FileArg = Annotated[
    Path, typer.Argument(help="CSV (UTF-8, ',' or ';') or XLSX export.", show_default=False)
]
ScaleOpt = Annotated[
    str | None,
    typer.Option("--scale", help="1-5, 1-7, 1-10 or emoji-3 (or a scale column in the file)."),
]
PolarityOpt = Annotated[
    str | None,
    typer.Option("--polarity", help="effort (1 = very low effort) or ease (high = easy)."),
]
TzOpt = Annotated[str, typer.Option("--tz", help="Time zone for dates without one, and for weeks.")]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of text and HTML output: fr or en.")]
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


def _fail(lang: str, error: InputError) -> None:
    typer.echo(error_text(lang, error), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_lang(lang: str) -> str:
    if lang not in SUPPORTED_LANGS:
        typer.echo(f"--lang: {lang!r} ∉ {', '.join(SUPPORTED_LANGS)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    return lang


def _finite(x: Any) -> Any:
    """JSON has no NaN or infinity: write null instead."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


@contextmanager
def _progress(enabled: bool, label: str) -> Iterator[Callable[[float], None] | None]:
    """A progress bar on stderr when it is a terminal; never on stdout."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda x: bar.update(task, completed=x)


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
) -> None:
    """Analyse a survey export: CES, distribution, effort groups, segments, weekly trend."""
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
    )
    _run(
        lambda progress: analyze_file(file, options, progress), "analysis", file, fmt, output, lang
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
) -> None:
    """Before/after a change: both blocks, the difference with its bootstrap interval,
    the Mann-Whitney p-value and Cliff's delta."""
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
    )
    _run(
        lambda progress: compare_file(file, options, progress),
        "comparison",
        file,
        fmt,
        output,
        lang,
    )


# --- The collection service: serve, workspace, demo -------------------------------------------

HostOpt = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEMO_DIR = Path("out") / "demo"

workspace_app = typer.Typer(
    help="Workspaces and their API keys. / Espaces de travail et clés d'API.",
    no_args_is_help=True,
)
app.add_typer(workspace_app, name="workspace")


def _env_has(*names: str) -> bool:
    """Whether any of these variables is set (pydantic-settings ignores their case)."""
    wanted = {n.upper() for n in names}
    return any(k.upper() in wanted and v for k, v in os.environ.items())


def _load(lang: str, **overrides: Any) -> Settings:
    """The settings, or a clear message and exit code 2 (never a traceback)."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(_t(lang, "Configuration error: %(problem)s", problem=str(exc)), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _database_failure(lang: str, settings: Settings, reason: str) -> NoReturn:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        shown = make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = settings.database_url or settings.sqlalchemy_url
    typer.echo(
        _t(
            lang,
            "Cannot open the database %(url)s: %(reason)s. Check FLUIDE_DATABASE_URL.",
            url=shown,
            reason=reason,
        ),
        err=True,
    )
    raise typer.Exit(EXIT_BAD_INPUT)


def _opened(lang: str, settings: Settings, open_it: Callable[[], T]) -> T:
    """``open_it()`` (which connects and migrates); a clear message if the database fails."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        make_url(settings.sqlalchemy_url)
    except ArgumentError:
        _database_failure(lang, settings, _t(lang, "this is not a database URL"))
    try:
        return open_it()
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _database_failure(lang, settings, reason.rstrip("."))


def _engine(lang: str, settings: Settings) -> Engine:
    from fluide.storage.db import make_engine, migrate

    def open_it() -> Engine:
        engine = make_engine(settings.sqlalchemy_url)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return engine

    return _opened(lang, settings, open_it)


def _public_url(host: str, port: int) -> str:
    shown = DEFAULT_HOST if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - only shown
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"


def _serve(lang: str, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from fluide.api.app import create_app

    application = _opened(lang, settings, lambda: create_app(settings))
    url = _public_url(host, port)
    typer.echo(
        _t(
            lang,
            "Fluide serves on %(url)s (API documentation: %(docs)s).",
            url=url,
            docs=url + "/docs",
        ),
        err=True,
    )
    uvicorn.run(application, host=host, port=port)


@app.command()
def serve(
    host: HostOpt = DEFAULT_HOST,
    port: PortOpt = DEFAULT_PORT,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Run the collection service (HTTP API and survey pages); GET /healthz answers when ready."""
    lang = _check_lang(lang)
    overrides = {} if _env_has("FLUIDE_PUBLIC_URL") else {"public_url": _public_url(host, port)}
    _serve(lang, _load(lang, **overrides), host, port)


@workspace_app.command("create")
def workspace_create(
    name: Annotated[str, typer.Argument(help="The workspace's name, e.g. your company's.")],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Create a workspace and print its API key, once: only a hash of the key is stored."""
    from fluide.services.workspaces import create_workspace
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    if fmt not in ("text", "json"):
        _fail(lang, InputError("--format must be text or json, got %(value)s.", value=fmt))
    if not name.strip():
        _fail(lang, InputError("A workspace needs a name."))
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        ws = create_workspace(
            session_factory(engine),
            name,
            fatigue_days=settings.fatigue_days,
            timezone=settings.default_timezone,
        )
    finally:
        engine.dispose()
    if fmt == "json":
        doc = {"id": ws.id, "name": ws.name, "api_key": ws.api_key}
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    typer.echo(_t(lang, "Workspace %(name)s created: %(id)s", name=ws.name, id=ws.id))
    typer.echo(_t(lang, "API key (shown only this once; only its hash is stored):"))
    typer.echo(ws.api_key)


def _fresh_demo_database(data_dir: Path) -> Path:
    """Remove the demo's own SQLite file (and its WAL files): every run starts afresh."""
    db = data_dir / "fluide.db"
    for path in (db, db.with_name("fluide.db-wal"), db.with_name("fluide.db-shm")):
        path.unlink(missing_ok=True)
    return db


def _demo_report(lang: str, result: DemoResult, url: str, fresh: Path | None) -> list[str]:
    c = result.counts
    lines = []
    if fresh is not None:
        lines.append(_t(lang, "Fresh demo database: %(path)s (rebuilt at every run).", path=fresh))
    if result.reused:
        lines.append(
            _t(
                lang,
                "This database already holds the demo workspace: its data is kept, "
                "and a new key was made for it.",
            )
        )
    lines.append(
        _t(
            lang,
            "Workspace %(name)s: %(touchpoints)s touchpoints, %(events)s events, "
            "%(invitations)s invitations, %(responses)s answers.",
            name=result.name,
            touchpoints=c["touchpoints"],
            events=fmt_int(lang, c["events"]),
            invitations=fmt_int(lang, c["invitations"]),
            responses=fmt_int(lang, c["responses"]),
        )
    )
    decisions = ", ".join(f"{k} {fmt_int(lang, v)}" for k, v in c["decisions"].items())
    lines.append(_t(lang, "Decisions: %(decisions)s", decisions=decisions))
    if result.fix_day:
        lines.append(
            _t(
                lang,
                "The payment fix shipped on %(day)s: compare payer before and after.",
                day=fmt_date(lang, result.fix_day),
            )
        )
    lines += [
        "",
        _t(lang, "Server: %(url)s", url=url),
        _t(lang, "API documentation: %(url)s", url=url + "/docs"),
        _t(lang, "Demo API key: %(key)s", key=result.api_key),
        "",
        _t(lang, "Try it:"),
        f'  curl -s {url}/v1/touchpoints -H "Authorization: Bearer {result.api_key}"',
        _t(lang, 'Walkthrough: README.md, section "Collection service", after:'),
        f"  export DEMO_KEY={result.api_key}",
        "",
        _t(
            lang,
            "Demo mode: survey links are signed with a public demo secret; "
            "never use it with real customers.",
        ),
    ]
    return lines


@app.command()
def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only fill the database, then exit.")
    ] = False,
    host: HostOpt = DEFAULT_HOST,
    port: PortOpt = DEFAULT_PORT,
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=52, help="Weeks of activity, ending now.")
    ] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated activity.")] = 14,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Fill a demo workspace with weeks of realistic events and answers, print its key, serve.

    The database is FLUIDE_DATABASE_URL, else FLUIDE_DATA_DIR/fluide.db, else
    out/demo/fluide.db, which is rebuilt at every run. A database that already
    holds the demo workspace keeps its data, and a new key is made for it.
    """
    from fluide.demo import build_demo
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    overrides: dict[str, Any] = {"demo": True}
    own_file = not _env_has("FLUIDE_DATA_DIR", "FLUIDE_DATABASE_URL")
    if own_file:
        overrides["data_dir"] = DEMO_DIR.resolve()
    if not _env_has("FLUIDE_PUBLIC_URL"):
        overrides["public_url"] = _public_url(host, port)
    settings = _load(lang, **overrides)
    fresh = _fresh_demo_database(settings.data_dir) if own_file else None
    engine = _engine(lang, settings)
    typer.echo(_t(lang, "Filling the demo workspace (%(weeks)s weeks)…", weeks=weeks), err=True)
    try:
        with _progress(True, _t(lang, "Demo workspace")) as progress:
            result = build_demo(
                session_factory(engine), settings, weeks=weeks, seed=seed, progress=progress
            )
    finally:
        engine.dispose()
    for line in _demo_report(lang, result, settings.public_url, fresh):
        typer.echo(line)
    if not no_serve:
        _serve(lang, settings, host, port)


def main() -> None:
    app()

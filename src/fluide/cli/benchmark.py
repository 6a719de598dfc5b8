"""``fluide benchmark export|import``: a company's CES aggregates out, a consortium's files in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fluide.cli.app import EXIT_BAD_INPUT, Group, LangOpt, _check_lang, _fail, _workspace_arg, app
from fluide.i18n import DEFAULT_LANG, N_, fmt_int
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from fluide.domain.benchmark_file import BenchmarkFile

benchmark_app = typer.Typer(
    cls=Group,
    help=(
        "The CES benchmark: export your aggregates, import other companies' files. / "
        "Le benchmark CES : exporter vos agrégats, importer ceux d'autres entreprises."
    ),
    no_args_is_help=True,
)
app.add_typer(benchmark_app, name="benchmark")

MAX_FILE_BYTES = 1_000_000
"""A benchmark file holds a few categories: anything larger is not one."""


def _day(lang: str, option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(
            lang,
            InputError(
                "%(param)s must be a date such as 2026-03-02; got %(value)s.",
                param=option,
                value=text[:40],
            ),
        )
        raise AssertionError("unreachable") from None


def _factory(lang: str) -> tuple[Any, sessionmaker[Session]]:
    # cli.service registers `demo` and `workspace`: imported here, the commands keep the
    # order of `fluide --help` whatever the order the modules load in.
    from fluide.cli.service import _engine, _load
    from fluide.storage.db import session_factory

    engine = _engine(lang, _load(lang))
    return engine, session_factory(engine)


def _service_error(lang: str, e: Any) -> None:
    typer.echo(_t(lang, e.message, **e.params), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@benchmark_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="The JSON file to write.")],
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace's id, or its name if unique.")
    ],
    start: Annotated[
        str | None, typer.Option("--from", help="First local date (default: 90 days ago).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last local date (default: today).")
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Write the workspace's benchmark file: per task category with at least 30 answers,
    the answers, effort-index mean and SD, effort-group counts and period. Never a customer,
    a comment, an agent, a touchpoint or the workspace's name: only a random contributor id.
    """
    from fluide.services import benchmark
    from fluide.services.errors import ServiceError

    lang = _check_lang(lang)
    first, last = _day(lang, "--from", start), _day(lang, "--to", end)
    engine, factory = _factory(lang)
    try:
        ws_id, _ = _workspace_arg(lang, factory, workspace)
        doc = benchmark.export(factory, ws_id, first, last)
    except ServiceError as e:
        _service_error(lang, e)
    finally:
        engine.dispose()
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    cats = doc["categories"]
    typer.echo(
        _t(
            lang,
            "Benchmark file written to %(path)s: %(n)s categories with at least 30 answers "
            "(%(names)s), from %(start)s to %(end)s.",
            path=str(out),
            n=len(cats),
            names=", ".join(cats) or "-",
            start=doc["period"]["from"],
            end=doc["period"]["to"],
        )
    )


def _read(lang: str, path: Path) -> BenchmarkFile | str:
    """The checked file, or a line naming the file, the JSON path and what is allowed."""
    from fluide.domain.benchmark_file import FileProblem, read_file

    try:
        data = path.read_bytes()
        if len(data) > MAX_FILE_BYTES:
            size = fmt_int(lang, MAX_FILE_BYTES)
            return f"{path}, $: " + _t(lang, "the file is larger than %(n)s bytes.", n=size)
        doc = json.loads(data.decode("utf-8"))
    except OSError as e:
        return f"{path}: {e.strerror or e}"
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        reason = str(e)[:200]
        return f"{path}, $: " + _t(
            lang, "this is not a JSON file in UTF-8 (%(reason)s).", reason=reason
        )
    try:
        return read_file(doc)
    except FileProblem as e:
        return f"{path}, {e.path}: " + _t(lang, e.message, **e.params)


@benchmark_app.command("import")
def import_(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Benchmark files written by `fluide benchmark export`."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="Only list the imported contributions.")
    ] = False,
    remove: Annotated[
        str | None, typer.Option("--remove", help="Forget every contribution of this contributor.")
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Check every file, then store them in this instance's pool (FLUIDE_DATABASE_URL):
    one row per contributor and category; a newer file of a contributor replaces the older.
    Nothing is imported if any file is bad.
    """
    lang = _check_lang(lang)
    if not files and not list_ and remove is None:
        _fail(lang, InputError("Name at least one file, or --list, or --remove CONTRIBUTOR."))
    checked: list[BenchmarkFile] = []
    problems: list[str] = []
    for path in files or []:
        found = _read(lang, path)
        if isinstance(found, str):
            problems.append(found)
        else:
            checked.append(found)
    if problems:
        for line in problems:
            typer.echo(line, err=True)
        typer.echo(_t(lang, "Nothing was imported: correct these files first."), err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    from fluide.services import benchmark

    engine, factory = _factory(lang)
    try:
        if remove is not None:
            n = benchmark.remove(factory, remove)
            typer.echo(_t(lang, "%(n)s contributions of %(id)s removed.", n=n, id=remove))
        if checked:
            for done in benchmark.import_files(factory, checked):
                typer.echo(_imported_line(lang, done))
        if list_:
            for row in benchmark.listed(factory):
                typer.echo(
                    f"{row['contributor']}\t{row['category']}\t{row['answers']}\t"
                    f"{row['from']}\t{row['to']}"
                )
    finally:
        engine.dispose()


def _imported_line(lang: str, done: Any) -> str:
    if done.kept_newer:
        return _t(
            lang,
            "%(id)s: not imported, the pool holds a newer file of this contributor.",
            id=done.contributor,
        )
    message = (
        N_("%(id)s: %(names)s imported, replacing its older file.")
        if done.replaced
        else N_("%(id)s: %(names)s imported.")
    )
    return _t(lang, message, id=done.contributor, names=", ".join(done.categories) or "-")

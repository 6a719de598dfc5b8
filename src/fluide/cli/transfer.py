"""``fluide workspace export`` and ``fluide workspace import``: moving a workspace."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from fluide.cli.app import EXIT_BAD_INPUT, LangOpt, _check_lang, _progress, _workspace_arg
from fluide.cli.service import _engine, _load, _opened, workspace_app
from fluide.i18n import DEFAULT_LANG, N_, fmt_int, fmt_number
from fluide.i18n import gettext as _t

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from fluide.services.errors import ServiceError
    from fluide.settings import Settings

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="The database (default: FLUIDE_DATABASE_URL, else FLUIDE_DATA_DIR/fluide.db).",
    ),
]
TRANSLATED_PARAMS = ("expected", "kind")
"""Parameters of transfer errors that are msgids themselves."""


def _refuse(lang: str, e: ServiceError) -> NoReturn:
    params: dict[str, Any] = dict(e.params)
    for name in TRANSLATED_PARAMS:
        if isinstance(params.get(name), str):
            params[name] = _t(lang, params[name], **e.params)
    typer.echo(_t(lang, e.message, **params), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _settings(lang: str, database_url: str | None) -> Settings:
    return _load(lang, **({"database_url": database_url} if database_url else {}))


@workspace_app.command("export")
def workspace_export(
    out: Annotated[Path, typer.Argument(help="A new (or empty) folder to write the export into.")],
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace's id, or its name if unique.")
    ],
    database_url: DatabaseOpt = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Write one workspace to a folder: manifest.json and one JSON Lines file per table.

    The export holds personal data and secrets: it is written readable by you
    only; keep it private and delete it once imported.
    """
    from fluide.services import transfer
    from fluide.services.errors import ServiceError
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    settings = _settings(lang, database_url)
    engine = _engine(lang, settings)
    started = time.monotonic()
    try:
        factory = session_factory(engine)
        ws_id, _ = _workspace_arg(lang, factory, workspace)
        with _progress(True, _t(lang, "Export")) as bar:
            done = transfer.export_workspace(
                factory, ws_id, out, hooks=transfer.export_hooks(settings), progress=bar
            )
    except ServiceError as e:
        _refuse(lang, e)
    finally:
        engine.dispose()
    _report(lang, N_("Workspace %(name)s (%(id)s) exported to %(path)s:"), done, started)
    typer.echo(
        _t(
            lang,
            "This export holds personal data (your customers' ids, e-mail addresses and "
            "comments) and secrets (password and API key hashes, widget and webhook "
            "secrets): keep it private, and delete it once imported.",
        ),
        err=True,
    )


@workspace_app.command("import")
def workspace_import(
    src: Annotated[Path, typer.Argument(help="The folder `fluide workspace export` wrote.")],
    database_url: DatabaseOpt = None,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Load an exported workspace into this database (migrated first), all or nothing.

    Refused, with nothing imported, if the database already holds the
    workspace, if another workspace uses one of its unique values (an
    account's e-mail address…), or if a file does not match the manifest.
    """
    from fluide.services import transfer
    from fluide.services.errors import ServiceError
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    try:
        export = transfer.open_export(src)
    except ServiceError as e:
        _refuse(lang, e)
    settings = _settings(lang, database_url)
    engine = _target(lang, settings)
    started = time.monotonic()
    try:
        with _progress(True, _t(lang, "Import")) as bar:
            done = transfer.import_workspace(
                session_factory(engine),
                export,
                hooks=transfer.import_hooks(settings),
                progress=bar,
            )
    except ServiceError as e:
        _refuse(lang, e)
    finally:
        engine.dispose()
    _report(lang, N_("Workspace %(name)s (%(id)s) imported from %(path)s:"), done, started)


def _target(lang: str, settings: Settings) -> Engine:
    """The target database, migrated to this Fluide's schema (refused if it is newer)."""
    from fluide.services import transfer
    from fluide.services.errors import ServiceError
    from fluide.storage.db import make_engine, session_factory

    engine = _opened(lang, settings, lambda: make_engine(settings.sqlalchemy_url))
    try:
        _opened(lang, settings, lambda: transfer.check_target(session_factory(engine)))
    except ServiceError as e:
        engine.dispose()
        _refuse(lang, e)
    engine.dispose()
    return _engine(lang, settings)


def _report(lang: str, head: str, done: Any, started: float) -> None:
    seconds = max(time.monotonic() - started, 1e-6)
    typer.echo(_t(lang, head, name=done.name, id=done.workspace_id, path=str(done.path)))
    typer.echo(
        _t(
            lang,
            "%(rows)s rows in %(tables)s tables, %(seconds)s s (%(rate)s rows/s).",
            rows=fmt_int(lang, done.total),
            tables=len(done.rows),
            seconds=fmt_number(lang, seconds),
            rate=fmt_int(lang, round(done.total / seconds)),
        )
    )

"""Commands of the collection service: ``workspace create``, ``demo`` (``serve``: cli/serve.py)."""

from __future__ import annotations

import errno
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from fluide.cli.app import (
    EXIT_BAD_INPUT,
    Group,
    LangOpt,
    T,
    _check_format,
    _check_lang,
    _fail,
    _progress,
    app,
)
from fluide.i18n import DEFAULT_LANG, fmt_date, fmt_int
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

# Settings (pydantic-settings), SQLAlchemy and the services load inside the commands:
# ``fluide --help`` imports this module and must stay fast.
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from fluide.demo import DemoResult
    from fluide.services.demo_mode import DemoDatabaseRequired
    from fluide.settings import Settings


HostOpt = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEMO_DIR = Path("out") / "demo"

workspace_app = typer.Typer(
    cls=Group,
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
    from fluide.settings import SettingsError, load_settings

    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(_t(lang, "Configuration error: %(problem)s", problem=exc.text(lang)), err=True)
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


def _demo_refused(lang: str, exc: DemoDatabaseRequired) -> NoReturn:
    typer.echo(_t(lang, "Configuration error: %(problem)s", problem=exc.text(lang)), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_demo(lang: str, settings: Settings, factory: sessionmaker[Session]) -> None:
    """Exit 2 with the reason when demo mode is on and this is not ``fluide demo``'s database."""
    from fluide.services.demo_mode import DemoDatabaseRequired, check_demo_mode

    try:
        check_demo_mode(settings, factory)
    except DemoDatabaseRequired as exc:
        _demo_refused(lang, exc)


def _public_url(host: str, port: int) -> str:
    shown = DEFAULT_HOST if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - only shown
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"


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
    _check_format(lang, fmt)
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


def _check_port(lang: str, host: str, port: int) -> None:
    """Exit 2 with a clear message when ``host:port`` cannot be listened on (another program
    has it, or the address is not this machine's): checked before anything is filled."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            # As the server binds: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            message = _t(
                lang,
                "Port %(port)s on %(host)s is taken: another program listens there. Nothing "
                "was filled. Stop that program, or choose another port with --port "
                "(make demo PORT=%(next)s).",
                port=port,
                host=host,
                next=port + 1 if port < 65535 else 8000,
            )
        else:
            message = _t(
                lang,
                "Cannot listen on %(host)s port %(port)s: %(reason)s. Nothing was filled. "
                "Choose another address with --host and --port (make demo HOST=127.0.0.1 "
                "PORT=8000).",
                host=host,
                port=port,
                reason=exc.strerror or str(exc),
            )
        typer.echo(message, err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _fresh_demo_database(data_dir: Path) -> Path:
    """Remove the demo's own SQLite file (and its WAL files): every run starts afresh."""
    db = data_dir / "fluide.db"
    for path in (db, db.with_name("fluide.db-wal"), db.with_name("fluide.db-shm")):
        path.unlink(missing_ok=True)
    return db


def _login_lines(lang: str, result: DemoResult) -> list[str]:
    """Every demo account with its password: the admin, the CSM, then each agent (each
    sees their own follow-ups); passwords are new at every run and shown only here."""
    order = {"admin": 0, "analyst": 1, "agent": 2}
    logins = sorted(result.logins, key=lambda x: order.get(x.role, 3))
    return [
        _t(
            lang,
            "  %(role)s: %(email)s / password %(password)s",
            role=_t(lang, login.role),
            email=login.email,
            password=login.password,
        )
        for login in logins
    ]


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
        _t(lang, "Dashboard: %(url)s", url=url + "/app"),
        *_login_lines(lang, result),
        "",
        _t(
            lang,
            "Demo shop (act as a customer, answer the questions): %(url)s",
            url=url + "/demo/shop",
        ),
        "",
        _t(lang, "Try it:"),
        f'  curl -s {url}/v1/touchpoints -H "Authorization: Bearer {result.api_key}"',
        _t(lang, 'Walkthrough: docs/collection.md, section "Walkthrough, after make demo", after:'),
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
    lang = _check_lang(lang)
    if not no_serve:
        # First, before the heavy imports and the database: a taken port fills
        # nothing and says so in a moment.
        _check_port(lang, host, port)
    from fluide.demo import build_demo
    from fluide.storage.db import session_factory

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
        if no_serve:
            _demo_tagging(lang, session_factory(engine), result.workspace_id)
        else:
            _demo_chat_webhook(session_factory(engine), settings, result.workspace_id, host, port)
    finally:
        engine.dispose()
    for line in _demo_report(lang, result, settings.public_url, fresh):
        typer.echo(line)
    if no_serve:
        return
    typer.echo(
        _t(
            lang,
            "The comments are being tagged in the background: see GET /v1/verbatims "
            "and GET /v1/frictions in a few seconds.",
        )
    )
    from fluide.demo.inbox import DemoInbox

    inbox = DemoInbox()
    url = settings.public_url.rstrip("/")
    if not _env_has("FLUIDE_SMTP_URL"):
        from pydantic import SecretStr

        smtp_url = inbox.start_smtp()
        settings = settings.model_copy(update={"smtp_url": SecretStr(smtp_url)})
        typer.echo(_t(lang, "Demo mailbox (the e-mails sent): %(url)s", url=url + "/demo/mailbox"))
    typer.echo(_t(lang, "Demo chat inbox (the chat posts): %(url)s", url=url + "/demo/inbox"))
    from fluide.cli.serve import _serve

    try:
        _serve(lang, settings, host, port, inbox)
    finally:
        inbox.stop()


def _demo_tagging(lang: str, factory: sessionmaker[Session], ws_id: str) -> None:
    """Tag every demo comment now (``--no-serve``: no worker will come after)."""
    from fluide.jobs.tagging import drain
    from fluide.jobs.topics import refresh_topics
    from fluide.storage import verbatim_queue as queue_store

    with factory() as s:
        total = queue_store.pending_count(s, ws_id)
    if not total:
        return
    typer.echo(_t(lang, "Comments to tag: %(count)s…", count=total), err=True)
    with _progress(True, _t(lang, "Tagging comments")) as bar:
        drain(
            factory,
            workspace_id=ws_id,
            progress=(lambda n: bar(min(n / total, 1.0))) if bar else None,
        )
    refresh_topics(factory, ws_id)


def _demo_chat_webhook(
    factory: sessionmaker[Session], settings: Settings, ws_id: str, host: str, port: int
) -> None:
    """Point the demo workspace's chat webhook at this server's receiver (with a secret)."""
    from fluide.channels.outbound import Policy
    from fluide.channels.webhook import webhook_url_problem
    from fluide.services import workspace_settings
    from fluide.storage.models import Workspace

    hook = _public_url(host, port) + "/demo/webhook"
    if webhook_url_problem(hook, Policy.of(settings)) is not None:
        return  # served on an address the policy refuses (e.g. a LAN address)
    with factory() as s:
        ws = s.get(Workspace, ws_id)
        current = ws.chat_webhook_url if ws is not None else None
    if current and not current.endswith("/demo/webhook"):
        return  # the workspace posts to its own webhook: keep it
    workspace_settings.update(
        factory, settings, ws_id, workspace_settings.WorkspacePatch(chat_webhook_url=hook)
    )

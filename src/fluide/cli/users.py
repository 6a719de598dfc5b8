"""``fluide user create``: dashboard accounts."""

from __future__ import annotations

import json
import secrets
import sys
from typing import Annotated

import typer

from fluide.cli.app import Group, LangOpt, _check_format, _check_lang, _fail, _workspace_arg, app
from fluide.cli.service import _engine, _load
from fluide.i18n import DEFAULT_LANG
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

user_app = typer.Typer(
    cls=Group, help="Dashboard accounts (admin, analyst, agent).", no_args_is_help=True
)
app.add_typer(user_app, name="user")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option("--email", help="The login e-mail address.")],
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace's id, or its name if unique.")
    ],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or agent.")] = "analyst",
    name: Annotated[str, typer.Option("--name", help="The person's name.")] = "",
    agent_id: Annotated[
        str | None,
        typer.Option("--agent-id", help="For an agent: their id in the events (agent_id)."),
    ] = None,
    account_lang: Annotated[
        str, typer.Option("--account-lang", help="Language of the dashboard: fr or en.")
    ] = "fr",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input (else one is made)."
        ),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Create a dashboard account; without --password-stdin, print a generated password once."""
    from fluide.services import accounts
    from fluide.services.errors import ServiceError
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    _check_format(lang, fmt)
    generated = not password_stdin
    password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().rstrip("\r\n")
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        factory = session_factory(engine)
        ws_id, _ = _workspace_arg(lang, factory, workspace)
        try:
            made = accounts.create_account(
                factory,
                ws_id,
                email=email,
                name=name,
                role=role,
                password=password,
                agent_id=agent_id,
                lang=account_lang,
            )
        except ServiceError as e:
            _fail(lang, InputError(e.message, None, **e.params))
            return
    finally:
        engine.dispose()
    if fmt == "json":
        doc = {
            "id": made.id,
            "workspace_id": made.workspace_id,
            "email": made.email,
            "role": made.role,
        }
        if generated:
            doc["password"] = password
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    typer.echo(
        _t(
            lang,
            "Account %(email)s created (%(role)s).",
            email=made.email,
            role=_t(lang, made.role),
        )
    )
    if generated:
        typer.echo(_t(lang, "Password (shown only this once; only its hash is stored):"))
        typer.echo(password)


@user_app.command("erase")
def user_erase(
    user_id: Annotated[str, typer.Argument(help="The customer's id, as the host sends it.")],
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace's id, or its name if unique.")
    ],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Erase a customer (end user) and everything of theirs; print what went. No confirmation."""
    from fluide.services import erasure
    from fluide.services.errors import ServiceError
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    _check_format(lang, fmt)
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        factory = session_factory(engine)
        ws_id, _ = _workspace_arg(lang, factory, workspace)
        try:
            done = erasure.erase_user(factory, ws_id, user_id, erased_by=erasure.CLI)
        except ServiceError as e:
            _fail(lang, InputError(e.message, None, **e.params))
            return
    finally:
        engine.dispose()
    assert done is not None
    if fmt == "json":
        typer.echo(json.dumps(done.to_json(), ensure_ascii=False))
        return
    typer.echo(
        _t(lang, "Customer %(user)s erased (audit %(id)s).", user=user_id, id=done.erasure_id)
    )
    for table, count in done.counts.items():
        if count:
            typer.echo(f"  {table}: {count}")
    if not done.files_purged:
        typer.echo(_t(lang, "The database files are purged by the worker's next round."), err=True)

"""``fluide workspace rotate-key`` and ``fluide secrets reencrypt``: keys and secrets."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from fluide.cli.app import Group, LangOpt, _check_format, _check_lang, _fail, _workspace_arg, app
from fluide.cli.service import _engine, _load, workspace_app
from fluide.i18n import DEFAULT_LANG, fmt_datetime
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

secrets_app = typer.Typer(
    cls=Group,
    help="Stored secrets, encrypted at rest. / Secrets stockés, chiffrés au repos.",
    no_args_is_help=True,
)
app.add_typer(secrets_app, name="secrets")

FormatOpt = Annotated[str, typer.Option("--format", help="text or json.")]


@workspace_app.command("rotate-key")
def rotate_key(
    workspace: Annotated[
        str, typer.Option("--workspace", help="The workspace's id, or its name if unique.")
    ],
    grace: Annotated[
        int,
        typer.Option(
            "--grace", help="Seconds the current keys still work (0: end now; at most 604800)."
        ),
    ] = 0,
    fmt: FormatOpt = "text",
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Make a new API key and print it once; every current key ends now or after --grace."""
    from fluide.services import api_keys
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    _check_format(lang, fmt)
    if not 0 <= grace <= api_keys.MAX_GRACE_SECONDS:
        _fail(
            lang,
            InputError(
                "--grace must be between 0 and %(max)s seconds (7 days), got %(value)s.",
                max=api_keys.MAX_GRACE_SECONDS,
                value=grace,
            ),
        )
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        factory = session_factory(engine)
        found = _workspace_arg(lang, factory, workspace)
        made = api_keys.rotate(factory, found[0], replacing=None, grace_seconds=grace)
    finally:
        engine.dispose()
    if fmt == "json":
        doc = {
            "workspace_id": found[0],
            "api_key": made["api_key"],
            "id": made["id"],
            "prefix": made["prefix"],
            "revokes": made["revokes"],
            "old_key_valid_until": made["old_key_valid_until"],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    typer.echo(_t(lang, "New API key of %(name)s (%(id)s):", name=found[1], id=found[0]))
    typer.echo(made["api_key"])
    typer.echo(_t(lang, "Shown only this once; only its hash is stored."))
    if made["revokes"]:
        ended = ", ".join(made["revokes"])
        if grace:
            until = fmt_datetime(lang, made["old_key_valid_until"]) + " UTC"
            typer.echo(
                _t(lang, "Former keys (%(keys)s) work until %(until)s.", keys=ended, until=until)
            )
        else:
            typer.echo(_t(lang, "Former keys revoked now: %(keys)s.", keys=ended))


@secrets_app.command("reencrypt")
def reencrypt(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be rewritten.")
    ] = False,
    fmt: FormatOpt = "text",
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Encrypt every stored widget and webhook secret under FLUIDE_SECRET_KEY.

    Run it after changing FLUIDE_SECRET_KEY with the former key in
    FLUIDE_PREVIOUS_SECRET_KEYS; then the former key can go. Legacy plaintext
    secrets are encrypted too. Exit code 1 when a secret cannot be decrypted.
    """
    from fluide.services import stored_secrets
    from fluide.storage.db import session_factory

    lang = _check_lang(lang)
    _check_format(lang, fmt)
    settings = _load(lang)
    engine = _engine(lang, settings)
    try:
        done = stored_secrets.reencrypt(session_factory(engine), settings, dry_run=dry_run)
    finally:
        engine.dispose()
    if fmt == "json":
        doc = {
            "dry_run": dry_run,
            "rewritten": done.rewritten,
            "current": done.current,
            "failed": [{"workspace_id": ws, "kind": kind} for ws, kind in done.failed],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False))
    elif dry_run:
        typer.echo(
            _t(
                lang,
                "Secrets to re-encrypt: %(rewritten)s; already under the current key: %(current)s.",
                rewritten=done.rewritten,
                current=done.current,
            )
        )
    else:
        typer.echo(
            _t(
                lang,
                "Secrets re-encrypted: %(rewritten)s; already under the current key: %(current)s.",
                rewritten=done.rewritten,
                current=done.current,
            )
        )
    for ws, kind in done.failed:
        typer.echo(
            _t(
                lang,
                "Workspace %(workspace)s: its %(kind)s secret cannot be decrypted with "
                "FLUIDE_SECRET_KEY nor FLUIDE_PREVIOUS_SECRET_KEYS. Add the key it was "
                "encrypted with to FLUIDE_PREVIOUS_SECRET_KEYS, or make a new one "
                "(POST /v1/workspace/secrets/%(kind)s).",
                workspace=ws,
                kind=kind,
            ),
            err=True,
        )
    if done.failed:
        raise typer.Exit(1)

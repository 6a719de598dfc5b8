"""Use case: export one workspace to files, and import it into another database.

This is also how an instance moves from its SQLite file to PostgreSQL: export
from one, import into the other. The import runs in one transaction, parents
first; it refuses a workspace the database already holds, a value another
workspace already uses where it must be unique (an account's e-mail…), a row
that refers to anything outside the export, and any file that does not match
the manifest: then nothing at all is imported.

Secret columns pass through :func:`export_hooks` and :func:`import_hooks`
(``(table, column) → function`` applied to non-empty values): the place where
secrets stored encrypted are decrypted into the export and encrypted again
for the target.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide import __version__, secretbox
from fluide.services.errors import ServiceError, not_found
from fluide.services.transfer_files import (
    FORMAT,
    FORMAT_VERSION,
    Export,
    check_files,
    file_of,
    make_folder,
    private_file,
    read_manifest,
    remove_partial,
    write_manifest,
)
from fluide.services.transfer_load import Hook, Hooks, Loader, Progress
from fluide.settings import Settings
from fluide.storage import row_codec
from fluide.storage import transfer as store
from fluide.storage.db import write_session
from fluide.storage.models import Base
from fluide.storage.types import utcnow

SECRET_COLUMNS: Final = (
    ("workspaces", "widget_secret"),
    ("workspaces", "webhook_secret"),
    ("sso_configs", "client_secret"),
    ("helpdesk_connections", "credential"),
    ("helpdesk_connections", "signing_secret"),
)
"""Columns that hold secrets the service must read back (not hashes)."""


def export_hooks(settings: Settings) -> dict[tuple[str, str], Hook]:
    """How secret columns are written into an export: in clear, as the service reads them.

    Secrets stored encrypted with ``settings``' key are opened, so that the
    target (which may have another ``FLUIDE_SECRET_KEY``) seals them its own way.
    A secret no configured key opens stops the export (the message says which
    setting to fix) rather than exporting a value nobody can use.
    """
    box = secretbox.box(settings)

    def _open(value: Any) -> Any:
        try:
            return box.open(str(value))
        except secretbox.UndecryptableSecret as exc:
            raise ServiceError("secret_key_mismatch", secretbox.MISMATCH, status=503) from exc

    return dict.fromkeys(SECRET_COLUMNS, _open)


def import_hooks(settings: Settings) -> dict[tuple[str, str], Hook]:
    """How secret columns of an export are stored: sealed with ``settings``' key."""
    box = secretbox.box(settings)
    return dict.fromkeys(SECRET_COLUMNS, lambda value: box.seal(str(value)))


@dataclass(frozen=True)
class Transferred:
    """What an export or import moved: the workspace, and rows per table."""

    workspace_id: str
    name: str
    path: Path
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _plan() -> list[store.Scope]:
    return store.exported(Base.metadata)


# --- Export -------------------------------------------------------------------------


def export_workspace(
    factory: sessionmaker[Session],
    workspace_id: str,
    out: Path,
    *,
    hooks: Hooks,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Transferred:
    """Write every exported table of the workspace under ``out`` (a new or empty folder)."""
    plan = _plan()
    with store.snapshot(factory) as s:
        name = store.workspace_name(s, Base.metadata, workspace_id)
        if name is None:
            raise not_found("No workspace %(value)s.", workspace_id)
        revision = store.schema_revision(s)
        created = make_folder(out)
        written: list[Path] = []
        try:
            tables: dict[str, dict[str, Any]] = {}
            for i, scope in enumerate(plan):
                target = out / file_of(scope.name)
                written.append(target)
                tables[scope.name] = _write_table(s, scope, workspace_id, target, hooks)
                if progress is not None:
                    progress((i + 1) / len(plan))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_version": revision,
                "workspace_id": workspace_id,
                "exported_at": (now or utcnow()).isoformat(),
                "fluide_version": __version__,
                "tables": tables,
            }
            written.append(write_manifest(out, manifest))
        except BaseException:
            remove_partial(out, created, written)
            raise
    rows = {t: int(v["rows"]) for t, v in tables.items()}
    return Transferred(workspace_id, name, out, rows)


def _write_table(
    s: Session, scope: store.Scope, workspace_id: str, target: Path, hooks: Hooks
) -> dict[str, Any]:
    columns = list(scope.table.columns)
    writer = row_codec.LineWriter(columns)
    own = [
        (i, hooks[(scope.name, c.name)])
        for i, c in enumerate(columns)
        if (scope.name, c.name) in hooks
    ]
    digest = hashlib.sha256()
    rows = 0
    with private_file(target) as f:
        for values in store.read_rows(s, scope, workspace_id):
            if own:
                values = list(values)
                for i, hook in own:
                    if values[i] is not None:
                        values[i] = hook(values[i])
            line = writer.line(values)
            f.write(line)
            digest.update(line)
            rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


# --- Import -------------------------------------------------------------------------


def open_export(path: Path) -> Export:
    """The export at ``path``, checked whole (manifest, files, checksums) before any write."""
    plan = _plan()
    export = read_manifest(
        path, [s.name for s in plan], store.head_revision(), store.known_revisions()
    )
    check_files(export)
    return export


def check_target(factory: sessionmaker[Session]) -> None:
    """Refuse a database a newer Fluide migrated (call it before migrating)."""
    with factory() as s:
        found = store.schema_revision(s)
    if found is not None and found not in store.known_revisions():
        raise ServiceError(
            "schema_unknown",
            "This database is at schema %(found)s, which this Fluide (at %(head)s) "
            "does not know: upgrade Fluide first.",
            found=found,
            head=store.head_revision(),
        )


def import_workspace(
    factory: sessionmaker[Session],
    export: Export,
    *,
    hooks: Hooks,
    progress: Progress | None = None,
) -> Transferred:
    """Load a checked export into this database, in one transaction: all of it, or nothing."""
    plan = _plan()
    ws_id = export.workspace_id
    total = max(sum(export.rows.values()), 1)
    loader = Loader(export, hooks, total, progress)
    with write_session(factory) as s:
        found = store.schema_revision(s)
        if found != export.manifest["schema_version"]:
            raise ServiceError(
                "schema_mismatch",
                "This database is at schema %(found)s and the export at %(expected)s: "
                "migrate the database first.",
                found=str(found),
                expected=export.manifest["schema_version"],
            )
        existing = store.workspace_name(s, Base.metadata, ws_id)
        if existing is not None:
            raise ServiceError(
                "workspace_exists",
                "This database already holds workspace %(id)s (%(name)s): nothing was "
                "imported. Import it into a database that does not hold it, e.g. a new one.",
                status=409,
                id=ws_id,
                name=existing,
            )
        referred = store.referred_columns(Base.metadata)
        for scope in plan:
            loader.load(s, scope, referred[scope.name])
    return Transferred(ws_id, loader.name, export.path, export.rows)

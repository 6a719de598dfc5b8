"""Loading an export's files into the database: parsed, checked, inserted in chunks.

Each file is read again as it is inserted (its checksum too, so what is
inserted is what was checked). Every row must be the manifest's workspace's,
and every reference must point at a row of the export: an export can never
attach rows to another workspace of the target. A value another workspace
already uses in a unique column is refused by name before the insert.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Session

from fluide.i18n import N_
from fluide.services.errors import ServiceError
from fluide.services.transfer_files import Export, bad_export, check_end, file_of, lines_of, refusal
from fluide.storage import row_codec
from fluide.storage import transfer as store

CHUNK: Final = 1000
"""Rows inserted per statement: bounded memory, few round trips."""

Hook = Callable[[Any], Any]
Hooks = Mapping[tuple[str, str], Hook]
Progress = Callable[[float], None]

VALUE_KINDS: Final[dict[tuple[str, str], str]] = {
    ("accounts", "email"): N_("the e-mail address of a dashboard account"),
    ("api_keys", "key_hash"): N_("an API key (its hash)"),
    ("workspaces", "widget_public_key"): N_("the widget's public key"),
    ("deliveries", "idempotency_key"): N_("a delivery's idempotency key"),
}
"""What a unique column holds, as named when another workspace already has a value."""
SHOWN: Final = {("accounts", "email")}
"""Unique values a refusal may print (never a secret or a key)."""


class Loader:
    """Loads the tables of one export, parents first, into one transaction."""

    def __init__(self, export: Export, hooks: Hooks, total: int, progress: Progress | None):
        self.export = export
        self.hooks = hooks
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress
        self.name = ""
        self.keys: dict[tuple[str, str], set[Any]] = {}
        """Values of the columns other tables refer to, as imported so far."""

    def load(self, s: Session, scope: store.Scope, referred: set[str]) -> None:
        """Insert one table's file; ``referred``: its columns other tables refer to."""
        for column in referred:
            self.keys[(scope.name, column)] = set()
        table = _Table(scope, self.export.workspace_id, self.hooks, self.keys)
        name = file_of(scope.name)
        digest = hashlib.sha256()
        chunk: list[dict[str, Any]] = []
        lines = 0
        last = b"\n"
        for line in lines_of(self.export.path, scope.name):
            digest.update(line)
            lines += 1
            last = line
            row = table.row(line, {"file": name, "line": lines})
            for column in referred:
                self.keys[(scope.name, column)].add(row[column])
            if scope.name == store.ROOT:
                self.name = str(row["name"])
            chunk.append(row)
            if len(chunk) >= CHUNK:
                self._insert(s, scope, name, chunk)
                chunk = []
        self._insert(s, scope, name, chunk)
        check_end(name, lines, last, digest.hexdigest(), self.export.manifest["tables"][scope.name])

    def _insert(
        self, s: Session, scope: store.Scope, name: str, chunk: list[dict[str, Any]]
    ) -> None:
        if not chunk:
            return
        for column in store.unique_columns(scope.table):
            clash = store.taken(s, column, (r[column.name] for r in chunk))
            if clash:
                raise collision(scope.name, column.name, clash[0])
        try:
            store.insert_rows(s, scope.table, chunk)
        except store.Conflict as exc:
            raise ServiceError(
                "import_conflict",
                "The database refused rows of %(file)s (%(constraint)s): nothing was imported.",
                status=409,
                file=name,
                constraint=str(exc),
            ) from None
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(min(self.done / self.total, 1.0))


class _Table:
    """How the lines of one table's file become rows: decoded, hooked, checked."""

    def __init__(
        self,
        scope: store.Scope,
        workspace_id: str,
        hooks: Hooks,
        keys: dict[tuple[str, str], set[Any]],
    ) -> None:
        self.scope = scope
        self.workspace_id = workspace_id
        self.columns = [
            (c.name, row_codec.decoder(c), hooks.get((scope.name, c.name)))
            for c in scope.table.columns
        ]
        self.names = {c.name for c in scope.table.columns}
        self.owner = scope.column.name if scope.parent is None else None
        empty: set[Any] = set()
        self.references = [
            (fk.parent.name, fk.column.table.name, keys.get(_target(fk), empty))
            for fk in sorted(scope.table.foreign_keys, key=lambda k: k.parent.name)
        ]

    def row(self, line: bytes, where: dict[str, Any]) -> dict[str, Any]:
        try:
            raw = json.loads(line)
        except ValueError:
            raise bad_export("%(file)s, line %(line)s: not valid JSON.", **where) from None
        if not isinstance(raw, dict):
            raise bad_export("%(file)s, line %(line)s: not a JSON object.", **where)
        if raw.keys() != self.names:
            self._columns(raw, where)
        row: dict[str, Any] = {}
        for name, decode, hook in self.columns:
            try:
                value = decode(raw[name])
            except row_codec.BadValue as exc:
                params = {**exc.params, **where, "column": name, "expected": exc.expected}
                raise refusal(
                    "bad_export",
                    "%(file)s, line %(line)s, column %(column)s: expected %(expected)s.",
                    params,
                ) from None
            row[name] = hook(value) if hook is not None and value is not None else value
        self._check_owner(row, where)
        return row

    def _columns(self, raw: dict[str, Any], where: dict[str, Any]) -> None:
        for column in sorted(set(raw) - self.names):
            raise bad_export(
                "%(file)s, line %(line)s: unknown column %(column)s.", column=column, **where
            )
        for column in sorted(self.names - set(raw)):
            raise bad_export(
                "%(file)s, line %(line)s: column %(column)s is missing.", column=column, **where
            )

    def _check_owner(self, row: dict[str, Any], where: dict[str, Any]) -> None:
        """The row is the workspace's, and refers to nothing outside the export."""
        if self.owner is not None and row[self.owner] != self.workspace_id:
            raise bad_export(
                "%(file)s, line %(line)s: this row belongs to another workspace than the "
                "manifest's (%(column)s).",
                column=self.owner,
                **where,
            )
        for column, table, known in self.references:
            value = row[column]
            if value is not None and value not in known:
                raise bad_export(
                    "%(file)s, line %(line)s: %(column)s refers to a row of %(table)s "
                    "that is not in this export.",
                    column=column,
                    table=table,
                    **where,
                )


def _target(fk: ForeignKey) -> tuple[str, str]:
    return (fk.column.table.name, fk.column.name)


def collision(table: str, column: str, value: Any) -> ServiceError:
    """The refusal of a unique value the database already holds (shown only if harmless)."""
    kind = VALUE_KINDS.get((table, column), N_("an identifier"))
    if (table, column) in SHOWN:
        return ServiceError(
            "import_collision",
            "Another workspace of this database already uses %(value)s as %(kind)s "
            "(%(table)s.%(column)s): nothing was imported.",
            status=409,
            kind=kind,
            value=str(value),
            table=table,
            column=column,
        )
    return ServiceError(
        "import_collision",
        "This database already holds %(kind)s of this export (%(table)s.%(column)s): "
        "nothing was imported.",
        status=409,
        kind=kind,
        table=table,
        column=column,
    )

"""Exporting a workspace and importing it elsewhere: SQLite → PostgreSQL → SQLite.

One source database (SQLite) is filled once per module: the demo workspace
with rows in every table, and another workspace beside it. Targets are the
``database_url`` fixture's (SQLite and a throw-away PostgreSQL).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
import struct
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.services import actions, backlog, follow_ups, frictions, tags, topics, transfer
from fluide.services import touchpoints as touchpoint_service
from fluide.services.errors import ServiceError
from fluide.services.metrics import MetricsQuery, metrics
from fluide.services.verbatims import VerbatimQuery, list_verbatims
from fluide.services.workspaces import authenticate, create_workspace, hash_key
from fluide.settings import Settings, load_settings
from fluide.storage import transfer as store
from fluide.storage.dashboard_models import Account
from fluide.storage.db import make_engine, migrate, session_factory, write_session
from fluide.storage.models import ApiKey, Base, VerbatimState, Workspace
from fluide.storage.types import new_id
from tests.service.conftest import SECRET
from tests.services.transfer_data import END, OTHER_EMAIL, Filled, fill

Factory = sessionmaker[Session]
EXPORT = transfer.export_hooks(load_settings(secret_key=SECRET))


def _settings(url: str, data_dir: Path) -> Settings:
    return load_settings(database_url=url, secret_key=SECRET, data_dir=data_dir, worker="external")


def _open(url: str) -> Iterator[Factory]:
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrate(engine)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Factory, Filled, Path]]:
    """The filled source database, and its export (never modified: copy it to tamper)."""
    root = tmp_path_factory.mktemp("source")
    url = f"sqlite:///{root / 'source.db'}"
    settings = _settings(url, root)
    for factory in _open(url):
        filled = fill(factory, settings)
        out = root / "export"
        transfer.export_workspace(
            factory, filled.workspace_id, out, hooks=transfer.export_hooks(settings), now=END
        )
        yield factory, filled, out


@pytest.fixture
def target(database_url: str, tmp_path: Path) -> Iterator[tuple[Factory, Settings]]:
    for factory in _open(database_url):
        yield factory, _settings(database_url, tmp_path)


@pytest.fixture
def export_copy(source: tuple[Factory, Filled, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(source[2], copy)
    return copy


def _rows(folder: Path, table: str) -> list[dict[str, Any]]:
    lines = (folder / f"{table}.jsonl").read_bytes().splitlines()
    return [json.loads(line) for line in lines]


def _import(factory: Factory, settings: Settings, folder: Path) -> transfer.Transferred:
    export = transfer.open_export(folder)
    return transfer.import_workspace(factory, export, hooks=transfer.import_hooks(settings))


def _counts(factory: Factory) -> dict[str, int]:
    with factory() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


# --- The export ---------------------------------------------------------------------


def test_export_holds_every_table_of_the_workspace_with_rows(
    source: tuple[Factory, Filled, Path],
) -> None:
    _, filled, out = source
    manifest = json.loads((out / "manifest.json").read_bytes())
    names = [s.name for s in store.exported(Base.metadata)]
    assert list(manifest["tables"]) == names
    assert manifest["format"] == "fluide-workspace-export"
    assert manifest["format_version"] == 1
    assert manifest["schema_version"] == store.head_revision()
    assert manifest["workspace_id"] == filled.workspace_id
    assert manifest["exported_at"] == END.isoformat()
    empty = [t for t, v in manifest["tables"].items() if v["rows"] == 0]
    assert empty == [], "the fixture must fill every exported table"
    for table, entry in manifest["tables"].items():
        data = (out / f"{table}.jsonl").read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert data.count(b"\n") == entry["rows"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f"{t}.jsonl" for t in names)]
    )


def test_export_leaves_out_other_workspaces_and_the_instance_tables(
    source: tuple[Factory, Filled, Path],
) -> None:
    _, filled, out = source
    for path in out.glob("*.jsonl"):
        data = path.read_text(encoding="utf-8")
        assert filled.other_id not in data, path.name
        assert OTHER_EMAIL not in data, path.name
        for row in map(json.loads, data.splitlines()):
            assert row.get("workspace_id", row.get("id")) == filled.workspace_id
    for table in ("dashboard_sessions", "login_throttles", "instance_meta"):
        assert not (out / f"{table}.jsonl").exists()


def test_export_is_readable_by_its_owner_only(source: tuple[Factory, Filled, Path]) -> None:
    out = source[2]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_export_values_are_exact(source: tuple[Factory, Filled, Path]) -> None:
    factory, _, out = source
    states = {r["response_id"]: r for r in _rows(out, "verbatim_states")}
    with factory() as s:
        stored = {
            v.response_id: v
            for v in s.scalars(select(VerbatimState).where(VerbatimState.embedding.is_not(None)))
        }
    assert stored
    for rid, v in stored.items():
        assert base64.b64decode(states[rid]["embedding"]) == v.embedding
        assert states[rid]["max_score"] == 0.1 + 0.2  # 0.30000000000000004, not 0.3
    vector = struct.unpack("<384f", base64.b64decode(states[next(iter(stored))]["embedding"]))
    assert len(vector) == 384
    assert {r["confidence"] for r in _rows(out, "response_tags")} == {1 / 3}
    due = [a["due_on"] for a in _rows(out, "actions") if a["due_on"]]
    assert due and all(date.fromisoformat(d).isoformat() == d for d in due)
    ws = _rows(out, "workspaces")[0]
    assert ws["created_at"].endswith("+00:00")
    assert ws["widget_secret"] == "widget-secret-value-0123456789"
    line = (out / "erasures.jsonl").read_text(encoding="utf-8")
    assert '"counts":{"events":5,"responses":2}' in line  # JSON keys sorted at every depth
    assert "« en 1 clic »" in (out / "email_templates.jsonl").read_text(encoding="utf-8")


def test_export_refuses_a_folder_that_is_not_empty(
    source: tuple[Factory, Filled, Path], tmp_path: Path
) -> None:
    factory, filled, _ = source
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ServiceError) as e:
        transfer.export_workspace(factory, filled.workspace_id, tmp_path, hooks=EXPORT)
    assert e.value.code == "export_exists"
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_export_of_an_unknown_workspace_writes_nothing(
    source: tuple[Factory, Filled, Path], tmp_path: Path
) -> None:
    with pytest.raises(ServiceError) as e:
        transfer.export_workspace(source[0], "ws_nope", tmp_path / "out", hooks=EXPORT)
    assert e.value.code == "not_found"
    assert not (tmp_path / "out").exists()


# --- SQLite → PostgreSQL → SQLite -----------------------------------------------------


def _histories(factory: Factory, ws_id: str) -> dict[str, Any]:
    """What the API and the dashboard show: metrics, weekly series, lists, histories."""
    with factory() as s:
        ws = s.get_one(Workspace, ws_id)
        points = touchpoint_service.list_all(s, ws_id)
    window = {"start": date(2026, 11, 1), "end": date(2026, 11, 22)}
    return {
        "metrics": metrics(factory, ws, MetricsQuery(**window), "en"),
        "weekly_by_touchpoint": metrics(
            factory,
            ws,
            MetricsQuery(by=("touchpoint", "channel"), periods=("week", "day"), **window),
        ),
        "responses": list_verbatims(factory, ws, VerbatimQuery(), limit=500),
        "follow_ups": follow_ups.list_follow_ups(factory, ws_id, now=END),
        "actions": actions.list_actions(factory, ws_id, now=END),
        "tags": tags.list_tags(factory, ws_id),
        "topics": topics.list_topics(factory, ws_id, "all"),
        "frictions": frictions.frictions(factory, ws, now=END),
        "backlog": backlog.backlog(factory, ws, now=END),
        "touchpoints": points,
    }


def _same_files(a: Path, b: Path) -> None:
    jsonl = sorted(p.name for p in a.glob("*.jsonl"))
    assert jsonl == sorted(p.name for p in b.glob("*.jsonl"))
    for name in jsonl:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma, mb = (json.loads((x / "manifest.json").read_bytes()) for x in (a, b))
    ma.pop("exported_at")
    mb.pop("exported_at")
    assert ma == mb


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sqlite_to_postgresql_to_sqlite_keeps_files_metrics_and_histories(
    source: tuple[Factory, Filled, Path],
    target: tuple[Factory, Settings],
    tmp_path: Path,
) -> None:
    factory, filled, out = source
    pg, settings = target
    done = _import(pg, settings, out)
    assert done.workspace_id == filled.workspace_id and done.name == "Fluide démo"
    transfer.export_workspace(
        pg, filled.workspace_id, tmp_path / "from-pg", hooks=transfer.export_hooks(settings)
    )
    _same_files(out, tmp_path / "from-pg")
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    for back in _open(back_url):
        _import(back, settings, tmp_path / "from-pg")
        transfer.export_workspace(
            back, filled.workspace_id, tmp_path / "back", hooks=transfer.export_hooks(settings)
        )
        _same_files(out, tmp_path / "back")
        expected = _histories(factory, filled.workspace_id)
        assert expected["responses"]["verbatims"] and expected["follow_ups"] and expected["actions"]
        assert _histories(pg, filled.workspace_id) == expected
        assert _histories(back, filled.workspace_id) == expected
        for moved in (pg, back):
            with moved() as s:
                found = authenticate(s, filled.api_key)
                assert found is not None and found.id == filled.workspace_id
    with pg() as s:
        sequences = s.scalars(
            text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_name NOT LIKE 'procrastinate%'"
            )
        ).all()
    assert sequences == []  # string ids: nothing to reset after an import


# --- Refusals: nothing imported -----------------------------------------------------


def test_import_refuses_a_workspace_the_database_already_holds(
    source: tuple[Factory, Filled, Path], target: tuple[Factory, Settings]
) -> None:
    factory, settings = target
    _import(factory, settings, source[2])
    before = _counts(factory)
    with pytest.raises(ServiceError) as e:
        _import(factory, settings, source[2])
    assert e.value.code == "workspace_exists"
    assert e.value.params == {"id": source[1].workspace_id, "name": "Fluide démo"}
    assert _counts(factory) == before


def test_an_e_mail_another_workspace_uses_is_refused_by_name(
    source: tuple[Factory, Filled, Path], target: tuple[Factory, Settings]
) -> None:
    from fluide.services.accounts import create_account

    factory, settings = target
    made = create_workspace(factory, "Déjà là")
    create_account(
        factory, made.id, email="csm@demo.fluide.dev", name="X", role="admin", password="x" * 12
    )
    before = _counts(factory)
    with pytest.raises(ServiceError) as e:
        _import(factory, settings, source[2])
    assert e.value.code == "import_collision"
    assert e.value.params["table"] == "accounts" and e.value.params["column"] == "email"
    assert e.value.params["value"] == "csm@demo.fluide.dev"
    assert _counts(factory) == before
    with factory() as s:
        assert s.get(Workspace, source[1].workspace_id) is None


def test_an_api_key_another_workspace_holds_is_refused_without_showing_it(
    source: tuple[Factory, Filled, Path], target: tuple[Factory, Settings]
) -> None:
    factory, settings = target
    made = create_workspace(factory, "Déjà là")
    key_hash = hash_key(source[1].api_key)
    with write_session(factory) as s:
        s.add(ApiKey(id=new_id("key"), workspace_id=made.id, prefix="flk_x", key_hash=key_hash))
    before = _counts(factory)
    with pytest.raises(ServiceError) as e:
        _import(factory, settings, source[2])
    assert e.value.code == "import_collision"
    assert (e.value.params["table"], e.value.params["column"]) == ("api_keys", "key_hash")
    assert key_hash not in str(e.value) and key_hash not in repr(e.value.params)
    assert _counts(factory) == before


def _rewrite(folder: Path, table: str, edit: Callable[[list[dict[str, Any]]], None]) -> None:
    """Edit a table's rows and write the manifest to match (as a forger would)."""
    rows = _rows(folder, table)
    edit(rows)
    data = b"".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        for r in rows
    )
    (folder / f"{table}.jsonl").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["tables"][table] = {"rows": len(rows), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _set(index: int, column: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def edit(rows: list[dict[str, Any]]) -> None:
        rows[index][column] = value

    return edit


@pytest.mark.parametrize(
    ("table", "edit", "message"),
    [
        ("follow_ups", _set(-1, "response_id", "re_elsewhere"), "refers to a row of responses"),
        ("events", _set(2, "workspace_id", "ws_someone_else"), "belongs to another workspace"),
        ("verbatim_states", _set(0, "embedding", "not base64!"), "expected base64 text"),
        ("responses", _set(1, "responded_at", "2026-11-20 10:00"), "ISO 8601"),
        ("touchpoints", _set(0, "colour", "red"), "unknown column colour"),
    ],
)
def test_a_forged_row_is_refused_by_file_and_line_and_nothing_is_imported(
    export_copy: Path,
    target: tuple[Factory, Settings],
    table: str,
    edit: Callable[[list[dict[str, Any]]], None],
    message: str,
) -> None:
    factory, settings = target
    _rewrite(export_copy, table, edit)
    before = _counts(factory)
    with pytest.raises(ServiceError) as e:
        _import(factory, settings, export_copy)
    assert e.value.params["file"] == f"{table}.jsonl"
    assert isinstance(e.value.params["line"], int)
    shown = str(e.value)
    assert message in shown, shown
    assert _counts(factory) == before  # earlier tables were rolled back too


def test_an_export_cannot_point_at_rows_of_another_workspace_of_the_target(
    export_copy: Path, target: tuple[Factory, Settings]
) -> None:
    """The database would accept the reference (the row exists): the import must not."""
    from fluide.demo.touchpoints import TOUCHPOINTS

    factory, settings = target
    made = create_workspace(factory, "Voisin")
    theirs = touchpoint_service.create(factory, made.id, TOUCHPOINTS[0])
    _rewrite(export_copy, "events", _set(0, "touchpoint_id", theirs["id"]))
    before = _counts(factory)
    with pytest.raises(ServiceError) as e:
        _import(factory, settings, export_copy)
    assert "events.jsonl, line 1: touchpoint_id refers to a row of touchpoints" in str(e.value)
    assert _counts(factory) == before


def _cut_mid_line(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-40])


def _drop_last_line(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))


def _alter_a_letter(path: Path) -> None:
    data = path.read_bytes()
    at = data.index(b'"score":') + len(b'"score":')
    digit = data[at : at + 1]
    path.write_bytes(data[:at] + (b"2" if digit != b"2" else b"3") + data[at + 1 :])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_cut_mid_line, "responses.jsonl, line {rows}: the line is cut off"),
        (_drop_last_line, "responses.jsonl holds {fewer} rows where the manifest says {rows}"),
        (_alter_a_letter, "responses.jsonl does not match its checksum"),
    ],
)
def test_a_damaged_file_is_refused_before_anything_is_written(
    export_copy: Path, damage: Callable[[Path], None], message: str
) -> None:
    # The messages name the file's last line: as many as the manifest counts (the
    # generated workspace's answers vary with its random draws).
    rows = json.loads((export_copy / "manifest.json").read_bytes())["tables"]["responses"]["rows"]
    assert rows > 1
    damage(export_copy / "responses.jsonl")
    with pytest.raises(ServiceError) as e:
        transfer.open_export(export_copy)
    assert message.format(rows=rows, fewer=rows - 1) in str(e.value)


def test_a_missing_file_is_named(export_copy: Path) -> None:
    (export_copy / "actions.jsonl").unlink()
    with pytest.raises(ServiceError, match=r"actions\.jsonl is missing"):
        transfer.open_export(export_copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "is not a Fluide workspace export"),
        ({"format_version": 2}, "format version 2; this Fluide reads version 1"),
        ({"schema_version": "0004"}, "made at schema 0004 and this Fluide is at"),
        ({"schema_version": "0099_future"}, "0099_future, which this Fluide"),
    ],
)
def test_an_unknown_format_or_schema_is_refused(
    export_copy: Path, change: dict[str, Any], message: str
) -> None:
    manifest = json.loads((export_copy / "manifest.json").read_bytes())
    manifest.update(change)
    (export_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ServiceError) as e:
        transfer.open_export(export_copy)
    assert message in str(e.value)


def test_a_folder_without_manifest_is_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="not a workspace export"):
        transfer.open_export(tmp_path)


# --- Secrets hooks ------------------------------------------------------------------


def test_secret_columns_pass_through_the_hooks_both_ways(
    source: tuple[Factory, Filled, Path], target: tuple[Factory, Settings], tmp_path: Path
) -> None:
    factory, filled, _ = source
    out = tmp_path / "hooked"
    clear = {c: (lambda v: "clear:" + v) for c in transfer.SECRET_COLUMNS}
    transfer.export_workspace(factory, filled.workspace_id, out, hooks=clear)
    row = _rows(out, "workspaces")[0]
    assert row["widget_secret"] == "clear:widget-secret-value-0123456789"
    assert row["webhook_secret"] == "clear:webhook-secret-value-0123456789"
    assert row["chat_webhook_url"] == "https://chat.example/hook"  # not a secret column
    sealed = {c: (lambda v: "sealed:" + v.removeprefix("clear:")) for c in transfer.SECRET_COLUMNS}
    into, _ = target
    transfer.import_workspace(into, transfer.open_export(out), hooks=sealed)
    with into() as s:
        ws = s.get_one(Workspace, filled.workspace_id)
        assert ws.widget_secret == "sealed:widget-secret-value-0123456789"
        assert ws.webhook_secret == "sealed:webhook-secret-value-0123456789"
        assert s.scalar(select(func.count()).select_from(Account)) == 8


def test_secrets_move_sealed_under_the_target_s_own_key(
    source: tuple[Factory, Filled, Path], target: tuple[Factory, Settings], tmp_path: Path
) -> None:
    factory, filled, _ = source
    other_key = "another-instance-secret-key-" + "q7Zp2xW9" * 3
    src_settings = _settings("sqlite://", tmp_path)
    out = tmp_path / "sealed"
    transfer.export_workspace(
        factory, filled.workspace_id, out, hooks=transfer.export_hooks(src_settings)
    )
    assert _rows(out, "workspaces")[0]["widget_secret"] == "widget-secret-value-0123456789"
    into, into_settings = target
    theirs = into_settings.model_copy(update={"secret_key": SecretStr(other_key)})
    transfer.import_workspace(into, transfer.open_export(out), hooks=transfer.import_hooks(theirs))
    with into() as s:
        ws = s.get_one(Workspace, filled.workspace_id)
        assert ws.widget_secret is not None and secretbox.is_sealed(ws.widget_secret)
        assert "widget-secret-value" not in ws.widget_secret
        assert secretbox.box(theirs).open(ws.widget_secret) == "widget-secret-value-0123456789"
        with pytest.raises(secretbox.UndecryptableSecret):
            secretbox.box(src_settings).open(ws.widget_secret)


def test_an_export_stops_on_a_secret_its_key_cannot_open(
    source: tuple[Factory, Filled, Path], tmp_path: Path
) -> None:
    factory, filled, _ = source
    settings = _settings("sqlite://", tmp_path)
    sealed_elsewhere = secretbox.SecretBox(b"a-key-this-instance-never-had-0123456789").seal("x")
    with factory() as s:
        ws = s.get_one(Workspace, filled.workspace_id)
        before = ws.webhook_secret
        ws.webhook_secret = sealed_elsewhere
        s.commit()
    out = tmp_path / "refused"
    try:
        with pytest.raises(ServiceError, match="FLUIDE_PREVIOUS_SECRET_KEYS"):
            transfer.export_workspace(
                factory, filled.workspace_id, out, hooks=transfer.export_hooks(settings)
            )
        assert not out.exists() or not any(out.iterdir())
    finally:
        with factory() as s:
            s.get_one(Workspace, filled.workspace_id).webhook_secret = before
            s.commit()

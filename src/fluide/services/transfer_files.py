"""The files of a workspace export: its manifest, and checking them before an import.

An export is a folder (mode 0700) holding ``manifest.json`` and one
``<table>.jsonl`` per table (mode 0600): one JSON object per line, rows in
primary-key order. The manifest gives each file's row count and SHA-256, so
a truncated or altered file is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from fluide.services.errors import ServiceError

FORMAT: Final = "fluide-workspace-export"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
DIR_MODE: Final = 0o700
FILE_MODE: Final = 0o600


def file_of(table: str) -> str:
    return f"{table}.jsonl"


@dataclass(frozen=True)
class Export:
    """A checked export: its folder and manifest, every file matching it."""

    path: Path
    manifest: dict[str, Any]

    @property
    def workspace_id(self) -> str:
        return str(self.manifest["workspace_id"])

    @property
    def rows(self) -> dict[str, int]:
        return {t: int(v["rows"]) for t, v in self.manifest["tables"].items()}


def refusal(code: str, message: str, params: Mapping[str, object]) -> ServiceError:
    """A :class:`ServiceError` whose parameters come as a mapping."""
    error = ServiceError(code, message)
    error.params = dict(params)
    error.args = (message % error.params if error.params else message,)
    return error


def bad_export(message: str, **params: object) -> ServiceError:
    return refusal("bad_export", message, params)


# --- Writing ------------------------------------------------------------------------


def make_folder(path: Path) -> bool:
    """Create the export folder, private; ``True`` if it was created (``False``: it was empty)."""
    if path.exists():
        if not path.is_dir() or any(path.iterdir()):
            raise ServiceError(
                "export_exists",
                "%(path)s already exists and is not an empty folder: choose a new one.",
                path=str(path),
            )
        path.chmod(DIR_MODE)
        return False
    try:
        path.mkdir(mode=DIR_MODE, parents=True)
    except OSError as exc:
        raise ServiceError(
            "export_folder",
            "Cannot create the folder %(path)s: %(reason)s.",
            path=str(path),
            reason=exc.strerror or str(exc),
        ) from None
    path.chmod(DIR_MODE)  # whatever the umask
    return True


def private_file(path: Path) -> BinaryIO:
    """A new file only its owner can read (refuses to overwrite)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "wb")


def remove_partial(path: Path, created: bool, written: list[Path]) -> None:
    """Undo a failed export: the files it wrote, and the folder if it made it."""
    for f in written:
        f.unlink(missing_ok=True)
    if created:
        with suppress(OSError):
            path.rmdir()


def write_manifest(path: Path, manifest: dict[str, Any]) -> Path:
    target = path / MANIFEST
    with private_file(target) as f:
        f.write((json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return target


# --- Reading and checking -----------------------------------------------------------


def read_manifest(path: Path, tables: list[str], head: str, known: list[str]) -> Export:
    """The export's manifest, checked against this Fluide's format and schema."""
    target = path / MANIFEST
    if not path.is_dir() or not target.is_file():
        raise bad_export(
            "%(path)s is not a workspace export: it should be a folder holding manifest.json.",
            path=str(path),
        )
    try:
        manifest = json.loads(target.read_bytes())
    except (ValueError, OSError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise bad_export(
            "%(path)s is not a Fluide workspace export (its manifest.json is not one).",
            path=str(target),
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise bad_export(
            "This export has format version %(found)s; this Fluide reads version %(supported)s.",
            found=str(manifest.get("format_version")),
            supported=FORMAT_VERSION,
        )
    _check_schema(str(manifest.get("schema_version")), head, known)
    _check_tables(manifest, tables)
    return Export(path, manifest)


def _check_schema(found: str, head: str, known: list[str]) -> None:
    if found == head:
        return
    if found in known:
        raise bad_export(
            "This export was made at schema %(found)s and this Fluide is at %(head)s: "
            "import it with the Fluide version that made it, then upgrade.",
            found=found,
            head=head,
        )
    raise bad_export(
        "This export was made at schema %(found)s, which this Fluide (at %(head)s) "
        "does not know: upgrade Fluide, then import it.",
        found=found,
        head=head,
    )


def _check_tables(manifest: dict[str, Any], tables: list[str]) -> None:
    listed = manifest.get("tables")
    ws = manifest.get("workspace_id")
    if not isinstance(listed, dict) or not isinstance(ws, str) or not ws:
        raise bad_export("The manifest lacks the workspace id or the list of tables.")
    for name in sorted(set(listed) - set(tables)):
        raise bad_export("The manifest lists an unknown table: %(table)s.", table=name)
    for name in tables:
        entry = listed.get(name)
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("rows"), int)
            or not isinstance(entry.get("sha256"), str)
        ):
            raise bad_export(
                "The manifest lacks the row count or checksum of table %(table)s.", table=name
            )
    if listed["workspaces"]["rows"] != 1:
        raise bad_export(
            "An export holds exactly one workspace; this one holds %(count)s.",
            count=listed["workspaces"]["rows"],
        )


def check_files(export: Export) -> None:
    """Every file as the manifest says: present, whole, same rows, same checksum."""
    for table, entry in export.manifest["tables"].items():
        name = file_of(table)
        digest = hashlib.sha256()
        lines = 0
        last = b"\n"
        for line in lines_of(export.path, table):
            digest.update(line)
            lines += 1
            last = line
        check_end(name, lines, last, digest.hexdigest(), entry)


def lines_of(path: Path, table: str) -> Iterator[bytes]:
    """The raw lines of one table's file (with their ending)."""
    name = file_of(table)
    try:
        with (path / name).open("rb") as f:
            yield from f
    except FileNotFoundError:
        raise bad_export(
            "%(file)s is missing from the export (the manifest lists it).", file=name
        ) from None


def check_end(name: str, lines: int, last: bytes, sha256: str, entry: dict[str, Any]) -> None:
    """After a file's last line: complete, as many rows and the same checksum as listed."""
    if not last.endswith(b"\n"):
        raise bad_export(
            "%(file)s, line %(line)s: the line is cut off (the file was truncated).",
            file=name,
            line=lines,
        )
    if lines != entry["rows"]:
        raise bad_export(
            "%(file)s holds %(found)s rows where the manifest says %(expected)s: "
            "the file was truncated or altered (after line %(line)s).",
            file=name,
            found=lines,
            expected=entry["rows"],
            line=min(lines, entry["rows"]),
        )
    if sha256 != entry["sha256"]:
        raise bad_export(
            "%(file)s does not match its checksum in the manifest: the file was altered.",
            file=name,
        )

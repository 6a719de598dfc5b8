"""Reading texts to tag and examples to learn from (CSV), with errors by line.

A text file has a ``text`` (or ``comment``) column; an examples file has
``text,tags`` with tags joined by ``|`` (empty = no tag). Fields spanning
several lines are fine; problems name the physical line where the record starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from fluide.domain.taxonomy import Example, TaxonomyError, parse_tags
from fluide.ingest.errors import InputError, InputProblem

TEXT_COLUMNS = ("text", "comment")


def _open(path: Path) -> io.TextIOWrapper:
    try:
        raw = path.open("rb")
    except OSError as e:
        raise InputError(
            "Cannot read %(path)s: %(reason)s", path=str(path), reason=e.strerror or str(e)
        ) from None
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _records(path: Path) -> Iterator[tuple[int, dict[str, str], list[str]]]:
    """(line where the record starts, row, header) for each record."""
    with _open(path) as raw:
        try:
            # Whole file at once: works on pipes (not seekable) as on files.
            f = io.StringIO(raw.read(), newline="")
        except UnicodeDecodeError:
            raise InputError("%(path)s is not UTF-8 text.", path=str(path)) from None
        sample = f.read(64 * 1024)
        f.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(f, dialect)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise InputError("%(path)s is empty.", path=str(path)) from None
        except UnicodeDecodeError:
            raise InputError("%(path)s is not UTF-8 text.", path=str(path)) from None
        start = reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise InputError(
                    "%(path)s is not UTF-8 text.",
                    path=str(path),
                    problems=[InputProblem(start, "-", "bad_encoding")],
                ) from None
            except csv.Error as e:
                raise InputError(
                    "Cannot read %(path)s: %(reason)s",
                    path=str(path),
                    reason=str(e),
                    problems=[InputProblem(start, "-", "bad_quoting")],
                ) from None
            line = start
            start = reader.line_num + 1
            if not fields or fields == [""]:
                continue
            yield line, dict(zip(header, fields, strict=False)), header


def _text_column(header: list[str], path: Path) -> str:
    for c in TEXT_COLUMNS:
        if c in header:
            return c
    raise InputError(
        "%(path)s has no column named text or comment (columns: %(columns)s).",
        path=str(path),
        columns=", ".join(header) or "-",
    )


def read_texts(path: Path) -> list[str]:
    """Every row's text, in order (an empty cell is an empty text: it gets no tag)."""
    out: list[str] = []
    column: str | None = None
    for _line, row, header in _records(path):
        column = column or _text_column(header, path)
        out.append(row.get(column, "") or "")
    if column is None:
        # A header and no rows: still check the column, then nothing to tag.
        with _open(path) as f:
            header = [h.strip().lower() for h in next(csv.reader(f), [])]
        _text_column(header, path)
    return out


def read_examples(path: Path) -> list[Example]:
    """Examples ``text,tags``; every bad tag key is reported with its line."""
    out: list[Example] = []
    problems: list[InputProblem] = []
    for line, row, header in _records(path):
        column = _text_column(header, path)
        if "tags" not in header:
            raise InputError(
                "%(path)s has no column named tags (columns: %(columns)s).",
                path=str(path),
                columns=", ".join(header),
            )
        text = (row.get(column) or "").strip()
        if not text:
            problems.append(InputProblem(line, column, "empty"))
            continue
        try:
            tags = parse_tags(row.get("tags") or "")
        except TaxonomyError:
            problems.append(
                InputProblem(
                    line,
                    "tags",
                    "bad_value",
                    row.get("tags"),
                    "tag keys of lower-case letters, digits and _, joined by |",
                )
            )
            continue
        out.append(Example(text, tags))
    if problems:
        raise InputError("%(path)s has examples that cannot be used.", problems, path=str(path))
    return out

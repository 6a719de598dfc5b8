"""Opening an export: format, encoding, delimiter, header and column mapping.

Header names are matched case-insensitively; ``--map score=Note`` points a
canonical name at another header, and the usual names of the survey tools
are recognised (``ingest/headers.py``). A second header line (SurveyMonkey)
is detected or forced with ``--header-rows``. XLSX sheets are turned into a temporary CSV
with a first column holding each record's spreadsheet row, so the one CSV scan
serves both formats and errors still name the row the user sees.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from fluide.ingest.errors import InputError
from fluide.ingest.headers import (
    Ambiguous,
    by_synonym,
    is_id,
    merge_header,
    paste_map,
    score_candidates,
    second_header,
)

CANONICAL = (
    "responded_at",
    "score",
    "comment",
    "touchpoint",
    "customer_since",
    "scale",
    "polarity",
    "question_version",
)
"""Columns Fluide gives a meaning to; any other column is a segment attribute."""

ROW_COLUMN = "__fluide_row"
SAMPLE_ROWS = 500
"""Rows read to suggest a score column (a look at values, no full pass)."""
ENCODINGS = ("utf-8", "utf-16", "latin-1")


@dataclass(frozen=True)
class Source:
    """A readable CSV (the original, or one made from a spreadsheet)."""

    path: Path  # the file the user named
    csv_path: Path  # the file DuckDB scans
    delimiter: str
    encoding: str
    header: tuple[str, ...]  # column names as DuckDB will see them
    row_column: str | None  # for spreadsheets: the column holding the sheet row
    skip: int = 0  # lines before the header line DuckDB reads (a first header line)
    header_rows: int = 1  # header lines of the export as the user sees it

    def sample(self) -> list[list[str]]:
        """The first records after the header (at most ``SAMPLE_ROWS``)."""
        return _head_rows(self.csv_path, self.encoding, self.delimiter)[1 + self.skip :]

    def column(self, name: str) -> str | None:
        """The actual header matching ``name`` case-insensitively, if any."""
        low = name.strip().lower()
        for h in self.header:
            if h.strip().lower() == low:
                return h
        return None


def _decode_head(raw: bytes, encoding: str) -> str:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end is fine.
        if encoding == "utf-8" and exc.start >= len(raw) - 3:
            return raw[: exc.start].decode(codec)
        raise InputError(
            "The file is not valid %(encoding)s text (first bad byte at offset %(offset)s). "
            "Try --encoding latin-1 for an export from older spreadsheet software.",
            encoding=encoding,
            offset=exc.start,
        ) from None


HEAD_BYTES = 1 << 16


def _read_head(path: Path, encoding: str) -> tuple[str, bool]:
    """The file's first 64 KiB as text, and whether the file goes on after them."""
    with path.open("rb") as f:
        raw = f.read(HEAD_BYTES)
    return _decode_head(raw, encoding), len(raw) == HEAD_BYTES


def _rows(head: str, delimiter: str, cut: bool) -> list[list[str]]:
    """The first records of ``head`` (at most ``SAMPLE_ROWS`` + 1), none of them cut."""
    rows = []
    try:
        for row in csv.reader(io.StringIO(head), delimiter=delimiter):
            rows.append(row)
            if len(rows) > SAMPLE_ROWS:
                return rows
    except csv.Error:
        return rows  # a quoted record cut at the end of the head: the ones before it
    return rows[:-1] if cut and len(rows) > 1 else rows


def _head_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    head, cut = _read_head(path, encoding)
    return _rows(head, delimiter, cut)


def _check_header(header: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for h in header:
        key = h.strip().lower()
        if not key:
            raise InputError(
                "The header has an empty column name (column %(index)s).", index=header.index(h) + 1
            )
        if key in seen:
            raise InputError(
                "The header names the column %(name)s twice; column names must be unique "
                "(case does not count).",
                name=h,
            )
        seen[key] = h


def _sniff(
    path: Path, encoding: str, delimiter: str | None, header_rows: int | None
) -> tuple[str, tuple[str, ...], int]:
    head, cut = _read_head(path, encoding)
    first = head.splitlines()[0] if head.strip() else ""
    if not first.strip():
        raise InputError("The file is empty: a header line naming the columns is expected.")
    if delimiter is None:
        # Count outside quotes: a quoted header may contain the other character.
        counts = {d: sum(len(r) - 1 for r in csv.reader([first], delimiter=d)) for d in (",", ";")}
        delimiter = ";" if counts[";"] > counts[","] else ","
    rows = _rows(head, delimiter, cut)
    header = rows[0]
    second = rows[1] if len(rows) > 1 else []
    if header_rows is None:
        header_rows = 2 if second_header(second) else 1
    if header_rows == 2:
        header = merge_header(header, second)
    _check_header(header)
    return delimiter, tuple(header), header_rows


EXCEL_EPOCH = datetime(1899, 12, 30)


def _cell_text(value: object, serial: bool = False) -> str:
    """A spreadsheet cell as the text a CSV export would hold.

    ``serial``: the cell is in a column of date cells, so a number there is
    an Excel serial (days since 1899-12-30, the fraction the time of day).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if serial and isinstance(value, int | float):
        return (EXCEL_EPOCH + timedelta(seconds=round(value * 86400))).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _xlsx_to_csv(
    path: Path, sheet: str | None, out: Path, header_rows: int | None
) -> tuple[tuple[str, ...], int]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types per format
        raise InputError("The spreadsheet cannot be read: %(reason)s", reason=str(exc)) from None
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise InputError(
            "No sheet named %(sheet)s; the workbook has: %(sheets)s",
            sheet=sheet,
            sheets=", ".join(names),
        )
    rows = book.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)
    first = next((i for i, r in enumerate(rows) if any(_cell_text(c) for c in r)), None)
    if first is None:
        raise InputError("The file is empty: a header line naming the columns is expected.")
    header = [_cell_text(c) for c in rows[first]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    below = [_cell_text(c) for c in rows[first + 1][:width]] if first + 1 < len(rows) else []
    if header_rows is None:
        header_rows = 2 if second_header(below) else 1
    if header_rows == 2:
        header = merge_header(header, below)
    _check_header(header)
    dated = {
        j
        for r in rows[first + header_rows :]
        for j, c in enumerate(r[:width])
        if isinstance(c, datetime | date)
    }
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([ROW_COLUMN, *header])
        for i in range(first + header_rows, len(rows)):
            cells = [_cell_text(c, j in dated) for j, c in enumerate(rows[i])]
            if not any(cells):
                continue  # spreadsheets keep formatted but empty rows
            extra = [c for c in cells[width:] if c]
            if extra:
                raise InputError(
                    "Row %(row)s has values beyond the last named column (%(value)s); "
                    "give every column a header.",
                    row=i + 1,
                    value=extra[0],
                )
            w.writerow([i + 1, *(cells + [""] * width)[:width]])
    return (ROW_COLUMN, *header), header_rows


@contextmanager
def open_source(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    sheet: str | None = None,
    header_rows: int | None = None,
) -> Iterator[Source]:
    """Open ``path`` for scanning; temporary files are removed on exit.

    ``header_rows`` (1 or 2) forces the number of header lines; ``None``
    detects a second one (see :func:`second_header`).
    """
    if not path.exists():
        raise InputError("No such file: %(path)s", path=str(path))
    if path.is_dir():
        raise InputError("%(path)s is a folder, not a file.", path=str(path))
    if encoding not in ENCODINGS:
        raise InputError(
            "Unsupported encoding %(encoding)s; allowed: %(allowed)s",
            encoding=encoding,
            allowed=", ".join(ENCODINGS),
        )
    if delimiter is not None and len(delimiter) != 1:
        raise InputError("The delimiter must be one character, got %(value)s.", value=delimiter)
    if header_rows is not None and header_rows not in (1, 2):
        raise InputError("--header-rows must be 1 or 2, got %(value)s.", value=header_rows)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        with tempfile.TemporaryDirectory(prefix="fluide-") as tmp:
            out = Path(tmp) / "sheet.csv"
            header, rows = _xlsx_to_csv(path, sheet, out, header_rows)
            yield Source(path, out, ",", "utf-8", header, ROW_COLUMN, header_rows=rows)
        return
    delim, header, rows = _sniff(path, encoding, delimiter, header_rows)
    yield Source(path, path, delim, encoding, header, None, skip=rows - 1, header_rows=rows)


@dataclass(frozen=True)
class Columns:
    """Which header holds each canonical field, and the segment columns asked for."""

    fields: Mapping[str, str]  # canonical name -> header as in the file
    by: tuple[str, ...]  # requested groupings: headers, or "tenure"
    by_labels: tuple[str, ...] = ()  # the names the user asked for, for output keys

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


def resolve_columns(
    source: Source,
    mapping: Mapping[str, str],
    by: Sequence[str],
    *,
    derived: Sequence[str] = (),
    fits: Callable[[str], bool] | None = None,
    score_required: bool = True,
) -> Columns:
    """Match canonical fields and ``--by`` names to the file's header.

    ``--map`` first, then the exact canonical names, then the synonyms of
    ``ingest/headers.py``. ``derived`` are grouping names computed by Fluide
    (``tenure``) that need no column of their own unless the file has one.
    Without a score column it fails with :func:`missing_score`, unless
    ``score_required`` is false (``--inspect`` says so and goes on).
    """
    fields: dict[str, str] = {}
    visible = [h for h in source.header if h != source.row_column]
    for canonical, header_name in mapping.items():
        if canonical not in CANONICAL:
            raise InputError(
                "--map names an unknown field %(name)s; fields are: %(allowed)s",
                name=canonical,
                allowed=", ".join(CANONICAL),
            )
        actual = source.column(header_name)
        if actual is None:
            raise InputError(
                "--map %(name)s=%(column)s: the file has no column %(column)s; "
                "its columns are: %(columns)s",
                name=canonical,
                column=header_name,
                columns=", ".join(visible),
            )
        fields[canonical] = actual
    for canonical in CANONICAL:
        if canonical not in fields:
            actual = source.column(canonical)
            if actual is not None and actual not in fields.values():
                fields[canonical] = actual
    for canonical in CANONICAL:
        if canonical not in fields:
            free = [h for h in visible if h not in fields.values()]
            try:
                actual = by_synonym(canonical, free)
            except Ambiguous as exc:
                raise InputError(
                    "Several columns could hold the %(name)s: %(columns)s. "
                    "Choose one with %(choice)s.",
                    name=canonical,
                    columns=", ".join(exc.headers),
                    choice=" or ".join(paste_map(canonical, h) for h in exc.headers),
                ) from None
            if actual is not None:
                fields[canonical] = actual
    if "responded_at" not in fields:
        raise InputError(
            "The file has no %(name)s column; its columns are: %(columns)s. "
            "Name the right one with --map %(name)s=COLUMN.",
            name="responded_at",
            columns=", ".join(visible),
        )
    if "score" not in fields and score_required:
        raise missing_score(source, fields, fits)
    groups: list[str] = []
    labels: list[str] = []
    for name in by:
        actual = source.column(name) or fields.get(name.strip().lower())
        if actual is None and name.strip().lower() in derived:
            actual = name.strip().lower()
        if actual is None or actual == source.row_column:
            raise InputError(
                "--by %(name)s: the file has no such column; "
                "its columns are: %(columns)s%(derived)s",
                name=name,
                columns=", ".join(h for h in visible if not is_id(h)),
                derived="" if not derived else " (and the derived " + ", ".join(derived) + ")",
            )
        if actual not in groups:
            groups.append(actual)
            labels.append(name.strip())
    return Columns(fields=fields, by=tuple(groups), by_labels=tuple(labels))


def missing_score(
    source: Source, fields: Mapping[str, str], fits: Callable[[str], bool] | None
) -> InputError:
    """Why no score column was found, naming the columns that hold only answers.

    ``fits`` (is a value an accepted answer?) picks the columns to suggest,
    from a look at the first ``SAMPLE_ROWS`` records.
    """
    visible = [h for h in source.header if h != source.row_column]
    taken = set(fields.values())
    free = [h for h in source.header if h not in taken and h != source.row_column]
    candidates = []
    if fits is not None:
        index = {h: i for i, h in enumerate(source.header)}
        rows = source.sample()
        picked = [[r[index[h]] if index[h] < len(r) else "" for h in free] for r in rows]
        candidates = score_candidates(free, picked, fits)
    if candidates:
        return InputError(
            "The file has no column named as the score; its columns are: %(columns)s. "
            "These columns hold only answers of the scale: choose one with %(choice)s.",
            columns=", ".join(visible),
            choice=" or ".join(paste_map("score", h) for h in candidates),
        )
    return InputError(
        "The file has no %(name)s column; its columns are: %(columns)s. "
        "Name the right one with --map %(name)s=COLUMN.",
        name="score",
        columns=", ".join(visible),
    )


def physical_lines(source: Source, record_numbers: Sequence[int]) -> dict[int, int]:
    """Map DuckDB's record numbers to the line a person sees in the file.

    DuckDB numbers records (blank lines included, a multi-line quoted field
    counted once); Python's csv module reads the same RFC 4180 grammar and
    knows physical lines. This runs only when there are errors to report.
    """
    wanted = set(record_numbers)
    if not wanted:
        return {}
    out: dict[int, int] = {}
    if source.row_column is not None:
        return out  # spreadsheet rows come from the row column, not from here
    codec = "utf-8-sig" if source.encoding == "utf-8" else source.encoding
    last = max(wanted)
    with source.csv_path.open(encoding=codec, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter)
        start = 1
        for number, _ in enumerate(reader, start=1):
            if number in wanted:
                out[number] = start
            if number >= last:
                break
            start = reader.line_num + 1
    return out


def first_field(line: str, delimiter: str) -> str:
    """The first field of a raw CSV line (the spreadsheet row, for XLSX)."""
    try:
        return next(csv.reader(io.StringIO(line), delimiter=delimiter))[0]
    except (StopIteration, csv.Error, IndexError):
        return ""

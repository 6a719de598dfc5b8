"""Test factories: exports written as a person's tools would write them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

HEADER = ("responded_at", "score", "comment", "touchpoint", "outcome", "customer_since")


def csv_text(
    rows: Iterable[Sequence[object]],
    header: Sequence[str] = HEADER,
    *,
    delimiter: str = ",",
    newline: str = "\n",
) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def write_csv(
    path: Path,
    rows: Iterable[Sequence[object]],
    header: Sequence[str] = HEADER,
    *,
    delimiter: str = ",",
    newline: str = "\n",
    bom: bool = False,
    encoding: str = "utf-8",
) -> Path:
    text = csv_text(rows, header, delimiter=delimiter, newline=newline)
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def answer(
    when: str = "2026-08-03T09:15:00+02:00",
    score: object = 5,
    comment: str = "",
    touchpoint: str = "payer",
    outcome: str = "success",
    customer_since: str = "2025-01-01",
) -> tuple[object, ...]:
    return (when, score, comment, touchpoint, outcome, customer_since)


def write_xlsx(
    path: Path, rows: Iterable[Sequence[object]], header: Sequence[str] = HEADER
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path

"""DuckDB's CSV reader, typed so that bad fields become line-numbered rejects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from fluide.ingest.errors import InputError
from fluide.ingest.source import Source
from fluide.ingest.sql import lit


def read_csv_sql(
    source: Source,
    types: Mapping[str, str],
    required: Sequence[str] = (),
    timestampformat: str | None = None,
) -> str:
    """The ``read_csv(...)`` call for ``source`` with explicit column types.

    No auto-detection: the dialect was sniffed once (``source``), and the
    types are ours. ``required`` columns turn an empty cell into a reject.
    ``timestampformat`` (strptime) reads the ``TIMESTAMP`` columns.
    """
    columns = "{" + ", ".join(f"{lit(h)}: {lit(t)}" for h, t in types.items()) + "}"
    not_null = f"force_not_null = [{', '.join(lit(c) for c in required)}], " if required else ""
    if timestampformat is not None:
        not_null += f"timestampformat = {lit(timestampformat)}, "
    # A first header line is skipped; the names are ours (``columns``) anyway.
    skip = f"skip = {int(source.skip)}, " if source.skip else ""
    return (
        f"read_csv({lit(str(source.csv_path))}, {skip}header = true, "
        f"delim = {lit(source.delimiter)}, "
        f"quote = '\"', escape = '\"', encoding = {lit(source.encoding)}, columns = {columns}, "
        f"{not_null}store_rejects = true, auto_detect = false)"
    )


def reject_rows(reader: str, setup: Sequence[str]) -> list[tuple[object, ...]]:
    """Rejects of ``reader`` with their right column names.

    DuckDB (2.0) misnames a reject's column when the reader skips columns the
    query does not use; reading every column (``SELECT *``) names them right.
    This second pass runs only when the fast pass found rejects.
    """
    con = duckdb.connect()
    try:
        for statement in setup:
            con.execute(statement)
        con.execute(f"CREATE TEMP TABLE fl_all AS SELECT * FROM {reader}")
        return con.execute(
            "SELECT line, column_name, error_type, csv_line, error_message "
            "FROM reject_errors ORDER BY line"
        ).fetchall()
    finally:
        con.close()


def has_rejects(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the reads on ``con`` so far rejected anything."""
    row = con.execute("SELECT count(*) FROM reject_errors").fetchone()
    return bool(row and row[0])


def unreadable(exc: duckdb.Error) -> InputError:
    """A file DuckDB could not read at all (not one bad record: the whole file)."""
    return InputError("The file cannot be read as CSV: %(reason)s", reason=str(exc).split("\n")[0])

"""Quoting helpers for the few SQL texts built here (identifiers and literals)."""

from __future__ import annotations


def ident(name: str) -> str:
    """A double-quoted SQL identifier, safe for any header text."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A single-quoted SQL string literal, safe for any text."""
    return "'" + value.replace("'", "''") + "'"

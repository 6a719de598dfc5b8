"""The ``fluide`` command line: commands on exports, and the collection service."""

from fluide.cli import (
    benchmark,
    drivers,
    files,
    jobs,
    keys,
    loyalty,
    recontacts,
    report,
    serve,
    service,
    tagging,
    transfer,
    users,
)
from fluide.cli.app import app

__all__ = [
    "app",
    "benchmark",
    "drivers",
    "files",
    "jobs",
    "keys",
    "loyalty",
    "main",
    "recontacts",
    "report",
    "serve",
    "service",
    "tagging",
    "transfer",
    "users",
]


def main() -> None:
    app()

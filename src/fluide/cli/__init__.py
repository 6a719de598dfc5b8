"""The ``fluide`` command line: commands on exports, and the collection service."""

from fluide.cli import (
    files,
    jobs,
    keys,
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
    "files",
    "jobs",
    "keys",
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

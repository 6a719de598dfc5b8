"""The ``fluide`` command line: commands on exports, and the collection service."""

from fluide.cli import files, jobs, report, service, tagging, transfer, users
from fluide.cli.app import app

__all__ = ["app", "files", "jobs", "main", "report", "service", "tagging", "transfer", "users"]


def main() -> None:
    app()

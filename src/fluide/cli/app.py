"""The ``fluide`` Typer application and what every command shares."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer

from fluide.i18n import SUPPORTED_LANGS
from fluide.ingest.errors import InputError
from fluide.problems import error_text

T = TypeVar("T")

app = typer.Typer(
    name="fluide",
    help="Fluide: measure and reduce customer effort (CES). / Mesurer et réduire l'effort client.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2

LangOpt = Annotated[str, typer.Option("--lang", help="Language of text and HTML output: fr or en.")]


def _fail(lang: str, error: InputError) -> None:
    typer.echo(error_text(lang, error), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_lang(lang: str) -> str:
    if lang not in SUPPORTED_LANGS:
        typer.echo(f"--lang: {lang!r} ∉ {', '.join(SUPPORTED_LANGS)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    return lang


@contextmanager
def _progress(enabled: bool, label: str) -> Iterator[Callable[[float], None] | None]:
    """A progress bar on stderr when it is a terminal; never on stdout."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda x: bar.update(task, completed=x)

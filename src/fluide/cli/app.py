"""The ``fluide`` Typer application and what every command shares."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

from fluide.i18n import SUPPORTED_LANGS
from fluide.ingest.errors import InputError
from fluide.problems import error_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker
    from typer._click import Context, HelpFormatter

T = TypeVar("T")


class Group(TyperGroup):
    """A command group for the plain help layout, fast to start.

    - Its ``--help`` is ``False`` when absent, not ``None``: Typer coerces a ``None``
      through a pydantic ``TypeAdapter`` and a bool as it is, so without this every
      ``fluide CMD --help`` imports pydantic for the group's own unused ``--help``
      (about 0.1 s of the 0.3 s budget).
    - Its list of commands shows each one's whole first paragraph, as the Rich layout
      did, not click's first sentence cut at 45 characters (the French half of
      "Workspaces and their API keys. / Espaces de travail…" would be lost).
    """

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = inspect.cleandoc(command.short_help or command.help or "")
            rows.append((name, " ".join(text.split("\n\n")[0].split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=Group,
    name="fluide",
    help="Fluide: measure and reduce customer effort (CES). / Mesurer et réduire l'effort client.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help and usage errors in click's plain layout (sub-commands inherit it): Typer's Rich
    # layout imports rich.markdown, markdown-it and rich.traceback, about 0.12 s of CPU
    # for every --help, a third of the budget. The texts are the same.
    rich_markup_mode=None,
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


def _check_format(lang: str, fmt: str) -> str:
    """``fmt`` itself (``text`` or ``json``), or exit 2 naming them."""
    if fmt not in ("text", "json"):
        _fail(lang, InputError("--format must be text or json, got %(value)s.", value=fmt))
    return fmt


def _workspace_arg(lang: str, factory: sessionmaker[Session], workspace: str) -> tuple[str, str]:
    """The id and name of ``--workspace`` (an id, or a name no other workspace has); else exit 2."""
    from fluide.services import accounts

    with factory() as s:
        ws = accounts.workspace_by_name_or_id(s, workspace)
        found = None if ws is None else (ws.id, ws.name)
    if found is None:
        _fail(lang, InputError("--workspace: no workspace %(value)s.", value=workspace))
        raise AssertionError("unreachable")  # _fail exits
    return found


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

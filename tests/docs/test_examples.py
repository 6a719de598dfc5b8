"""The command examples of README.md and docs/*.md are run, so they cannot go stale.

Convention (see docs/writing-docs.md):

- a ```` ```console ```` block is run: each ``$ `` line is a command (a line ending with
  ``\\`` goes on with the next), the lines up to the next ``$ `` line are what it prints,
  standard output and error together. ``...`` stands for any text, even several lines
  (doctest's ELLIPSIS); blanks at line ends do not count. A command must exit 0, unless
  its line ends with a comment ``# exit code N``;
- a fenced block right after a ``<!-- file: NAME -->`` line is written to NAME first;
- one page's blocks run in order, in one shell, in a fresh folder holding ``examples/``
  and ``.venv`` of the repository (``.venv/bin`` first on PATH), without any FLUIDE_
  variable of the caller, nothing on the network but what a command serves on loopback.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)  # the environment running the tests: the repository's .venv
PAGE_TIMEOUT = 300  # seconds for all of one page's commands
MARK = "@@fluide-doc-example@@"
EXIT_COMMENT = re.compile(r"\s+# exit code (\d+)$")
FILE_MARK = re.compile(r"^<!-- file: ([\w.\-/]+) -->$")


@dataclass
class Command:
    line: int
    text: str
    want: str
    exit_code: int = 0


@dataclass
class Page:
    path: Path
    steps: list[Command | tuple[str, str]] = field(default_factory=list)


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def parse(path: Path) -> Page:
    """The page's files to write and commands to run, in their order on the page."""
    page = Page(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    file_name: str | None = None
    while i < len(lines):
        line = lines[i]
        mark = FILE_MARK.match(line.strip())
        if mark:
            file_name = mark.group(1)
            i += 1
            continue
        if line.startswith("```"):
            info = line[3:].strip()
            end = i + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            body = lines[i + 1 : end]
            if file_name is not None:
                page.steps.append((file_name, "\n".join(body) + "\n"))
            elif info == "console":
                page.steps.extend(commands(body, first_line=i + 2))
            file_name = None
            i = end + 1
            continue
        if line.strip():
            file_name = None
        i += 1
    return page


def commands(body: list[str], first_line: int) -> list[Command]:
    found: list[Command] = []
    j = 0
    while j < len(body):
        if not body[j].startswith("$ "):
            raise ValueError(f"line {first_line + j}: a console block starts with a '$ ' line")
        start = j
        text = body[j][2:]
        while text.endswith("\\") and j + 1 < len(body):
            j += 1
            text = text + "\n" + body[j]
        j += 1
        want: list[str] = []
        while j < len(body) and not body[j].startswith("$ "):
            want.append(body[j])
            j += 1
        exit_code = 0
        match = EXIT_COMMENT.search(text)
        if match:
            exit_code = int(match.group(1))
            text = text[: match.start()]
        found.append(Command(first_line + start, text, "\n".join(want), exit_code))
    return found


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n")) + "\n"


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLUIDE_")}
    env.update(
        PATH=f"{VENV / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        COLUMNS="100",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        TZ="UTC",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        TERM="dumb",
    )
    return env


def run(page: Page, workdir: Path) -> list[str]:
    """Run the page's steps in one shell; what differs from the page, one text per command."""
    (workdir / "examples").symlink_to(ROOT / "examples")
    (workdir / ".venv").symlink_to(VENV)
    script: list[str] = []
    runs: list[Command] = []
    for step in page.steps:
        if isinstance(step, tuple):
            name, content = step
            target = workdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            continue
        runs.append(step)
        # The marker after each command carries its exit code; `( exit … )` gives the
        # next command that code in $?, as on the reader's terminal.
        script.append(f"{step.text}\n__rc=$?\nprintf '\\n{MARK} %d\\n' \"$__rc\"\n(exit $__rc)")
    if not runs:
        return []
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "exec 2>&1\n" + "\n".join(script)],
        cwd=workdir,
        env=environment(workdir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        timeout=PAGE_TIMEOUT,
        check=False,
    )
    output = done.stdout.decode("utf-8", "replace")
    chunks = re.split(rf"\n?{re.escape(MARK)} (\d+)\n", output)
    checker = doctest.OutputChecker()
    problems: list[str] = []
    for index, command in enumerate(runs):
        where = f"{page.path.relative_to(ROOT)}, line {command.line}: $ {command.text}"
        if 2 * index + 1 >= len(chunks):
            problems.append(f"{where}\n  did not run (the shell stopped before it)")
            continue
        got, code = chunks[2 * index], int(chunks[2 * index + 1])
        if code != command.exit_code:
            problems.append(
                f"{where}\n  exit code {code}, the page says {command.exit_code}\n{got}"
            )
            continue
        want, got = normalise(command.want), normalise(got)
        if not checker.check_output(want, got, doctest.ELLIPSIS):
            problems.append(f"{where}\n--- the page says:\n{want}--- it printed:\n{got}")
    return problems


RUNNABLE = [path for path in pages() if any(isinstance(s, Command) for s in parse(path).steps)]


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_command_examples_print_what_the_page_says(path: Path, tmp_path: Path) -> None:
    problems = run(parse(path), tmp_path)
    assert not problems, "\n\n".join(problems)


def test_console_blocks_are_found_in_readme_and_docs() -> None:
    assert any(p.name == "README.md" for p in RUNNABLE)
    assert any(p.parent == ROOT / "docs" for p in RUNNABLE)


def test_a_wrong_expected_output_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- file: a.txt -->\n```text\nbonjour\n```\n\n"
        "```console\n$ cat a.txt\nbonsoir\n$ true\n$ false  # exit code 1\n"
        "$ printf 'x\\ny\\nz\\n'\nx\n...\nz\n$ sh -c 'exit 3'\n```\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    parsed = parse(page)
    parsed.path = ROOT / "page.md"
    problems = run(parsed, work)
    assert len(problems) == 2
    assert "--- the page says:\nbonsoir\n--- it printed:\nbonjour" in problems[0]
    assert "exit code 3, the page says 0" in problems[1]

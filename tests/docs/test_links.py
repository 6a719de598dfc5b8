"""Every relative link and image of README.md and docs/*.md points at something that exists.

`make docs` (mkdocs --strict) checks docs/ too; this test also covers README.md, which
the site does not build, and runs with the test suite.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose(path: Path) -> list[tuple[int, str]]:
    """The page's lines outside fenced code blocks, with their numbers."""
    found: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            found.append((number, line))
    return found


def slug(heading: str) -> str:
    """The anchor Python-Markdown's toc (MkDocs) and GitHub give a heading."""
    text = re.sub(r"[`*]", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    return {slug(m.group(1)) for _, line in prose(path) if (m := HEADING.match(line))}


def broken_links(path: Path) -> list[str]:
    problems: list[str] = []
    for number, line in prose(path):
        for match in LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            target = match.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}, line {number}: {target}"
            if not linked.exists():
                problems.append(f"{where}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{where}: no heading with that anchor in {linked.name}")
    return problems


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_images_point_at_existing_files(path: Path) -> None:
    problems = broken_links(path)
    assert not problems, "\n".join(problems)


def test_readme_shows_screenshots_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\((docs/img/[^)]+\.png)\)", text)
    assert images
    assert all((ROOT / image).stat().st_size < 200_000 for image in images)


def test_a_missing_file_and_a_missing_anchor_are_reported(tmp_path: Path) -> None:
    global ROOT
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Some `code` heading\n", encoding="utf-8")
    page.write_text(
        "[ok](other.md#some-code-heading) ![gone](img/gone.png)\n"
        "[bad anchor](other.md#nowhere) [web](https://example.com/x.md)\n"
        "```\n[in code](absent.md)\n```\n",
        encoding="utf-8",
    )
    saved, ROOT = ROOT, tmp_path
    try:
        problems = broken_links(page)
    finally:
        ROOT = saved
    assert problems == [
        "page.md, line 1: img/gone.png: no such file",
        "page.md, line 2: other.md#nowhere: no heading with that anchor in other.md",
    ]

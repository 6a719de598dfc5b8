"""``fluide tag`` and ``fluide tag-eval``: the verbatim tagger on CSV files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fluide.cli.app import LangOpt, _check_format, _check_lang, _fail, app
from fluide.i18n import gettext as _t
from fluide.ingest.errors import InputError

# The tagger (NumPy, scikit-learn, the model) loads inside the commands, not at start-up.
if TYPE_CHECKING:
    from fluide.domain.taxonomy import Example
    from fluide.tagging.model import Tagger

WINDOW = 5_000
"""Rows tagged together: each row's close neighbours among them inform its tags
(see ``Tagger.predict``); output is printed window by window."""

ExamplesOpt = Annotated[
    Path | None,
    typer.Option(
        "--examples",
        help="CSV text,tags (tags joined by |, empty = no tag) added to the default "
        "taxonomy's examples; an unknown key makes a new tag.",
        exists=True,
        dir_okay=False,
    ),
]
NoModelOpt = Annotated[
    bool, typer.Option("--no-model", help="Keyword rules only (the baseline; no embedding model).")
]
NoRulesOpt = Annotated[
    bool, typer.Option("--no-rules", help="The model alone, without keyword rules.")
]
NoNeighboursOpt = Annotated[
    bool,
    typer.Option(
        "--no-neighbours",
        help="Tag each row alone: its close neighbours in the file do not inform its "
        "tags, so a row always gets the same tags whatever the file.",
    ),
]


def _tagger(
    lang: str,
    examples: list[Example],
    no_model: bool,
    no_rules: bool,
    no_neighbours: bool = False,
) -> Tagger:
    from fluide.domain.taxonomy import DEFAULT_TAXONOMY
    from fluide.tagging.embed import load_embedder, load_failure
    from fluide.tagging.model import Tagger, TaggerConfig

    embedder = None if no_model else load_embedder()
    if embedder is None and not no_model:
        typer.echo(
            _t(
                lang,
                "The tagging model could not load (%(reason)s): keyword rules only.",
                reason=load_failure() or "-",
            ),
            err=True,
        )
    config = TaggerConfig(use_rules=not no_rules)
    if no_neighbours:
        config = replace(config, context_k=0)
    return Tagger.train(DEFAULT_TAXONOMY, examples, embedder, config)


@app.command()
def tag(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with a text (or comment) column.", exists=True, dir_okay=False),
    ],
    examples: ExamplesOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (one line per row) or csv.")
    ] = "jsonl",
    no_model: NoModelOpt = False,
    no_rules: NoRulesOpt = False,
    no_neighbours: NoNeighboursOpt = False,
    lang: LangOpt = "fr",
) -> None:
    """Tag each row's text with friction tags: {"row", "tags", "scores"} per line, in order."""
    from fluide.tagging.files import read_examples, read_texts

    lang = _check_lang(lang)
    if fmt not in ("jsonl", "csv"):
        _fail(lang, InputError("--format must be jsonl or csv, got %(value)s.", value=fmt))
    try:
        exs = read_examples(examples) if examples else []
        texts = read_texts(file)
    except InputError as e:
        _fail(lang, e)
    tagger = _tagger(lang, exs, no_model, no_rules, no_neighbours)
    if fmt == "csv":
        typer.echo("row,tags")
    for start in range(0, len(texts), WINDOW):
        chunk = texts[start : start + WINDOW]
        for i, p in enumerate(tagger.predict(chunk), start):
            if fmt == "jsonl":
                typer.echo(json.dumps(p.to_json(i), ensure_ascii=False))
            else:
                typer.echo(f"{i},{'|'.join(p.tags)}")


@app.command("tag-eval")
def tag_eval(
    test: Annotated[
        Path,
        typer.Option(
            "--test",
            help="CSV text,tags: the right tags of texts the tagger never saw.",
            exists=True,
            dir_okay=False,
        ),
    ],
    examples: ExamplesOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    no_model: NoModelOpt = False,
    no_rules: NoRulesOpt = False,
    no_neighbours: NoNeighboursOpt = False,
    lang: LangOpt = "fr",
) -> None:
    """Per-tag precision, recall, F1 and macro-F1 of the tagger on a labelled test file."""
    from fluide.tagging.evaluate import score
    from fluide.tagging.files import read_examples

    lang = _check_lang(lang)
    _check_format(lang, fmt)
    try:
        exs = read_examples(examples) if examples else []
        gold = read_examples(test)
    except InputError as e:
        _fail(lang, e)
    tagger = _tagger(lang, exs, no_model, no_rules, no_neighbours)
    preds = tagger.predict([g.text for g in gold])
    known = tagger.taxonomy.keys()
    keys = [k for k in known if any(k in g.tags for g in gold)]
    keys += sorted({k for g in gold for k in g.tags} - set(keys))
    report = score([set(p.tags) for p in preds], [set(g.tags) for g in gold], keys)
    if fmt == "json":
        typer.echo(json.dumps({**report.to_json(), "n": len(gold)}, indent=2))
        return
    head = (_t(lang, "tag"), _t(lang, "precision"), _t(lang, "recall"), "F1", _t(lang, "support"))
    width = max([len(head[0]), *(len(k) for k in keys)])
    typer.echo(f"{head[0]:<{width}}  {head[1]:>9}  {head[2]:>9}  {head[3]:>6}  {head[4]:>7}")
    for k in keys:
        s = report.per_tag[k]
        typer.echo(
            f"{k:<{width}}  {s.precision:>9.3f}  {s.recall:>9.3f}  {s.f1:>6.3f}  {s.support:>7}"
        )
    typer.echo(f"{'macro-F1':<{width}}  {'':>9}  {'':>9}  {report.macro_f1:>6.3f}  {len(gold):>7}")

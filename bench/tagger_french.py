"""French tagging with the default taxonomy and no example: the two development files,
praise and neutral comments, and texts no annotator tagged.

    .venv/bin/python bench/tagger_french.py            # table for bench/README.md
    .venv/bin/python bench/tagger_french.py --json

Gold (as ``../shared/data/README.md`` says): a tag counts only where both
annotators agree on it, present or absent; where they disagree it is not
counted either way. The French files are read for evaluation only: nothing of
them is copied into the project.

Praise and neutral comments: ``tests/tagging/praise_neutral.jsonl`` (the
project's own writing, kept with the tests, never used for training).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.tagging.embed import E5Embedder
from fluide.tagging.evaluate import score
from fluide.tagging.model import Tagger, TaggerConfig
from tagger_data import SHARED, CachedEmbedder

ROOT = Path(__file__).resolve().parents[1]
PRAISE = ROOT / "tests/tagging/praise_neutral.jsonl"
FILES = ("fr_verbatims_dev.jsonl", "fr_verbatims_dev2.jsonl")
MIN_SUPPORT = 20
"""A tag is held to the per-tag target from this many agreed examples."""


@dataclass(frozen=True)
class Labelled:
    text: str
    gold: frozenset[str]
    ignored: frozenset[str]
    untagged: bool
    """Neither annotator gave any tag."""


def read_dev(name: str) -> list[Labelled]:
    out = []
    with (SHARED / name).open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            a, b = frozenset(r["tags_a"]), frozenset(r["tags_b"])
            out.append(Labelled(r["text"], a & b, a ^ b, not a and not b))
    return out


EASY_MAX = 2
"""On the praise set's 1–7 effort scale (1 = very easy), a score up to this is "easy"."""


def read_praise() -> list[tuple[str, bool]]:
    """The praise and neutral texts, each with whether its answer said it was easy."""
    with PRAISE.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [(r["text"], r.get("score") is not None and r["score"] <= EASY_MAX) for r in rows]


def measure(tagger: Tagger, emb: CachedEmbedder | None) -> dict:
    keys = DEFAULT_TAXONOMY.keys()
    res: dict = {}
    for name in FILES:
        rows = read_dev(name)
        texts = [r.text for r in rows]
        x = emb.embed(texts) if emb is not None and tagger.embedder is not None else None
        preds = [set(p.tags) for p in tagger.predict(texts, x)]
        rep = score(preds, [r.gold for r in rows], keys, ignored=[r.ignored for r in rows])
        untagged = [not p for p, r in zip(preds, rows, strict=True) if r.untagged]
        res[name] = {
            "n": len(rows),
            "macro_f1": rep.macro_f1,
            "per_tag": {
                k: {"f1": s.f1, "precision": s.precision, "recall": s.recall, "support": s.support}
                for k, s in rep.per_tag.items()
            },
            "untagged_kept": sum(untagged) / len(untagged) if untagged else None,
            "n_untagged": len(untagged),
        }
    if PRAISE.exists():
        rows = read_praise()
        texts = [t for t, _ in rows]
        x = emb.embed(texts) if emb is not None and tagger.embedder is not None else None
        preds = tagger.predict(texts, x)
        with_score = tagger.predict(texts, x, easy=[e for _, e in rows])
        res["praise"] = {
            "n": len(texts),
            "no_tag": sum(1 for p in preds if not p.tags) / len(texts),
            "no_tag_with_score": sum(1 for p in with_score if not p.tags) / len(texts),
            "tagged": [(t, list(p.tags)) for t, p in zip(texts, preds, strict=True) if p.tags],
        }
    return res


def run(config: TaggerConfig | None = None, only: bool = False) -> dict:
    emb = CachedEmbedder(E5Embedder())
    cfg = config or TaggerConfig()
    variants = {"tagger": Tagger.train(DEFAULT_TAXONOMY, [], emb, cfg)}
    if not only:
        variants["rules alone (no model)"] = Tagger.train(DEFAULT_TAXONOMY, [], None, cfg)
        # Alone, the model is read at 0.5 (the tagger asks 0.85 of it without a rule).
        variants["model alone (no rules, threshold 0.5)"] = Tagger.train(
            DEFAULT_TAXONOMY, [], emb, replace(cfg, use_rules=False, unseen_margin=0.0)
        )
    return {
        name: measure(t, emb if t.embedder is not None else None) for name, t in variants.items()
    }


def table(res: dict) -> str:
    keys = DEFAULT_TAXONOMY.keys()
    lines = [
        "| variant | file | macro-F1 | "
        + " | ".join(keys)
        + " | untagged kept | praise: no tag (text; text and score) |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in keys) + " | ---: | ---: |",
    ]
    for variant, r in res.items():
        for name in FILES:
            f = r[name]
            cells = []
            for k in keys:
                s = f["per_tag"][k]
                mark = "" if s["support"] >= MIN_SUPPORT else "*"
                cells.append(f"{s['f1']:.2f} ({s['support']}){mark}")
            pr = r.get("praise", {})
            lines.append(
                f"| {variant} | {name.removesuffix('.jsonl')} | **{f['macro_f1']:.3f}** | "
                + " | ".join(cells)
                + f" | {f['untagged_kept']:.0%} of {f['n_untagged']} | "
                + (
                    f"{pr['no_tag']:.1%}; {pr['no_tag_with_score']:.1%}"
                    if pr and name == FILES[0]
                    else ""
                )
                + " |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--config", default="{}", help="TaggerConfig fields as JSON")
    ap.add_argument("--only", action="store_true", help="the tagger alone, no baselines")
    args = ap.parse_args()
    res = run(TaggerConfig(**json.loads(args.config)), args.only)
    if args.json:
        print(json.dumps(res, indent=1, ensure_ascii=False))
        return
    print(table(res))
    print("\n(support in brackets; * = fewer than 20 agreed examples)")
    for text, tags in res["tagger"].get("praise", {}).get("tagged", []):
        print(f"  praise tagged {tags}: {text}")


if __name__ == "__main__":
    main()

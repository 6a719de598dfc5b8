"""Tagger quality: Banking77 few-shot and full, French default taxonomy, baselines.

    .venv/bin/python bench/tagger_quality.py [--on dev|test] [--draws 10]

Reports macro-F1 over the five seed tags (Banking77) for the tagger, the
keyword rules alone, the model without the rules, and a plain logistic
regression on the same embeddings; then the seven default tags on the two
French development files, praise and neutral comments, and texts no annotator
tagged (``bench/tagger_french.py``).

Few-shot variants: "tags only" = 16 per tag and no untagged example (the
default "no tag" phrases alone teach what carries no friction); "one by one" =
each text tagged alone (no neighbours from the batch: a comment tagged as it
arrives in a workspace with no other verbatim yet).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tagger_french
from fluide.domain.taxonomy import DEFAULT_TAXONOMY, Example
from fluide.tagging.embed import E5Embedder
from fluide.tagging.evaluate import score
from fluide.tagging.model import Tagger, TaggerConfig
from fluide.tagging.rules import rule_tags
from tagger_data import SEED_TAGS, CachedEmbedder, banking77, few_shot, split


def plain_lr(x_train, labels, x_test):
    """The baseline the issue names: one logistic regression (scikit-learn's
    defaults) on the embeddings, classes = the five tags and "none"."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(max_iter=5000).fit(x_train, labels)
    return [set() if c == "none" else {c} for c in lr.predict(x_test)]


def label(row) -> str:
    return next(iter(row.gold)) if row.gold else "none"


def run(on: str, draws: int, config: TaggerConfig, k: int = 16) -> dict:
    emb = CachedEmbedder(E5Embedder())
    rows = banking77()
    parts = split(rows)
    ev = parts[on]
    x_all = emb.embed([r.text for r in rows])
    gold = [rows[i].gold for i in ev]
    alt = [rows[i].alt for i in ev]
    texts = [rows[i].text for i in ev]
    res: dict = {"on": on, "config": config.__dict__}

    def evaluate(tagger: Tagger) -> float:
        preds = tagger.predict(texts, x_all[ev])
        return score([set(p.tags) for p in preds], gold, SEED_TAGS, alt).macro_f1

    alone = TaggerConfig(**{**config.__dict__, "context_k": 0})
    fs, fs_lr, fs_norules, fs_tags_only, fs_alone = [], [], [], [], []
    for seed in range(draws):
        chosen = few_shot(rows, parts["pool"], k, seed, untagged=False)
        exs = [Example(rows[i].text, rows[i].gold) for i in chosen]
        fs_tags_only.append(
            evaluate(Tagger.train(DEFAULT_TAXONOMY, exs, emb, config, x_all[chosen]))
        )
        chosen = few_shot(rows, parts["pool"], k, seed)
        exs = [Example(rows[i].text, rows[i].gold) for i in chosen]
        t = Tagger.train(DEFAULT_TAXONOMY, exs, emb, config, x_all[chosen])
        fs.append(evaluate(t))
        fs_alone.append(evaluate(Tagger.train(DEFAULT_TAXONOMY, exs, emb, alone, x_all[chosen])))
        t2 = Tagger.train(
            DEFAULT_TAXONOMY,
            exs,
            emb,
            TaggerConfig(**{**config.__dict__, "use_rules": False}),
            x_all[chosen],
        )
        fs_norules.append(evaluate(t2))
        p = plain_lr(x_all[chosen], [label(rows[i]) for i in chosen], x_all[ev])
        fs_lr.append(score(p, gold, SEED_TAGS, alt).macro_f1)
    res["few_shot"] = {
        "k": k,
        "draws": draws,
        "tagger": fs,
        "tags_only": fs_tags_only,
        "one_by_one": fs_alone,
        "no_rules": fs_norules,
        "plain_lr": fs_lr,
    }

    train_idx = parts["pool"] + (parts["dev"] if on == "test" else [])
    exs = [Example(rows[i].text, rows[i].gold) for i in train_idx]
    t0 = time.perf_counter()
    t = Tagger.train(DEFAULT_TAXONOMY, exs, emb, config, x_all[train_idx])
    res["full"] = {
        "n_train": len(train_idx),
        "tagger": evaluate(t),
        "train_s": time.perf_counter() - t0,
    }
    res["full"]["plain_lr"] = score(
        plain_lr(x_all[train_idx], [label(rows[i]) for i in train_idx], x_all[ev]),
        gold,
        SEED_TAGS,
        alt,
    ).macro_f1
    res["rules_only_b77"] = score(
        [set(r) for r in rule_tags(DEFAULT_TAXONOMY, texts)], gold, SEED_TAGS, alt
    ).macro_f1

    res["french"] = tagger_french.run(config)
    return res


def summary(res: dict) -> str:
    fs = res["few_shot"]

    def s(v):
        p10 = float(np.percentile(v, 10))
        return f"mean {statistics.mean(v):.3f} min {min(v):.3f} p10 {p10:.3f} max {max(v):.3f}"

    return "\n".join(
        [
            f"[{res['on']}] few-shot k={fs['k']} x{fs['draws']}: tagger {s(fs['tagger'])}",
            f"    tags only {s(fs['tags_only'])}",
            f"    one by one {s(fs['one_by_one'])}",
            f"    no rules {s(fs['no_rules'])} | plain LR {s(fs['plain_lr'])}",
            f"  full (n={res['full']['n_train']}): tagger {res['full']['tagger']:.3f}"
            f" plain LR {res['full']['plain_lr']:.3f}",
            f"  rules only (Banking77): {res['rules_only_b77']:.3f}",
            "  French, default taxonomy, no example (bench/tagger_french.py):",
            tagger_french.table(res["french"]),
        ]
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--on", default="dev", choices=("dev", "test"))
    ap.add_argument("--draws", type=int, default=10, help="few-shot draws: seeds 0..N-1")
    ap.add_argument("--config", default="{}", help="JSON overrides of TaggerConfig")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    cfg = TaggerConfig(**json.loads(a.config))
    r = run(a.on, a.draws, cfg)
    print(json.dumps(r, indent=1) if a.json else summary(r))

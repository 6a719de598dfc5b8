"""Banking77 and the French development sample, split and embedded once (cached).

Protocol (written in bench/README.md): Banking77's train file is split per
intent with a fixed seed into pool (60 %), dev (20 %) and test (20 %). Few-shot
examples and the full training set come from pool (+ dev for "full"); every
choice of method and setting was made on dev; test is read for the reported
figures only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED = Path(
    os.environ.get("FLUIDE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared/data")
)
CACHE = Path(__file__).resolve().parent / ".cache"
SEED_TAGS = ("payment", "login", "onboarding", "delay", "info_not_found")


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    gold: frozenset[str]
    alt: frozenset[str]


def banking77() -> list[Row]:
    mapping: dict[str, tuple[str, str]] = {}
    with (SHARED / "banking77/friction_map.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            mapping[r["intent"]] = (r["primary_tag"], r["alt_tag"])
    rows = []
    with (SHARED / "banking77/train.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            p, a = mapping[r["category"]]
            gold = frozenset() if p == "other" else frozenset({p})
            alt = frozenset() if a in ("", "other") else frozenset({a})
            rows.append(Row(r["text"], r["category"], gold, alt))
    return rows


def split(rows: list[Row], seed: int = 77) -> dict[str, list[int]]:
    by_intent: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_intent[r.intent].append(i)
    rng = np.random.default_rng(seed)
    out: dict[str, list[int]] = {"pool": [], "dev": [], "test": []}
    for intent in sorted(by_intent):
        idx = list(rng.permutation(by_intent[intent]))
        n = len(idx)
        n_test, n_dev = round(n * 0.2), round(n * 0.2)
        out["test"] += idx[:n_test]
        out["dev"] += idx[n_test : n_test + n_dev]
        out["pool"] += idx[n_test + n_dev :]
    return {k: sorted(int(i) for i in v) for k, v in out.items()}


def few_shot(
    rows: list[Row], pool: list[int], k: int, seed: int, untagged: bool = True
) -> list[int]:
    """k texts per seed tag (primary tag), and k with no tag if ``untagged``, from ``pool``."""
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for tag in (*SEED_TAGS, None) if untagged else SEED_TAGS:
        cands = [i for i in pool if (tag in rows[i].gold if tag else not rows[i].gold)]
        chosen += [int(i) for i in rng.choice(cands, size=k, replace=False)]
    return chosen


def french() -> list[tuple[str, frozenset[str]]]:
    """The French sample, with the tags both annotators agree on."""
    out = []
    with (SHARED / "fr_verbatims_dev.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append((r["text"], frozenset(r["tags_a"]) & frozenset(r["tags_b"])))
    return out


class CachedEmbedder:
    """Wraps the real embedder with an on-disk cache keyed by the text's hash."""

    def __init__(self, inner, name: str = "e5q") -> None:
        self.inner = inner
        self.name = inner.name if inner else name
        CACHE.mkdir(exist_ok=True)
        self.path = CACHE / f"{name}.npz"
        self.store: dict[str, np.ndarray] = {}
        if self.path.exists():
            z = np.load(self.path)
            self.store = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self.store}.items()
        )
        if missing:
            vecs = self.inner.embed([t for _, t in missing])
            for (k, _), v in zip(missing, vecs, strict=True):
                self.store[k] = v
            self.save()
        return np.vstack([self.store[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)

    def save(self) -> None:
        ks = list(self.store)
        np.savez(self.path, keys=np.array(ks), vecs=np.vstack([self.store[k] for k in ks]))

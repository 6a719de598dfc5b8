"""Generate a large synthetic CES export for the benchmark (vectorised numpy).

Same columns and conventions as ``examples/ces_export.csv``: ``responded_at``
in ISO 8601 with the Europe/Paris offset (``+02:00`` in summer, ``+01:00``
from 2026-10-25 03:00), ``score`` 1–7 on the ease polarity, a comment on about
40 % of the rows drawn from a small bank of French phrases (some with commas
and quotes, CSV-quoted), and the segment columns. The answers span 20 ISO
weeks (2026-W32 .. 2026-W51) and are sorted by time. Deterministic for a seed.

    .venv/bin/python bench/generate.py --rows 1000000 --out bench/data/responses_1m.csv --seed 0
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

HEADER = (
    "responded_at,score,comment,touchpoint,channel,outcome,agent,"
    "customer_since,plan,question_version\n"
)
WEEKS = 20
FIRST_DAY = np.datetime64("2026-08-03", "s")  # Monday of 2026-W32, local time
# Last local instant still on summer time (+02:00): 2026-10-25 03:00 local
# becomes 02:00 (+01:00). The ambiguous hour 02:00-03:00 is read as summer time.
DST_END_LOCAL = np.datetime64("2026-10-25T03:00:00", "s")

TOUCHPOINTS = [
    "payer",
    "contacter_support",
    "trouver_facture",
    "activer",
    "changer_carte",
    "annuler",
]
TP_SHARE = [0.34, 0.20, 0.16, 0.13, 0.09, 0.08]
EASE_OK = np.array([5.95, 4.90, 5.30, 5.00, 5.70, 4.80])
EASE_FAIL = np.array([1.70, 2.10, 2.20, 2.00, 2.30, 1.80])
FAILURE = np.array([0.12, 0.22, 0.15, 0.18, 0.07, 0.10])
CHANNELS = ["in_app", "email", "link", "chat"]
# Channel shares per touchpoint (in CHANNELS order).
TP_CHANNELS = np.array(
    [
        [0.70, 0.20, 0.10, 0.00],
        [0.00, 0.00, 0.00, 1.00],
        [0.60, 0.40, 0.00, 0.00],
        [0.55, 0.45, 0.00, 0.00],
        [0.80, 0.20, 0.00, 0.00],
        [0.50, 0.30, 0.20, 0.00],
    ]
)
AGENTS = ["", "Camille", "Julien", "Sophie", "Karim", "Mathieu", "Léa"]
AGENT_SHARE = [0.23, 0.22, 0.21, 0.20, 0.12, 0.02]
AGENT_EFFECT = np.array([0.0, 0.30, -1.10, 0.10, 0.00, -0.10, 0.90])
PLANS = ["starter", "pro", "entreprise"]
PLAN_SHARE = [0.50, 0.35, 0.15]
OUTCOMES = ["success", "failure"]

COMMENTS = [
    "Paiement refusé alors que ma carte est valide",
    "Carte refusée trois fois, j'ai abandonné",
    'Le message "transaction refusée" s\'affiche, sans explication',
    "Paiement en un clic, ça passe",
    "Rapide et simple",
    "Facture introuvable dans l'espace client",
    "Trouvée, mais le menu n'est pas clair",
    "J'ai dû répéter mon problème à trois personnes",
    "45 minutes d'attente sur le chat",
    "Réponse rapide et claire, merci !",
    "Le mail d'activation n'arrive pas",
    "Mot de passe refusé, j'ai dû le réinitialiser",
    'Beaucoup de pages "êtes-vous sûr ?" avant de pouvoir annuler',
    "Déconnecté en plein milieu, tout à refaire",
    "Le site était en panne ce matin",
    "Nickel 👍",
    "Correct, un peu d'attente",
    "Toujours pas de solution, je dois recontacter demain",
    "Quick and easy, thanks",
    "Changement de carte fait en deux minutes",
]
COMMENT_SHARE = 0.40

HOUR_WEIGHTS = np.array(
    [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.2, 3.0, 5.0, 5.5, 5.0,
     3.2, 3.6, 5.0, 5.2, 4.8, 4.0, 2.8, 2.0, 1.8, 1.5, 1.0, 0.5]
)  # fmt: skip
DAY_WEIGHTS = np.array([1.0, 1.05, 1.0, 1.0, 0.9, 0.3, 0.2])


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _draw(rng: np.random.Generator, n: int, p: list[float] | np.ndarray) -> np.ndarray:
    """Indices 0..len(p)-1 drawn with probabilities ``p`` (fast inverse CDF)."""
    cdf = np.cumsum(np.asarray(p, dtype=float))
    return np.searchsorted(cdf / cdf[-1], rng.random(n), side="right")


def make_columns(rows: int, seed: int) -> list[list[str]]:
    """The ten CSV columns as lists of already-escaped strings, sorted by time."""
    rng = np.random.default_rng(seed)
    days = np.arange(WEEKS * 7)
    day_p = np.tile(DAY_WEIGHTS, WEEKS)
    day = days[_draw(rng, rows, day_p)]
    hour = _draw(rng, rows, HOUR_WEIGHTS)
    secs = day * 86400 + hour * 3600 + rng.integers(0, 3600, rows)
    secs.sort()
    day = secs // 86400
    local = FIRST_DAY + secs.astype("timedelta64[s]")
    summer = local < DST_END_LOCAL

    tp = _draw(rng, rows, TP_SHARE)
    u = rng.random(rows)
    cdf = np.cumsum(TP_CHANNELS, axis=1)[tp]
    support = tp == 1
    channel = np.where(support, 3, np.minimum((u[:, None] >= cdf[:, :-1]).sum(axis=1), 2))
    agent = np.where(support, _draw(rng, rows, AGENT_SHARE) + 1, 0)
    plan = _draw(rng, rows, PLAN_SHARE)
    new = rng.random(rows) < np.where(tp == 3, 0.65, 0.18)
    tenure = np.where(
        new, rng.integers(0, 90, rows), 90 + rng.lognormal(6.2, 0.8, rows).astype(int)
    )
    failed = rng.random(rows) < FAILURE[tp] * np.where(new & (tp == 3), 1.4, 1.0)
    mu = np.where(failed, EASE_FAIL[tp], EASE_OK[tp]) + AGENT_EFFECT[agent]
    mu -= np.where(new, np.where(tp == 3, 0.9, 0.2), 0.0)
    mu -= np.where(plan == 0, 0.1, 0.0)
    # The payment fix of 2026-09-14 (week 7 of 20): payer gets easier after it.
    mu += np.where((tp == 0) & (day >= 42), 0.3, 0.0)
    score = np.clip(np.rint(mu + rng.normal(0.0, 1.1, rows)), 1, 7).astype(np.int64)
    rate = np.array([0.0, 0.84, 0.77, 0.64, 0.48, 0.32, 0.235, 0.215])[score]
    has_comment = rng.random(rows) < rate * (COMMENT_SHARE / 0.40)
    comment = np.where(has_comment, _draw(rng, rows, np.ones(len(COMMENTS))) + 1, 0)

    ts = np.datetime_as_string(local, unit="s")
    offset = np.where(summer, "+02:00", "+01:00")
    since = np.datetime_as_string(local.astype("datetime64[D]") - tenure.astype("timedelta64[D]"))

    def pick(names: list[str], idx: np.ndarray) -> list[str]:
        return np.array([_csv_field(x) for x in names], dtype=object)[idx].tolist()

    return [
        np.char.add(ts, offset).tolist(),
        score.astype(str).tolist(),
        pick(["", *COMMENTS], comment),
        pick(TOUCHPOINTS, tp),
        pick(CHANNELS, channel),
        pick(OUTCOMES, failed.astype(int)),
        pick(AGENTS, agent),
        since.tolist(),
        pick(PLANS, plan),
        ["v1"] * rows,
    ]


def write(rows: int, out: Path, seed: int = 0, chunk: int = 200_000) -> None:
    cols = make_columns(rows, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for start in range(0, rows, chunk):
            part = zip(*(c[start : start + chunk] for c in cols), strict=True)
            f.write("".join([",".join(r) + "\n" for r in part]))
    tmp.replace(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/data/responses_1m.csv"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    write(args.rows, args.out, args.seed)
    size = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.rows:,} rows ({size:.1f} MB) to {args.out}"
        f" in {time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()

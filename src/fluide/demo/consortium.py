"""The demo's benchmark pool: a small *synthetic* consortium of other companies.

The demo is one company; to show what the benchmark card shows, its instance
gets the files of made-up companies (contributor ids ``demo-consortium-…``),
generated deterministically and imported as ``fluide benchmark import`` would:
seven for payment (figures shown), five for support contact, three for
cancellation (fewer than five: nothing but the count). None of it is real data.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.benchmark import FORMAT
from fluide.domain.benchmark_file import read_file
from fluide.services.benchmark import import_files

COMPANIES: Final = {
    # category: the companies' effort-index means (0–100)
    "payment": (22.0, 27.0, 29.0, 31.0, 33.0, 36.0, 44.0),
    "support_contact": (35.0, 38.0, 40.0, 41.0, 47.0),
    "cancellation": (45.0, 52.0, 60.0),
}
PREFIX: Final = "demo-consortium-"


def _groups(rng: random.Random, answers: int, mean: float) -> dict[str, int]:
    high = round(answers * max(0.02, min(0.6, (mean - 10) / 100 + rng.uniform(-0.03, 0.03))))
    low = round((answers - high) * max(0.2, min(0.9, 1 - mean / 70)))
    return {"low": low, "moderate": answers - high - low, "high": high}


def documents(end: datetime) -> list[dict[str, Any]]:
    """One file per made-up company, as ``fluide benchmark export`` writes them."""
    rng = random.Random("fluide-demo-consortium")  # noqa: S311 - reproducible demo data
    start_day, end_day = (end - timedelta(days=89)).date(), end.date()
    period = {"from": start_day.isoformat(), "to": end_day.isoformat()}
    files: dict[str, dict[str, Any]] = {}
    for category, means in COMPANIES.items():
        for i, mean in enumerate(means):
            contributor = f"{PREFIX}{i + 1:02d}"
            answers = rng.randint(60, 900)
            doc = files.setdefault(
                contributor,
                {
                    "format": FORMAT,
                    "contributor": contributor,
                    "exported_at": end.isoformat(),
                    "period": period,
                    "categories": {},
                },
            )
            doc["categories"][category] = {
                "answers": answers,
                "mean": mean,
                "sd": round(rng.uniform(18, 28), 2),
                "groups": _groups(rng, answers, mean),
                "period": period,
            }
    return list(files.values())


def import_consortium(factory: sessionmaker[Session], end: datetime) -> None:
    """Import the made-up companies' files into the demo instance's pool."""
    import_files(factory, [read_file(doc) for doc in documents(end)])

"""How much of a friction's effort gap is evidence: empirical-Bayes shrinkage towards 0.

A gap measured on one or two comments is mostly chance: one angry customer
makes a +60. The agents page's normal–normal model
(:mod:`fluide.domain.shrinkage`) says how much to believe it, with one
difference: a friction is pulled towards **0** (no extra effort), not towards
the average friction, because a friction nobody has shown yet is worth nothing.

- friction *i*'s observed gap is ``gᵢ ~ N(γᵢ, vᵢ)`` with ``vᵢ = σᵢ²/nᵢ``, ``σᵢ²``
  the variance of the effort index of the ``nᵢ`` answers carrying the tag
  (the touchpoint's mean is treated as known: it rests on many more answers);
- the true gaps spread around 0: ``γᵢ ~ N(0, τ²)``.

``σᵢ²`` is chosen as the agents page does (:func:`~fluide.domain.shrinkage.group_variances`):
the friction's own variance from ``min_own_n`` answers on, else the pooled
variance of all frictions' tagged answers. ``τ²`` is the method-of-moments
(DerSimonian–Laird) estimate around the known centre 0,
``max(0, (Σ gᵢ²/vᵢ − k) / Σ 1/vᵢ)``, over **every** touchpoint × tag of the
period (the ones whose gap is negative too, or the spread would be judged on
the largest ones only). The shrunk gap is ``wᵢ gᵢ`` with ``wᵢ = τ² / (τ² + vᵢ)``,
its interval ``wᵢ gᵢ ± z √(wᵢ vᵢ)`` (the posterior given ``τ²``).

Fallbacks: with fewer than :data:`MIN_FRICTIONS_FOR_SPREAD` frictions the
spread between them cannot be told from chance, so gaps are **not** shrunk
(``status = "too_few_frictions"``, interval ``gᵢ ± z √vᵢ``); when every tagged
answer has the same effort there is no variance at all (``"no_spread"``,
no interval). ``τ² = 0`` (``"no_between_variance"``) means the gaps differ no
more than chance would make them: every one is pulled to 0.

Worked example. Three frictions, all under ten answers so each uses the pooled
variance ``(3 × 400 + 3 × 200) / 6 = 300``: A (1 answer, gap +40), B (4, +20,
variance 400), C (4, +10, variance 200). ``v`` = 300, 75, 75;
``Σ g²/v = 1600/300 + 400/75 + 100/75 = 12`` and ``Σ 1/v = 9/300``, so
``τ² = (12 − 3) / 0.03 = 300``; ``w`` = 300/600 = 0.5, 300/375 = 0.8, 0.8;
the shrunk gaps are 20, 16 and 8: the single comment lost half its gap.

>>> found = shrink_gaps([GapSample("A", 1, 40.0, 80.0, None),
...     GapSample("B", 4, 20.0, 60.0, 400.0), GapSample("C", 4, 10.0, 50.0, 200.0)])
>>> round(found.tau2, 9), [(k, round(e.weight, 9), round(e.gap, 9))
...                         for k, e in found.estimates.items()]
(300.0, [('A', 0.5, 20.0), ('B', 0.8, 16.0), ('C', 0.8, 8.0)])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from scipy import special

from fluide.domain.shrinkage import MIN_OWN_N, Sample, VarianceSource, dersimonian_laird
from fluide.domain.shrinkage import group_variances as _group_variances

MIN_FRICTIONS_FOR_SPREAD: Final = 3
"""Below this many frictions the spread between them is not estimated: no shrinkage."""

GapStatus = Literal["shrunk", "no_between_variance", "too_few_frictions", "no_spread"]


@dataclass(frozen=True)
class GapSample:
    """One friction's evidence: answers carrying the tag, their gap, mean and variance."""

    key: str
    n: int
    gap: float
    mean: float
    """Mean effort index of the tagged answers (for the pooled variance only)."""
    variance: float | None
    """Their sample variance (``n − 1``), ``None`` below two answers."""


@dataclass(frozen=True)
class GapEstimate:
    """A friction's gap after shrinkage."""

    gap: float
    weight: float
    """wᵢ: the share of the measured gap kept (1: not shrunk)."""
    sampling_variance: float | None
    variance_source: VarianceSource | None
    ci: tuple[float, float] | None


@dataclass(frozen=True)
class GapShrinkage:
    estimates: dict[str, GapEstimate]
    status: GapStatus
    tau2: float | None
    """Between-friction variance around 0; ``None`` when not estimated."""
    level: float


def shrink_gaps(
    samples: Sequence[GapSample], *, level: float = 0.95, min_own_n: int = MIN_OWN_N
) -> GapShrinkage:
    """Each friction's gap shrunk towards 0 (see the module's docstring); keys must differ."""
    z = float(special.ndtri(0.5 + level / 2))
    answered = [s for s in samples if s.n > 0]
    if not answered:
        return GapShrinkage({}, "no_spread", None, level)
    sigmas, _ = _group_variances(
        [Sample(s.key, s.n, s.mean, s.variance) for s in answered], min_own_n
    )
    if any(sig is None for sig in sigmas):
        plain = {s.key: GapEstimate(s.gap, 1.0, None, None, None) for s in answered}
        return GapShrinkage(plain, "no_spread", None, level)
    v = [sig[0] / s.n for s, sig in zip(answered, sigmas, strict=True) if sig is not None]
    sources = [sig[1] for sig in sigmas if sig is not None]
    if len(answered) < MIN_FRICTIONS_FOR_SPREAD:
        kept = {
            s.key: GapEstimate(s.gap, 1.0, vi, src, _interval(s.gap, vi, z))
            for s, vi, src in zip(answered, v, sources, strict=True)
        }
        return GapShrinkage(kept, "too_few_frictions", None, level)
    tau2 = dersimonian_laird([s.gap for s in answered], v, centre=0.0)
    out: dict[str, GapEstimate] = {}
    for s, vi, src in zip(answered, v, sources, strict=True):
        w = tau2 / (tau2 + vi)
        out[s.key] = GapEstimate(w * s.gap, w, vi, src, _interval(w * s.gap, w * vi, z))
    return GapShrinkage(out, "shrunk" if tau2 > 0 else "no_between_variance", tau2, level)


def _interval(centre: float, variance: float, z: float) -> tuple[float, float]:
    half = z * math.sqrt(variance)
    return (centre - half, centre + half)

"""Recontacts, channel switches, episodes and delays of a contact log (no I/O).

The shown effort: a customer who contacts again within W days has not been
helped. Contacts come in as arrays (one item per contact, in file order) so
that the file command and the collection service compute the same figures
with the same code. Everything is vectorised: one sort by (customer, time,
file order), then differences and masks.

Times are epoch **microseconds** (int64): the window is compared exactly
(equal times count), which float seconds cannot promise for fractions.

>>> H = 3_600_000_000
>>> c = Contacts.of(customer=[0, 0, 1], at=[0, 24 * H, 0], channel=[0, 1, 0])
>>> b = overall(sequence(c, window_days=1, latest=10 * 24 * H))
>>> b.observed, b.recontacted, round(b.recontact_rate, 2), b.channel_switches, b.episodes
(3, 1, 33.33, 1, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

MISSING = np.iinfo(np.int64).min
"""The time of a contact with no ``resolved_at`` / ``promised_at``."""

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
DEFAULT_WINDOW_DAYS = 7

I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class Contacts:
    """Contacts as arrays, item ``i`` being the ``i``-th contact in file order.

    ``customer`` and ``channel`` are codes (any ints: equal code, same
    customer or channel); times are epoch microseconds, ``MISSING`` when
    absent.
    """

    customer: I64
    at: I64
    channel: I64
    resolved: I64
    promised: I64

    @classmethod
    def of(
        cls,
        *,
        customer: ArrayLike,
        at: ArrayLike,
        channel: ArrayLike,
        resolved: ArrayLike | None = None,
        promised: ArrayLike | None = None,
    ) -> Contacts:
        at_a = np.asarray(at, dtype=np.int64)
        n = len(at_a)
        none = np.full(n, MISSING, dtype=np.int64)
        return cls(
            customer=np.asarray(customer, dtype=np.int64),
            at=at_a,
            channel=np.asarray(channel, dtype=np.int64),
            resolved=none if resolved is None else np.asarray(resolved, dtype=np.int64),
            promised=none if promised is None else np.asarray(promised, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.at)


@dataclass(frozen=True)
class Sequenced:
    """Per contact (file order), what its customer's sequence says about it."""

    observed: B  # contact_at + W <= latest: its recontact can be judged
    recontacted: B  # observed, and the customer's next contact came within W
    switched: B  # recontacted, and that next contact used another channel
    is_recontact: B  # it came within W of the customer's previous contact
    episode_start: B  # first contact, or more than W after the previous one
    episode_size: I64  # at an episode's first contact: its number of contacts; else 0
    resolution_hours: NDArray[np.float64]  # NaN without resolved_at
    promise: NDArray[np.int8]  # 1 kept, 0 missed, -1 not both times known
    window_us: int

    def __len__(self) -> int:
        return len(self.observed)


def sequence(contacts: Contacts, window_days: int, latest: int | None = None) -> Sequenced:
    """Order each customer's contacts and judge every contact.

    ``latest`` is the time up to which contacts are known (by default the
    latest ``contact_at``): a contact is observed when ``at + W <= latest``.
    """
    c = contacts
    n = len(c)
    w = int(window_days) * DAY_US
    if latest is None:
        latest = int(c.at.max()) if n else 0
    # lexsort: last key first; file order (the index) keeps ties stable.
    order = np.lexsort((np.arange(n), c.at, c.customer))
    cu, at, ch = c.customer[order], c.at[order], c.channel[order]
    same = cu[1:] == cu[:-1]
    gap = at[1:] - at[:-1]
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = same
    within_next = np.zeros(n, dtype=bool)
    within_next[:-1] = same & (gap <= w)
    other_channel = np.zeros(n, dtype=bool)
    other_channel[:-1] = ch[1:] != ch[:-1]
    is_recontact = np.zeros(n, dtype=bool)
    is_recontact[1:] = same & (gap <= w)
    start = np.ones(n, dtype=bool)
    start[1:] = ~same | (gap > w)
    episode = np.cumsum(start) - 1
    sizes = np.bincount(episode, minlength=int(start.sum())) if n else np.zeros(0, np.int64)
    size_at_start = np.where(start, sizes[episode] if n else 0, 0).astype(np.int64)

    observed_s = at <= latest - w
    recontacted_s = observed_s & within_next
    switched_s = recontacted_s & other_channel

    def back(x: NDArray[np.generic]) -> NDArray[np.generic]:
        out = np.empty_like(x)
        out[order] = x
        return out

    has_res = c.resolved != MISSING
    hours = np.full(n, np.nan)
    hours[has_res] = (c.resolved[has_res] - c.at[has_res]) / HOUR_US
    both = has_res & (c.promised != MISSING)
    promise = np.full(n, -1, dtype=np.int8)
    promise[both] = (c.resolved[both] <= c.promised[both]).astype(np.int8)
    return Sequenced(
        observed=back(observed_s),  # type: ignore[arg-type]
        recontacted=back(recontacted_s),  # type: ignore[arg-type]
        switched=back(switched_s),  # type: ignore[arg-type]
        is_recontact=back(is_recontact),  # type: ignore[arg-type]
        episode_start=back(start),  # type: ignore[arg-type]
        episode_size=back(size_at_start),  # type: ignore[arg-type]
        resolution_hours=hours,
        promise=promise,
        window_us=w,
    )


@dataclass(frozen=True)
class Resolution:
    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class RBlock:
    """Every recontact figure of a set of contacts (the JSON RBLOCK); rates 0–100."""

    contacts: int
    observed: int
    recontacted: int
    recontact_rate: float | None
    one_and_done: float | None
    channel_switches: int
    channel_switch_rate: float | None
    episodes: int
    contacts_per_episode: float | None
    resolution_hours: Resolution
    promise_kept: float | None

    def to_json(self) -> dict[str, object]:
        r = self.resolution_hours
        return {
            "contacts": self.contacts,
            "observed": self.observed,
            "recontacted": self.recontacted,
            "recontact_rate": self.recontact_rate,
            "one_and_done": self.one_and_done,
            "channel_switches": self.channel_switches,
            "channel_switch_rate": self.channel_switch_rate,
            "episodes": self.episodes,
            "contacts_per_episode": self.contacts_per_episode,
            "resolution_hours": {"n": r.n, "median": r.median, "p90": r.p90},
            "promise_kept": self.promise_kept,
        }


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def block_of(s: Sequenced, idx: NDArray[np.intp] | B | slice) -> RBlock:
    """The figures of the contacts ``idx`` (indices or a mask, file order)."""
    observed = s.observed[idx]
    n = len(observed)
    obs = int(observed.sum())
    rec = int(s.recontacted[idx].sum())
    sw = int(s.switched[idx].sum())
    starts = s.episode_start[idx]
    episodes = int(starts.sum())
    ep_contacts = int(s.episode_size[idx].sum())  # non-zero only at starts
    hours = s.resolution_hours[idx]
    hours = hours[~np.isnan(hours)]
    median, p90 = (None, None)
    if len(hours):
        q = np.quantile(hours, [0.5, 0.9])
        median, p90 = float(q[0]), float(q[1])
    promise = s.promise[idx]
    both = int((promise >= 0).sum())
    rate = _pct(rec, obs)
    return RBlock(
        contacts=n,
        observed=obs,
        recontacted=rec,
        recontact_rate=rate,
        one_and_done=None if rate is None else 100.0 - rate,
        channel_switches=sw,
        channel_switch_rate=_pct(sw, rec),
        episodes=episodes,
        contacts_per_episode=ep_contacts / episodes if episodes else None,
        resolution_hours=Resolution(len(hours), median, p90),
        promise_kept=_pct(int((promise == 1).sum()), both),
    )


def overall(s: Sequenced) -> RBlock:
    return block_of(s, slice(None))


def blocks_by(s: Sequenced, codes: ArrayLike, k: int) -> list[RBlock]:
    """One block per code ``0..k-1`` (a contact belongs to its own code's block).

    One stable sort of the codes, then a slice per code: O(n) per grouping
    however many values it has.
    """
    codes_a = np.asarray(codes, dtype=np.int64)
    order = np.argsort(codes_a, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes_a, minlength=k))))
    return [block_of(s, order[bounds[i] : bounds[i + 1]]) for i in range(k)]


def recontacted_answers(
    contacts: Contacts,
    s: Sequenced,
    customer: ArrayLike,
    at: ArrayLike,
) -> B:
    """Whether each answer's customer had a recontact in ``[at − W, at]``.

    ``customer`` holds the answers' customer codes (those of ``contacts``;
    any code no contact has, e.g. -1, is never recontacted). The latest
    recontact at or before each answer is found by one merged sort.
    """
    a_cu = np.asarray(customer, dtype=np.int64)
    a_at = np.asarray(at, dtype=np.int64)
    rc = s.is_recontact
    e_cu, e_at = contacts.customer[rc], contacts.at[rc]
    m = len(e_cu)
    cu = np.concatenate((e_cu, a_cu))
    t = np.concatenate((e_at, a_at))
    kind = np.concatenate((np.zeros(m, np.int8), np.ones(len(a_cu), np.int8)))
    # A recontact at the very time of the answer counts: events sort first.
    order = np.lexsort((kind, t, cu))
    pos = np.where(kind[order] == 0, np.arange(len(order)), -1)
    last = np.maximum.accumulate(pos) if len(pos) else pos
    out = np.zeros(len(a_cu), dtype=bool)
    is_answer = kind[order] == 1
    li = last[is_answer]
    ai = order[is_answer] - m  # answer index
    cu_s, t_s = cu[order], t[order]
    found = li >= 0
    ok = np.zeros(len(li), dtype=bool)
    ok[found] = (cu_s[li[found]] == a_cu[ai[found]]) & (
        t_s[li[found]] >= a_at[ai[found]] - s.window_us
    )
    out[ai] = ok
    return out


def value_codes(values: Sequence[str | None]) -> tuple[I64, list[str | None]]:
    """Codes for a few values (small inputs; the file reader codes in SQL)."""
    labels: dict[str | None, int] = {}
    codes = np.fromiter((labels.setdefault(v, len(labels)) for v in values), np.int64, len(values))
    return codes, list(labels)

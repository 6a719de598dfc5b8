"""Every spelling a score cell may hold, for the scan's ENUM.

Numbers ("4", "4.0", "4,0"), the scale's symbols (faces, good/bad), the
usual wordings that fit the question (``fluide.domain.wordings``) and the
``--labels`` of the run. Wordings are compared without case, accents or
extra spaces: the ENUM lists their common spellings (so a file of words is
read in one pass), and :func:`unlisted_spellings` finds the others among a
scan's rejects, for a second pass (numeric files never need one).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache

from fluide.domain.scales import Question
from fluide.domain.wordings import normalise, wording_points, wording_spellings
from fluide.ingest.errors import InputError


def word_points(q: Question, labels: Mapping[str, int]) -> dict[str, int]:
    """Normalised words read as a point: the scale's symbols, the wordings, the labels."""
    out = {normalise(t): p for t, p in q.tokens().items() if not t.isdigit()}
    out.update(wording_points(q))
    out.update({normalise(t): p for t, p in labels.items()})  # --labels win
    return out


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _variants(word: str) -> set[str]:
    """Common spellings of a word: as listed, lower, upper, first capital; with or
    without accents; ' or ’."""
    low = word.lower()
    base = {word, low, word.upper(), low[:1].upper() + low[1:]}
    base |= {_plain(b) for b in base}
    return base | {b.replace("'", "’") for b in base}


def spellings(
    q: Question, labels: Mapping[str, int], extra: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """The ENUM's values with their points: numbers first, then words.

    ``extra`` are spellings found in the file (see :func:`unlisted_spellings`).
    """
    out: list[tuple[str, int]] = []
    seen: set[str] = set()

    def add(token: str, point: int) -> None:
        if token not in seen:
            seen.add(token)
            out.append((token, point))

    for token, point in q.tokens().items():
        if token.isdigit():
            add(token, point)
            add(f"{token}.0", point)
            add(f"{token},0", point)
    words = word_points(q, labels)
    listed = [(t, p) for t, p in q.tokens().items() if not t.isdigit()]
    listed += [(t, words[normalise(t)]) for t in [*wording_spellings(q), *labels]]
    for token, point in listed:
        for v in sorted(_variants(token)):
            if words.get(normalise(v)) == point:
                add(v, point)
    for token in extra:
        found = words.get(normalise(token))
        if found is not None:
            add(token, found)
    return out


def unlisted_spellings(
    q: Question, labels: Mapping[str, int], rejected: Iterable[str], listed: Iterable[str]
) -> list[str]:
    """Rejected score cells that are a known word in another spelling ("TRÈS  facile ")."""
    words = word_points(q, labels)
    known = set(listed)
    return sorted({v for v in rejected if v not in known and normalise(v) in words})


def parse_labels(text: str | None) -> dict[str, int]:
    """``--labels "Très difficile=1,Difficile=2"`` as ``{label: point}`` (points unchecked)."""
    out: dict[str, int] = {}
    if text is None:
        return out
    for item in text.split(","):
        label, sep, point = item.rpartition("=")
        label = label.strip()
        if not item.strip():
            continue
        if not sep or not label:
            raise InputError(
                "--labels takes LABEL=POINT pairs separated by commas "
                '(e.g. "Très difficile=1,Difficile=2"), got %(value)s.',
                value=item.strip(),
            )
        try:
            value = int(point.strip())
        except ValueError:
            raise InputError(
                "--labels %(label)s=%(point)s: the point must be a whole number.",
                label=label,
                point=point.strip(),
            ) from None
        key = normalise(label)
        previous = next((p for lab, p in out.items() if normalise(lab) == key), None)
        if previous is not None and previous != value:
            raise InputError(
                "--labels gives %(label)s two points (%(first)s and %(second)s).",
                label=label,
                first=previous,
                second=value,
            )
        out[label] = value
    return out


def check_labels(labels: Mapping[str, int], q: Question) -> None:
    """Every point of ``--labels`` within the question's scale."""
    for label, point in labels.items():
        if point not in q.points:
            raise InputError(
                "--labels %(label)s=%(point)s: the point is outside the scale %(scale)s "
                "(allowed: %(allowed)s).",
                label=label,
                point=point,
                scale=q.scale.key,
                allowed=", ".join(str(p) for p in q.points),
            )


@cache
def any_word() -> frozenset[str]:
    """Every normalised answer word of every scale and wording family."""
    from fluide.domain.scales import FILE_SCALES, SCALES
    from fluide.domain.wordings import FAMILIES

    words = {normalise(s) for f in FAMILIES for point in f.points for s in point}
    for scale in (*SCALES.values(), *FILE_SCALES.values()):
        words |= {normalise(s) for point in scale.symbols for s in point}
    return frozenset(words)

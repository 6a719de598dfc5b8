"""How a date column is written: the candidate readings and the choice among them.

Pure: the caller observes the column's *shapes* (each value with its digits
turned into ``9``, counted, with the largest leading numbers) and this module
says which reading fits every value. A day above 12 settles day-first versus
month-first; when both fit, the caller's rule decides (day-first for French
users and ``;``-separated files) and the choice says it was ambiguous.

>>> shapes = [Shape("99/99/9999 99:99", 40, 28, 11, "28/11/2026 09:30", "03/11/2026 10:00")]
>>> c = choose_reading(shapes, day_first=False)
>>> (c.reading.kind, c.reading.format, c.ambiguous)
('day_first', '%d/%m/%Y %H:%M', False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

ISO = "iso"
DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
YEAR_FIRST = "year_first"
EPOCH_SECONDS = "epoch_seconds"
EPOCH_MILLISECONDS = "epoch_milliseconds"
EXCEL_SERIAL = "excel_serial"
CUSTOM = "custom"

NUMERIC = (EPOCH_SECONDS, EPOCH_MILLISECONDS, EXCEL_SERIAL)

# Excel serials from 1 (1900-01-01) to 100 000 (2173); epoch seconds from
# 1973 to 5138, milliseconds over the same span: magnitudes never overlap.
_SERIAL = (1.0, 100_000.0)
_EPOCH_S = (1e8, 1e11)
_EPOCH_MS = (1e11, 1e14)

SEP, ITEM, FIELD = "\x1f", "\x1e", "\x1d"  # in an ``allowed`` code: never in a header

_NUMBER = re.compile(r"^9+(\.9+)?$")
_ISO = re.compile(r"^9999-99-99([T ]99:99(:99(\.9+)?)?)?( ?(Z|[+-]99(:?99)?))?$", re.I)
_DATE = re.compile(
    r"^(?P<a>9{1,4})(?P<sep>[/.\-])(?P<b>9{1,2})(?P=sep)(?P<c>9{1,4})"
    r"(?:(?P<t>[ T])(?P<h>9{1,2}):(?P<m>99)(?::(?P<s>99))?(?P<ampm> ?[AP]M)?)?"
    r"(?P<z> ?[+-]99:?99)?$",
    re.I,
)


@dataclass(frozen=True)
class Shape:
    """Values of a column alike but for their digits (``"99/99/9999 99:99"``).

    ``first_max``/``second_max``: the largest first and second numbers among
    them, with a value holding each (to say why a reading was chosen).
    Plain numbers keep their smallest and largest value in ``low``/``high``.
    """

    pattern: str
    count: int
    first_max: int | None = None
    second_max: int | None = None
    first_example: str | None = None
    second_example: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Reading:
    """One way to read a column: its kind and, for written dates, the strptime format."""

    kind: str
    format: str | None = None

    @property
    def has_offset(self) -> bool:
        return self.format is not None and "%z" in self.format

    def pattern(self, lang: str) -> str:
        """The format as a person reads it: ``dd/mm/yyyy hh:mm`` (``jj/mm/aaaa`` in French)."""
        if self.format is None:
            return {
                ISO: "ISO 8601",
                EPOCH_SECONDS: "epoch s",
                EPOCH_MILLISECONDS: "epoch ms",
                EXCEL_SERIAL: "Excel serial",
            }.get(self.kind, self.kind)
        fr = lang == "fr"
        words = {
            "%d": "jj" if fr else "dd",
            "%m": "mm",
            "%Y": "aaaa" if fr else "yyyy",
            "%y": "aa" if fr else "yy",
            "%H": "hh",
            "%I": "hh",
            "%M": "mm",
            "%S": "ss",
            "%p": "AM/PM",
            "%z": "+hh:mm",
        }
        return re.sub(r"%[a-zA-Z]", lambda m: words.get(m.group(0), m.group(0)), self.format)


@dataclass(frozen=True)
class Choice:
    """The reading chosen for a column, and why.

    ``fits_all``: every non-empty value fits it (else the lines that do not
    are reported). ``ambiguous``: day-first and month-first both fit and
    ``rule`` decided (``lang``, ``delimiter`` or ``default``); otherwise
    ``rule`` is ``only_fit``, ``forced`` (``--date-format``) or ``iso_sample``.
    ``evidence``: a value that rules the other order out (a day above 12).
    ``tried``: each candidate reading with the number of values it fits.
    ``sampled``: chosen from the column's first values only; the full column
    (read by the scan) may settle an ambiguity or break the reading.
    """

    reading: Reading
    rule: str
    total: int = 0
    fits_all: bool = True
    ambiguous: bool = False
    evidence: str | None = None
    tried: tuple[tuple[Reading, int], ...] = field(default_factory=tuple)
    sampled: bool = False


def _date_candidates(shape: Shape) -> list[Reading]:
    m = _DATE.match(shape.pattern)
    if m is None:
        return []
    sep = m["sep"]
    a, c = m["a"], m["c"]
    time = ""
    if m["h"] is not None:
        hour = "%I" if m["ampm"] else "%H"
        time = m["t"] + hour + ":%M" + (":%S" if m["s"] else "")
        if m["ampm"]:
            time += (" " if m["ampm"].startswith(" ") else "") + "%p"
    zone = (" " if m["z"] and m["z"].startswith(" ") else "") + "%z" if m["z"] else ""
    first, second = shape.first_max or 0, shape.second_max or 0
    out = []
    if len(a) == 4:
        if len(c) <= 2 and second <= 12 and sep != "-":
            out.append(Reading(YEAR_FIRST, f"%Y{sep}%m{sep}%d{time}{zone}"))
        return out
    if len(a) > 2 or len(c) not in (2, 4):
        return out
    year = "%Y" if len(c) == 4 else "%y"
    if first <= 31 and second <= 12:
        out.append(Reading(DAY_FIRST, f"%d{sep}%m{sep}{year}{time}{zone}"))
    if first <= 12 and second <= 31:
        out.append(Reading(MONTH_FIRST, f"%m{sep}%d{sep}{year}{time}{zone}"))
    return out


def candidates(shape: Shape) -> list[Reading]:
    """The readings that fit every value of ``shape``."""
    p = shape.pattern.strip()
    if _ISO.match(p):
        return [Reading(ISO)]
    if _NUMBER.match(p) and shape.low is not None and shape.high is not None:
        for kind, (lo, hi) in (
            (EXCEL_SERIAL, _SERIAL),
            (EPOCH_SECONDS, _EPOCH_S),
            (EPOCH_MILLISECONDS, _EPOCH_MS),
        ):
            if lo <= shape.low and shape.high < hi:
                return [Reading(kind)]
        return []
    return _date_candidates(shape)


_PREFERENCE = (ISO, DAY_FIRST, MONTH_FIRST, YEAR_FIRST, EXCEL_SERIAL, EPOCH_SECONDS)


def choose_reading(shapes: Sequence[Shape], *, day_first: bool, rule: str = "default") -> Choice:
    """The reading that fits every value, else the one that fits most.

    ``day_first`` decides a column that fits both orders; ``rule`` names why
    (``lang``, ``delimiter`` or ``default``) for the warning. Empty values
    (pattern ``""``) are left to the caller (an empty required field).
    """
    shapes = [s for s in shapes if s.pattern.strip()]
    total = sum(s.count for s in shapes)
    fit: dict[Reading, int] = {}
    for s in shapes:
        for r in candidates(s):
            fit[r] = fit.get(r, 0) + s.count

    def rank(item: tuple[Reading, int]) -> tuple[int, int]:
        r, n = item
        order = _PREFERENCE.index(r.kind) if r.kind in _PREFERENCE else len(_PREFERENCE)
        if r.kind in (DAY_FIRST, MONTH_FIRST):
            order = 1 if (r.kind == DAY_FIRST) == day_first else 2
        return (-n, order)

    tried = tuple(sorted(fit.items(), key=rank))
    if not tried:
        return Choice(Reading(ISO), "no_fit", total, fits_all=total == 0, tried=())
    best, n = tried[0]
    full = [r for r, k in tried if k == total]
    ambiguous = (
        n == total
        and best.kind in (DAY_FIRST, MONTH_FIRST)
        and any(r.kind in (DAY_FIRST, MONTH_FIRST) and r.kind != best.kind for r in full)
    )
    if ambiguous:
        return Choice(best, rule, total, True, True, None, tried)
    evidence = None
    if best.kind == DAY_FIRST:
        evidence = _evidence(shapes, best, first=True)
    elif best.kind == MONTH_FIRST:
        evidence = _evidence(shapes, best, first=False)
    return Choice(best, "only_fit", total, n == total, False, evidence, tried)


def _evidence(shapes: Sequence[Shape], reading: Reading, *, first: bool) -> str | None:
    """A value that only ``reading`` fits: a first (or second) number above 12."""
    for s in shapes:
        if reading not in candidates(s):
            continue
        if first and (s.first_max or 0) > 12:
            return s.first_example
        if not first and (s.second_max or 0) > 12:
            return s.second_example
    return None


_FIRST_TWO = re.compile(r"^(\d+)\D(\d+)")


def sample_shapes(values: Sequence[str]) -> list[Shape]:
    """The shapes of a few values, as :func:`choose_reading` takes them.

    >>> [(s.pattern, s.count, s.first_max) for s in sample_shapes(["7/12/2026", "13/1/2026"])]
    [('9/99/9999', 1, 7), ('99/9/9999', 1, 13)]
    """
    groups: dict[str, list[str]] = {}
    for v in values:
        if v.strip():
            groups.setdefault(shape_of(v), []).append(v.strip())
    out = []
    for pattern, vs in groups.items():
        firsts: list[tuple[int, str]] = []
        seconds: list[tuple[int, str]] = []
        for v in vs:
            m = _FIRST_TWO.match(v)
            if m:
                firsts.append((int(m[1]), v))
                seconds.append((int(m[2]), v))
        a, b = max(firsts, default=None), max(seconds, default=None)
        numbers = [float(v) for v in vs] if _NUMBER.match(pattern) else []
        out.append(
            Shape(
                pattern,
                len(vs),
                a[0] if a else None,
                b[0] if b else None,
                a[1] if a else None,
                b[1] if b else None,
                min(numbers) if numbers else None,
                max(numbers) if numbers else None,
            )
        )
    return out


def is_number_shape(pattern: str) -> bool:
    """Whether a shape is a plain number (an epoch or an Excel serial, maybe)."""
    return bool(_NUMBER.match(pattern.strip()))


def is_iso_shape(pattern: str) -> bool:
    """Whether a value's shape is one ISO 8601 form (read by the typed reader)."""
    return bool(_ISO.match(pattern.strip()))


def shape_of(value: str) -> str:
    """A value with its digits turned into ``9`` (as the column pass computes it)."""
    return re.sub(r"[0-9]", "9", value.strip())


def allowed_code(choice: Choice | None, column: str) -> str:
    """What a bad value of the column should have been, for :mod:`fluide.problems`."""
    if choice is None or (
        choice.reading.kind == ISO and (choice.fits_all or len(choice.tried) < 2)
    ):
        return "@datetime"
    tried = ITEM.join(f"{r.kind}{FIELD}{r.format or ''}{FIELD}{n}" for r, n in choice.tried[1:4])
    return SEP.join(
        (
            "@reading",
            choice.reading.kind,
            choice.reading.format or "",
            column,
            choice.rule,
            "1" if choice.fits_all else "0",
            tried,
        )
    )

"""Header names of the usual survey tools, in French and English, for each field.

The one table of synonyms: a header matches a field when it is one of the
names below once case, accents, punctuation and spaces are left out
(``"Submit Date (UTC)"`` → ``"submit date utc"``). The exact canonical name
(``responded_at``…) and ``--map`` come first; a synonym only fills a field
they left empty.

The time has two ranks: when an export has both a start and a submission
time (SurveyMonkey ``Start Date``/``End Date``, Typeform ``Start Date
(UTC)``/``Submit Date (UTC)``), the submission time is the answer's time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Final

from fluide.domain.wordings import normalise
from fluide.ingest.answers import any_word

SYNONYMS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    # Per field, ranks of names: the first rank that matches wins.
    "responded_at": (
        (
            "Horodateur",
            "Horodatage",
            "Timestamp",
            "Date",
            "Date de réponse",
            "Date de la réponse",
            "Date de soumission",
            "Date d'envoi",
            "Submitted At",
            "Submitted",
            "Submit Date",
            "Submit Date (UTC)",
            "Submission Date",
            "Date Submitted",
            "End Date",
            "Response Date",
            "Responded At",
            "Rated At",
            "Completed At",
        ),
        ("Start Date", "Start Date (UTC)", "Created At", "Created At (UTC)", "Date de début"),
    ),
    "score": (
        (
            "Note",
            "Score",
            "Rating",
            "Réponse",
            "Response",
            "CES",
            "Score CES",
            "Note CES",
            "Customer Effort Score",
            "Valeur",
            "Value",
            "Évaluation",
            "Satisfaction",
            "Satisfaction Rating",
            "Satisfaction Score",
            "Note de satisfaction",
        ),
    ),
    "comment": (
        (
            "Commentaire",
            "Commentaires",
            "Comment",
            "Comments",
            "Pourquoi ?",
            "Pourquoi cette note ?",
            "Why?",
            "Feedback",
            "Verbatim",
            "Remarque",
            "Remarques",
            "Satisfaction Comment",
            "Commentaire de satisfaction",
        ),
    ),
}

ID_NAMES: Final = frozenset(
    {"", "id", "respondent id", "response id", "ticket id", "collector id", "network id", "token"}
)
"""Normalised headers of row ids (Typeform's ``#`` is ``""``): never a score or a segment."""

_PUNCT = re.compile(r"[^0-9a-z]+")


def header_key(name: str) -> str:
    """A header as compared: lower case, no accents, punctuation and spaces as one space.

    >>> header_key("  Submit Date (UTC) "), header_key("Pourquoi ?"), header_key("#")
    ('submit date utc', 'pourquoi', '')
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _PUNCT.sub(" ", plain).strip()


_RANKS: Final = {
    field: tuple(frozenset(header_key(n) for n in rank) for rank in ranks)
    for field, ranks in SYNONYMS.items()
}


def is_id(name: str) -> bool:
    return header_key(name) in ID_NAMES


class Ambiguous(Exception):
    """Two headers are equally good names for one field."""

    def __init__(self, field: str, headers: Sequence[str]) -> None:
        super().__init__(field)
        self.field = field
        self.headers = tuple(headers)


def by_synonym(field: str, headers: Sequence[str]) -> str | None:
    """The one header among ``headers`` that names ``field`` by a synonym, if any.

    Raises :class:`Ambiguous` when two headers of the best matching rank do.
    """
    for rank in _RANKS.get(field, ()):
        found = [h for h in headers if header_key(h) in rank]
        if len(found) > 1:
            raise Ambiguous(field, found)
        if found:
            return found[0]
    return None


def score_candidates(
    header: Sequence[str], rows: Sequence[Sequence[str]], fits: Callable[[str], bool]
) -> list[str]:
    """Columns whose sampled values are all accepted answers (at least one non-empty)."""
    out = []
    for i, name in enumerate(header):
        if is_id(name):
            continue
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        if values and all(fits(v) for v in values):
            out.append(name)
    return out


def paste_map(field: str, header: str) -> str:
    """``--map field="header"``, quoted for a shell."""
    return f'--map {field}="{header}"'


def second_header(second: Sequence[str]) -> bool:
    """Whether a file's second line is a second header line (SurveyMonkey's
    "Response", "Open-Ended Response"): some text, no digit in any cell, no
    answer word. A line of answers always has digits: its time."""
    cells = [c.strip() for c in second]
    return (
        any(cells)
        and not any(ch.isdigit() for c in cells for ch in c)
        and not any(normalise(c) in any_word() for c in cells if c)
    )


def merge_header(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """Two header lines as one: the first line's name, or the second's where the
    first is empty or repeated (then "first - second" if still taken)."""
    names: list[str] = []
    counts = {h.strip().lower(): 0 for h in first}
    for h in first:
        counts[h.strip().lower()] += 1
    last = ""
    for i, top in enumerate(first):
        below = second[i].strip() if i < len(second) else ""
        top = top.strip()
        if top and counts[top.lower()] == 1:
            name = top
        elif below:
            name = below
        else:
            name = top
        if name.lower() in (n.lower() for n in names) and below:
            name = f"{top or last} - {below}"
        last = top or last
        names.append(name)
    return names

"""Emerging topics: groups of similar verbatims that no tag names yet.

Comments are clustered on their sentence embeddings with HDBSCAN (density
clustering: no number of clusters to choose, and comments like no other are
left out as noise). On L2-normalised vectors the euclidean distance is a
monotone function of the cosine (``|a − b|² = 2 − 2 cos``), so this clusters
by meaning.

Each topic is named by its most distinctive terms, a class-based TF-IDF: a
term weighs ``tf × log(N / df)`` where ``tf`` is the share of the topic's
comments that use it and ``df`` the number of all ``N`` given comments that
do. Frequent in the topic and rare elsewhere wins; a word every comment uses
(« application ») weighs nothing, and stop words (French and English lists)
are never terms. Terms are words and pairs of words (« mot de passe »),
matched without case or accents and shown as customers most often wrote them.

>>> import numpy as np
>>> a, b = np.eye(4)[0], np.eye(4)[1]
>>> x = np.vstack([a] * 5 + [b] * 5)
>>> texts = ["Ma facture est introuvable"] * 5 + ["Le code SMS n'arrive pas"] * 5
>>> topics = find_topics(texts, x, [80.0] * 5 + [40.0] * 5)
>>> [(t.name, t.size, t.tag_key) for t in topics]
[('facture est introuvable', 5, 'facture_introuvable'), ('code sms / arrive', 5, 'code_sms')]
"""

from __future__ import annotations

import importlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from fluide.domain.frictions import same_text_key
from fluide.domain.taxonomy import normalize

NAME_WORDS = 3
REPRESENTATIVES = 3
KEY_MAX = 40
SINGLE_TIGHTER = 0.5
"""When HDBSCAN finds one dense group only, it is a topic if its comments are at most
this spread (root mean squared distance) relative to all the comments."""
SHARED_BY = 0.8
"""A term in this share of a topic's comments names it before the more distinctive ones."""
MERGE_CLOSER = 0.85
"""Two dense groups are one topic when their comments are this close to each other (root
mean squared distance between the two groups) relative to all the comments: density
clustering splits one complaint worded several ways (« le mode sombre rend le panier
illisible », « avec le thème sombre les montants sont invisibles ») into several groups,
and a topic accepted as a tag would then carry part of it. On the demo's four weeks the
dark theme's groups are 0.53–0.85 apart and unrelated groups 0.86 or more."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Matched normalised (lower case, no accents): « très » is « tres ».
STOP_WORDS_FR: Final = _words(
    """
    a ai aie aient aies ait as au aucun aucune aujourd aupres aura aurai auraient aurais
    aurait auras aurez auriez aurons auront aussi autre autres aux avaient avais avait avant
    avec avez aviez avions avoir avons ayant bah beaucoup bien bon bonjour bonsoir c ca car
    ce ceci cela celle celles celui cependant certain certaine certains ces cet cette ceux
    chaque chez ci comme comment d dans de deja depuis des donc dont du elle elles en encore
    entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eus eut
    eux fait faire fais faut fois font hui ici il ils j je jusqu jusque l la le les leur
    leurs lors lui m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on
    ont ou oui par parce pas peu peut peuvent peux plus pour pourquoi puis qu quand que quel
    quelle quelles quels qui quoi s sa sans se sera serai seraient serais serait seras serez
    seriez serons seront ses si sien soi soit sommes son sont sous suis sur svp t ta te tes
    toi ton toujours tous tout toute toutes tres trop tu un une unes uns v va vais vont vos
    votre vous vu y merci bof franchement
    """
)
STOP_WORDS_EN: Final = _words(
    """
    a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn d did didn do does doesn doing don
    down during each few for from further get got had hadn has hasn have haven having he her
    here hers herself him himself his how i if in into is isn it its itself just ll m me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own
    re s same she should shouldn so some such t than thank thanks that the their theirs them
    themselves then there these they this those through to too under until up very was wasn
    we were weren what when where which while who whom why will with won would wouldn you
    your yours yourself yourselves please hello hi ve
    """
)
STOP_WORDS: Final = {"fr": STOP_WORDS_FR | STOP_WORDS_EN, "en": STOP_WORDS_EN}
"""Per workspace language. French workspaces get English comments too, so both
lists apply there; an English workspace keeps French words such as « car »."""

_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE = re.compile(r"[.,;:!?()\[\]\"«»…\n\r/]+")
_SLUG = re.compile(r"[^a-z0-9]+")

Vectors = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class Topic:
    """A cluster of similar verbatims."""

    name: str
    """Its most distinctive terms, joined by " / " ("" when none is distinctive)."""
    words: tuple[str, ...]
    size: int
    mean_effort_index: float
    texts: tuple[str, ...]
    """Up to three representative comments: the closest to the topic's centre."""
    tag_key: str
    """A suggested tag key for it (``[a-z][a-z0-9_]*``, at most 40 characters)."""
    members: tuple[int, ...]
    """Indices of its comments in the given texts, in order."""

    @property
    def impact(self) -> float:
        """Size × mean effort index: what the topics are sorted by."""
        return self.size * self.mean_effort_index

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "words": list(self.words),
            "size": self.size,
            "mean_effort_index": self.mean_effort_index,
            "texts": list(self.texts),
            "tag_key": self.tag_key,
            "members": list(self.members),
        }


def slug(term: str, default: str = "topic") -> str:
    """A tag key from a term: ascii, ``[a-z][a-z0-9_]*``, at most 40 characters.

    >>> slug("Carte refusée"), slug("3D Secure"), slug("!!")
    ('carte_refusee', 't_3d_secure', 'topic')
    """
    s = _SLUG.sub("_", normalize(term).encode("ascii", "ignore").decode()).strip("_")
    if not s:
        return default
    if not s[0].isalpha():
        s = "t_" + s
    return s[:KEY_MAX].rstrip("_")


def _terms(text: str, stop: frozenset[str]) -> list[tuple[str, str]]:
    """``(key, surface)`` of each distinct term of ``text``: words and word pairs.

    A pair is two content words next to each other, or with one stop word
    between them (« mot de passe », « temps d'attente »), within a clause:
    punctuation breaks pairs. Keys are normalised content words (what
    matches), surfaces the lower-cased text as written (what is shown).
    """
    out: dict[str, str] = {}
    for clause in _CLAUSE.split(text.lower()):
        words = [(normalize(m.group()), m) for m in _WORD.finditer(clause)]
        kept = [len(k) >= 2 and k not in stop for k, _ in words]
        for i, (key, m) in enumerate(words):
            if not kept[i]:
                continue
            out.setdefault(key, m.group())
            for j in (i + 1, i + 2):  # the next word, or the one after a stop word
                if j >= len(words):
                    break
                if kept[j]:
                    other, end = words[j]
                    surface = " ".join(clause[m.start() : end.end()].split())
                    out.setdefault(f"{key} {other}", surface)
                    break
    return list(out.items())


def _name(
    members: Sequence[int],
    doc_terms: Sequence[list[tuple[str, str]]],
    df: Counter[str],
    n_docs: int,
) -> list[tuple[str, str]]:
    """The cluster's top terms ``(key, surface)`` by class-based TF-IDF.

    A term must be in two of the cluster's comments at least and in fewer
    than all given comments (its weight is then positive); no content word
    is used twice.
    """
    tf: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = {}
    for i in members:
        for key, surface in doc_terms[i]:
            tf[key] += 1
            shown.setdefault(key, Counter())[surface] += 1
    size = len(members)
    weight = {k: (c / size) * math.log(n_docs / df[k]) for k, c in tf.items() if c >= 2}
    # What nearly every comment of the topic says comes first (when two groups of one
    # complaint were merged, their shared word is rarer in each than their own wording);
    # on equal weights a pair of words says more than either word alone.
    ranked = sorted(
        (k for k, w in weight.items() if w > 0),
        key=lambda k: (-(tf[k] >= SHARED_BY * size), -weight[k], -k.count(" "), k),
    )
    chosen: list[str] = []
    used: set[str] = set()
    for key in ranked:
        parts = set(key.split())
        if parts & used:
            continue
        chosen.append(key)
        used |= parts
        if len(chosen) == NAME_WORDS:
            break
    # Shown as most often written; ties to the first in alphabetical order.
    return [(k, min(shown[k].items(), key=lambda kv: (-kv[1], kv[0]))[0]) for k in chosen]


def _representatives(members: Sequence[int], x: Vectors, texts: Sequence[str]) -> tuple[str, ...]:
    centre = x[list(members)].mean(axis=0)
    norm = float(np.linalg.norm(centre))
    if norm > 0:
        centre = centre / norm
    sims = x[list(members)] @ centre
    order = sorted(range(len(members)), key=lambda j: (-float(sims[j]), members[j]))
    out: list[str] = []
    seen: set[str] = set()
    for j in order:
        text = texts[members[j]]
        key = same_text_key(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(text)
        if len(out) == REPRESENTATIVES:
            break
    return tuple(out)


def _clusters(hdbscan: Any, x: Vectors, min_size: int, *, single: bool) -> dict[int, list[int]]:
    """Members of each HDBSCAN cluster of ``x``; noise and groups under ``min_size`` left out."""
    labels = hdbscan(
        min_cluster_size=min_size, metric="euclidean", copy=False, allow_single_cluster=single
    ).fit_predict(x)
    clusters: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        if label >= 0:
            clusters.setdefault(int(label), []).append(i)
    return {k: v for k, v in clusters.items() if len(v) >= min_size}


def _spread(x: Vectors) -> float:
    """Root mean squared distance between two distinct rows of ``x``: O(n), no n × n matrix."""
    n = len(x)
    if n < 2:
        return 0.0
    # The sum over all ordered pairs of |a - b|² is 2n Σ|a|² - 2|Σa|².
    total = 2 * n * float(np.sum(x * x)) - 2 * float(np.sum(x.sum(axis=0) ** 2))
    return math.sqrt(max(total, 0.0) / (n * (n - 1)))


def _merge_close(x: Vectors, clusters: dict[int, list[int]]) -> dict[int, list[int]]:
    """Clusters joined (transitively) when they are closer than :data:`MERGE_CLOSER`."""
    keys = sorted(clusters)
    if len(keys) < 2:
        return clusters
    limit = MERGE_CLOSER * _spread(x)
    # On unit vectors the mean squared distance between two groups is 2 − 2 ā·b̄.
    means = {k: x[clusters[k]].mean(axis=0) for k in keys}
    parent = {k: k for k in keys}

    def root(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if math.sqrt(max(2 - 2 * float(means[a] @ means[b]), 0.0)) <= limit:
                parent[max(root(a), root(b))] = min(root(a), root(b))
    out: dict[int, list[int]] = {}
    for k in keys:
        out.setdefault(root(k), []).extend(clusters[k])
    return {k: sorted(v) for k, v in out.items()}


def find_topics(
    texts: Sequence[str],
    embeddings: Vectors,
    efforts: Sequence[float],
    min_cluster_size: int = 5,
    lang: str = "fr",
) -> list[Topic]:
    """Topics among ``texts`` (one embedding row and one effort index each).

    Sorted by size × mean effort index, largest first (then by size, then by
    first member). Comments in no dense group (noise) belong to no topic.
    Deterministic: the same input gives the same topics in the same order.
    """
    if lang not in STOP_WORDS:
        raise ValueError(f"unsupported language {lang!r}; allowed: {', '.join(STOP_WORDS)}")
    if min_cluster_size < 2:
        raise ValueError("min_cluster_size must be at least 2")
    x = np.array(embeddings, dtype=np.float64)
    n = len(texts)
    if x.ndim != 2 or x.shape[0] != n or len(efforts) != n:
        raise ValueError(
            f"expected one embedding row and one effort per text ({n} texts, "
            f"embeddings {x.shape}, {len(efforts)} efforts)"
        )
    if n < min_cluster_size:
        return []
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)

    # Imported when clustering only (it is heavy); through importlib because
    # scikit-learn ships no type information.
    hdbscan = importlib.import_module("sklearn.cluster").HDBSCAN
    clusters = _clusters(hdbscan, x, min_cluster_size, single=False)
    if not clusters:
        # HDBSCAN never selects the root of its tree: when the comments hold one
        # dense group only (one new complaint amid scattered ones), the group is
        # what is left of the root as the others fall away, and nothing would be
        # found. Allowed a single cluster, it keeps that group; but noise has such
        # a remnant too, so the group must be much tighter than the comments at large.
        single = _clusters(hdbscan, x, min_cluster_size, single=True)
        clusters = {k: v for k, v in single.items() if _spread(x[v]) <= SINGLE_TIGHTER * _spread(x)}
    if not clusters:
        return []
    clusters = _merge_close(x, clusters)
    stop = STOP_WORDS[lang]
    doc_terms = [_terms(t, stop) for t in texts]
    df: Counter[str] = Counter(key for terms in doc_terms for key, _ in terms)
    topics = []
    for members in clusters.values():
        terms = _name(members, doc_terms, df, n)
        words = tuple(surface for _, surface in terms)
        topics.append(
            Topic(
                name=" / ".join(words),
                words=words,
                size=len(members),
                mean_effort_index=float(np.mean([efforts[i] for i in members])),
                texts=_representatives(members, x, texts),
                tag_key=slug(terms[0][0]) if terms else "topic",
                members=tuple(members),
            )
        )
    topics.sort(key=lambda t: (-t.impact, -t.size, t.members[0]))
    return topics

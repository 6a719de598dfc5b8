"""The tagger's settings (hyper-parameters and the rules of praise and negation)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaggerConfig:
    """Hyper-parameters, fixed on Banking77's development split and the French development
    files (see bench/README.md)."""

    c: float = 16.0
    knn_k: int = 5
    knn_weight: float = 0.35
    seed_weight: float = 0.05
    default_threshold: float = 0.5
    min_threshold: float = 0.25
    max_threshold: float = 0.75
    cv_folds: int = 4
    cv_min_positives: int = 6
    threshold_prior: float = 64.0
    """Examples of a tag that weigh as much as the default threshold."""
    second_margin: float = 0.15
    """A second or third model tag must score within this of the first (most
    verbatims carry one friction; a weak second guess is more often wrong)."""
    use_rules: bool = True
    rule_boost: float = 0.5
    """How far a keyword match lowers a tag's threshold when the tag has no examples."""
    rule_half_life: float = 8.0
    """Examples of a tag after which a keyword match counts half as much: rules
    matter while a tag is learnt from its own phrases, the model once it has data."""
    unseen_margin: float = 0.35
    """Extra threshold for a tag known only from its own phrases (no example yet):
    without examples the sentence model is a weak judge of real French comments
    (bench/README.md), so it adds a tag alone only when very sure (0.85) and the
    keyword rules, read in the light of praise and negation, do most of the work."""
    center: bool = True
    """Centre embeddings on the mean of the taxonomy's phrases."""
    context_k: int = 10
    """Nearest neighbours looked at among the other texts of the batch and the
    context (0 = each text on its own)."""
    context_weight: float = 0.7
    """Share of a text's score that its neighbours give when all ``context_k`` count."""
    context_min_sim: float = 0.45
    """Centred cosine a neighbour needs to count: only texts that say the same thing."""
    context_half_life: float = 100.0
    """Examples of a tag after which its neighbours count half as much: they help a
    tag learnt from few examples, and blur one learnt from hundreds."""
    rules_need_complaint: bool = True
    """A keyword names a topic; for a default tag with no example yet it counts only
    in a text with a complaint cue ("paiement en un clic" names payment and reports no
    problem)."""
    praise: bool = True
    """A text that is praise or a negated problem, with no complaint cue, gets no
    tag (:mod:`fluide.tagging.polarity`)."""

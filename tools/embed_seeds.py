"""Re-embed the default taxonomy's phrases into src/fluide/tagging/seed_vectors.npz.

Run after editing default_tags.py or default_phrases.py:
    .venv/bin/python tools/embed_seeds.py
"""

from __future__ import annotations

from fluide.domain.taxonomy import DEFAULT_TAXONOMY
from fluide.tagging import seeds
from fluide.tagging.embed import E5Embedder


def main() -> None:
    texts = sorted({e.text for e in DEFAULT_TAXONOMY.seed_examples()})
    vectors = E5Embedder().embed(texts)
    seeds.save(texts, vectors)
    print(f"{len(texts)} phrases -> {seeds.STORE}")


if __name__ == "__main__":
    main()

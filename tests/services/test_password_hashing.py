"""Passwords are hashed with Argon2id at RFC 9106's low-memory parameters.

The rest of the suite hashes at the lowest cost (``tests/conftest.py``); this
test holds the hasher Fluide really uses to its parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from fluide.services import accounts


def test_fluide_hashes_with_argon2id_at_rfc_9106_low_memory_cost(
    production_hasher: PasswordHasher,
) -> None:
    assert production_hasher.type is Type.ID
    assert (
        production_hasher.time_cost,
        production_hasher.memory_cost,
        production_hasher.parallelism,
    ) == (
        RFC_9106_LOW_MEMORY.time_cost,
        RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    )
    assert production_hasher.hash("un mot de passe").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_made_at_the_full_cost_still_verifies(production_hasher: PasswordHasher) -> None:
    stored = production_hasher.hash("un mot de passe")
    assert accounts._verify(stored, "un mot de passe")
    assert not accounts._verify(stored, "un autre")

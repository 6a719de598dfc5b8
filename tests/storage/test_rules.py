"""The per-process cache of touchpoint rules: bounded, newest version wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fluide.storage.rules import Rules, RulesCache


def test_an_entry_answers_only_for_its_version() -> None:
    cache = RulesCache()
    cache.put("ws1", Rules(3, ()))
    assert cache.get("ws1", 3) == Rules(3, ())
    assert cache.get("ws1", 4) is None and cache.get("ws2", 3) is None


def test_older_rules_never_replace_newer_ones() -> None:
    cache = RulesCache()
    cache.put("ws1", Rules(5, ()))
    cache.put("ws1", Rules(4, ()))  # loaded by a slower request
    assert cache.get("ws1", 5) is not None and cache.get("ws1", 4) is None


def test_the_least_recently_used_workspace_is_dropped_past_the_size() -> None:
    cache = RulesCache(size=2)
    cache.put("a", Rules(1, ()))
    cache.put("b", Rules(1, ()))
    assert cache.get("a", 1) is not None  # "a" is now the most recent
    cache.put("c", Rules(1, ()))
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) is not None and cache.get("c", 1) is not None


def test_forget_drops_the_workspaces_named() -> None:
    cache = RulesCache()
    cache.put("a", Rules(1, ()))
    cache.put("b", Rules(1, ()))
    cache.forget(["a"])
    assert cache.get("a", 1) is None and cache.get("b", 1) is not None


def test_threads_sharing_the_cache_keep_it_within_its_size() -> None:
    cache = RulesCache(size=50)

    def work(i: int) -> None:
        for j in range(200):
            cache.put(f"ws{(i * 200 + j) % 120}", Rules(j, ()))
            cache.get(f"ws{j % 120}", j)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    assert len(cache._entries) <= 50

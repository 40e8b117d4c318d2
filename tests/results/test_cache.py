"""The rendered-bytes cache is bounded by bytes and drops the least recently used first."""

from __future__ import annotations

import pytest

from mock_server.results.cache import ByteLRU


def test_least_recently_used_entries_go_first() -> None:
    cache = ByteLRU(10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # now "b" is the oldest
    cache.put("c", b"cccc")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"aaaa", None, b"cccc")
    assert cache.size == 8 and len(cache) == 2


def test_size_never_exceeds_the_budget() -> None:
    cache = ByteLRU(1000)
    for i in range(200):
        cache.put(i, bytes(i * 7 % 300))
        assert cache.size <= 1000
    assert cache.size == sum(len(cache.get(k) or b"") for k in range(200) if cache.get(k))


def test_a_value_larger_than_the_budget_is_not_kept() -> None:
    cache = ByteLRU(10)
    cache.put("small", b"12345")
    cache.put("big", bytes(11))
    assert cache.get("big") is None and cache.get("small") == b"12345"


def test_replacing_a_key_counts_its_new_size_only() -> None:
    cache = ByteLRU(10)
    cache.put("a", b"123456")
    cache.put("a", b"12")
    assert cache.size == 2 and len(cache) == 1


def test_clear_empties_it() -> None:
    cache = ByteLRU(10)
    cache.put("a", b"1")
    cache.clear()
    assert cache.size == 0 and cache.get("a") is None


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="budget"):
        ByteLRU(-1)

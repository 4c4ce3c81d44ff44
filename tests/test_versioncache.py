"""indexer.versioncache: one cache per index version, its answers bounded."""

import threading

import pytest

from indexer.versioncache import VersionCache


def test_a_value_is_made_once_per_version():
    cache = VersionCache()
    made = []

    def make():
        made.append(1)
        return len(made)

    assert cache.value("v1", "columns", make) == 1
    assert cache.value("v1", "columns", make) == 1
    assert cache.value("v2", "columns", make) == 2  # a new version makes it again
    assert len(made) == 2


def test_a_new_version_drops_every_answer_and_value_of_the_old_one():
    cache = VersionCache()
    cache.remember("v1", "search", "oil", "old results")
    cache.value("v1", "hidden", lambda: {1, 2})
    assert cache.answer("v1", "search", "oil") == "old results"
    assert cache.answer("v2", "search", "oil") is None
    assert cache.value("v2", "hidden", lambda: {3}) == {3}
    assert cache.answer("v1", "search", "oil") is None  # gone for good, not kept beside v2


def test_an_answer_for_a_version_no_longer_current_is_not_kept():
    cache = VersionCache()
    cache.answer("v2", "search", "x")  # v2 seen: a searcher behind it still answers for v1
    cache.remember("v1", "search", "oil", "stale")
    assert cache.answer("v2", "search", "oil") is None


def test_answers_are_bounded_per_kind_oldest_first():
    cache = VersionCache(max_requests=2)
    for q in ("a", "b", "c"):
        cache.remember("v", "search", q, q.upper())
    cache.remember("v", "timeline", "a", "timeline of a")
    assert [cache.answer("v", "search", q) for q in "abc"] == [None, "B", "C"]
    assert cache.answer("v", "timeline", "a") == "timeline of a"


def test_no_answers_kept_at_size_zero_but_values_are():
    cache = VersionCache(max_requests=0)
    cache.remember("v", "search", "oil", "results")
    assert cache.answer("v", "search", "oil") is None
    assert cache.value("v", "columns", lambda: "cols") == "cols"
    assert cache.value("v", "columns", lambda: "other") == "cols"


def test_negative_size_is_refused():
    with pytest.raises(ValueError, match="0 or more"):
        VersionCache(max_requests=-1)


def test_threads_share_one_value():
    cache = VersionCache()
    seen = []
    start = threading.Barrier(8)

    def work():
        start.wait()
        seen.append(cache.value("v", "columns", object))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(v) for v in seen}) == 1  # made perhaps more than once, one kept and shared

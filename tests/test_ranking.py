"""indexer.ranking: the levers, and ranking stages that reorder matches without adding any."""

import dataclasses

import pytest

from indexer.ranking import DEFAULT_RANKING, count_weight
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch


@pytest.mark.parametrize(
    "times, k3, weight",
    [(1, 8.0, 1.0), (2, 8.0, 1.8), (3, None, 3.0), (2, 1.0, 4 / 3), (1, None, 1.0)],
)
def test_count_weight_saturates_like_bm25_k3(times, k3, weight):
    assert count_weight(times, k3) == pytest.approx(weight)


STAGES = {
    "plain": dataclasses.replace(DEFAULT_RANKING, feedback_docs=0, proximity=0.0),
    "feedback": dataclasses.replace(DEFAULT_RANKING, feedback_docs=3),
    "proximity": dataclasses.replace(DEFAULT_RANKING, feedback_docs=0, proximity=0.3),
    "both": dataclasses.replace(DEFAULT_RANKING, feedback_docs=3, proximity=0.3),
}


@pytest.fixture(scope="module")
def backends(index_dir):
    opened = {name: WhooshSearch(index_dir, ranking=ranking) for name, ranking in STAGES.items()}
    yield opened
    for backend in opened.values():
        backend.close()


@pytest.mark.parametrize("q", ["monsoon rainfall", "defence innovation partnership", "government poll dates"])
def test_ranking_stages_reorder_matches_and_add_none(backends, q):
    plain = backends["plain"].search(SearchRequest(q, pagelen=100))
    for name in ("feedback", "proximity", "both"):
        staged = backends[name].search(SearchRequest(q, pagelen=100))
        assert staged.total == plain.total, name
        assert {h.id for h in staged.hits} == {h.id for h in plain.hits}, name
        # snippets mark the query's words, never the words feedback added
        assert {h.snippet for h in staged.hits} == {h.snippet for h in plain.hits}, name

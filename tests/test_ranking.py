"""indexer.ranking: the levers, and ranking stages that reorder matches without adding any."""

import dataclasses

import pytest
from whoosh import query

from indexer.index import build_index
from indexer.ranking import DEFAULT_RANKING, content_words, count_weight
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.story import Story


@pytest.mark.parametrize(
    "times, k3, weight",
    [(1, 8.0, 1.0), (2, 8.0, 1.8), (3, None, 3.0), (2, 1.0, 4 / 3), (1, None, 1.0)],
)
def test_count_weight_saturates_like_bm25_k3(times, k3, weight):
    assert count_weight(times, k3) == pytest.approx(weight)


STAGES = {
    "plain": dataclasses.replace(DEFAULT_RANKING, feedback_docs=0, proximity=0.0),
    "feedback": dataclasses.replace(DEFAULT_RANKING, feedback_docs=3, feedback_min_words=0),
    "proximity": dataclasses.replace(DEFAULT_RANKING, feedback_docs=0, proximity=0.3),
    "both": dataclasses.replace(DEFAULT_RANKING, feedback_docs=3, feedback_min_words=0, proximity=0.3),
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


def test_content_words_counts_distinct_ranked_words_not_filters():
    lake = query.Or([query.Term("title", "lake"), query.Term("body", "lake")])
    water = query.Or([query.Term("title", "water"), query.Term("body", "water")])
    assert content_words(lake) == 1
    assert content_words(query.And([lake, water, query.Term("agency", "pti")])) == 2
    assert content_words(query.Phrase("body", ["lake", "water", "lake"])) == 2


# Three stories share words the query lacks (glacier runoff meltwater); "fed-e" says what
# "plain-d" says plus those words, so only feedback puts it above "plain-d".
FEEDBACK_WORDS = "glacier runoff meltwater"
SAME = "The lake water level is rising in the alpine valley, officials said."


def feedback_stories() -> list[Story]:
    topics = ["markets", "football", "election", "parliament", "cricket", "budget", "railway", "harvest"]
    stories = [
        Story(id=f"other-{i}", title=f"{t.title()} {i}", body=f"On {t}, item {i}. " * 3)
        for i, t in ((i, topics[i % 8]) for i in range(40))
    ]
    top = f"The lake water level is rising in the alpine valley. {FEEDBACK_WORDS}. Lake water."
    title = "Lake water level rising in alpine valley"
    stories += [Story(id=f"top-{k}", title=title, body=top) for k in "abc"]
    stories.append(Story(id="plain-d", title="Report", body=SAME))
    stories.append(Story(id="fed-e", title="Report", body=f"{SAME} {FEEDBACK_WORDS}, {FEEDBACK_WORDS}."))
    return stories


@pytest.fixture(scope="module")
def feedback_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feedback") / "index"
    stories = feedback_stories()
    build_index(folder, stories, expected=len(stories))
    return folder


@pytest.mark.parametrize(
    "q, uses",
    [
        ("lake water", False),
        ("what is the lake water level", False),  # stop words do not count: 3 words
        ("what is the lake water level in the valley", True),
        ("lake water level rising alpine valley", True),
        ("LAKE WATER LEVEL RISING IN THE ALPINE VALLEY", True),
    ],
)
def test_feedback_only_for_queries_with_enough_content_words(feedback_index, q, uses):
    rankings = {
        "off": dataclasses.replace(DEFAULT_RANKING, feedback_docs=0),
        "always": dataclasses.replace(DEFAULT_RANKING, feedback_min_words=0),
        "from 4": dataclasses.replace(DEFAULT_RANKING, feedback_min_words=4),
    }
    ranked = {}
    for name, ranking in rankings.items():
        backend = WhooshSearch(feedback_index, ranking=ranking)
        listed = backend.iter_hits(SearchRequest(q, collapse=False), 5, snippets=False)
        ranked[name] = [hit.id for hit in listed]
        backend.close()
    assert ranked["off"] != ranked["always"]  # the stage changes this query's order
    assert ranked["always"][3] == "fed-e"
    assert ranked["from 4"] == (ranked["always"] if uses else ranked["off"])

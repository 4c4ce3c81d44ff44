"""indexer.fastscore: the numpy scorer gives Whoosh's own hits, scores and tie order."""

import datetime as dt
import random
from contextlib import closing

import pytest
from whoosh import query

from indexer.fastscore import PostingArrays, fast_search, plain_terms
from indexer.index import add_to_index, build_index, index_lock
from indexer.patches import search_until
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.story import Story

WORDS = "oil wheat bank rate crude prices gold coffee tariffs japan export profit net central".split()


def story(n: int, rng: random.Random) -> Story:
    # few words and repeated titles: many stories tie on their score
    title = " ".join(rng.sample(WORDS, 2))
    body = " ".join(rng.choice(WORDS + ["the", "said", "market"]) for _ in range(rng.randint(3, 40)))
    return Story(
        id=f"t-{n}",
        title=title.upper(),
        body=body,
        date=dt.date(1987, 1, 1) + dt.timedelta(days=n % 300),
        agency=rng.choice(["Reuters", "PTI"]),
        place=rng.choice(["LONDON", "TOKYO", ""]),
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Two segments and deleted documents: a build, then stories added and replaced.

    Whoosh sums an Or of more than two clauses through a tree in a segment of more
    than 5,000 documents, through arrays in a smaller one: the index has both.
    """
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("fastscore") / "index"
    build_index(folder, [story(n, rng) for n in range(5100)])
    with index_lock(folder):
        add_to_index(folder, [story(n, rng) for n in range(5090, 5130)])  # 10 replaced, 30 new
    return folder


QUERIES = [
    *("oil", "wheat bank", "crude oil prices", "oil oil gold", "title:gold", "coffee OR tariffs", "japan"),
    *("the", "nosuchword", "oil nosuchword", '"crude oil"', "gold -oil", "prof*", "oil agency:pti"),
]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize(
    "options",
    [
        *({}, {"pagelen": 50}, {"page": 2, "pagelen": 7}, {"collapse": False, "pagelen": 100}),
        *(
            {"date_from": dt.date(1987, 3, 1), "date_to": dt.date(1987, 5, 1)},
            {"agency": ("PTI",), "facets": True},
        ),
    ],
)
def test_search_results_are_whooshs_bit_for_bit(index, text, options):
    assert_same_answer(index, SearchRequest(text, **options))


def assert_same_answer(index, request: SearchRequest):  # type: ignore[no-untyped-def]
    """The numpy path's answer is the Whoosh path's: total, hits, scores with ==, snippets, facets."""
    with (
        closing(WhooshSearch(index, result_cache_size=0, fast_scoring=False)) as whoosh_path,
        closing(WhooshSearch(index, result_cache_size=0)) as fast_path,
    ):
        before, now = whoosh_path.search(request), fast_path.search(request)
    assert now.total == before.total
    assert [(h.id, h.score, h.snippet) for h in now.hits] == [(h.id, h.score, h.snippet) for h in before.hits]
    assert now.facets == before.facets
    return now


@pytest.mark.parametrize("limit", [1, 5, 10, 33, 1000])
def test_top_n_equals_whooshs_collector(index, limit):
    """Scores equal bit for bit, ties in document order, filter and mask applied."""
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        assert len(list(s.leaf_searchers())) > 1 and s.reader().has_deletions()
        words = [query.Term("title", "oil"), query.Term("body", "oil", boost=1.8), query.Term("body", "gold")]
        q = query.Or(words)
        allowed = set(range(0, s.doc_count_all(), 3))
        for filt, mask in [(None, set()), (allowed, {3, 6, 9}), (None, set(range(50)))]:
            fast = fast_search(s, q, limit, filt, mask, PostingArrays())
            whoosh = search_until(s, q, seconds=None, limit=limit, filter=filt, mask=mask)
            assert fast is not None
            assert fast.top_n == whoosh.top_n
            if limit == 1000:  # the stories tie: the order among equal scores was tested
                assert any(a[0] == b[0] for a, b in zip(fast.top_n, fast.top_n[1:], strict=False))


def test_only_ors_of_words_and_phrases_take_the_fast_path():
    word = query.Or([query.Term("title", "oil"), query.Term("body", "oil", boost=2.0)])
    assert plain_terms(word) == [
        (query.Term("title", "oil"), 1.0),
        (query.Term("body", "oil", boost=2.0), 2.0),
    ]
    phrase = query.Phrase("body", ["crude", "oil"])
    assert plain_terms(phrase) == [(phrase, 1.0)]  # exact phrases: phrases.py
    assert plain_terms(query.Phrase("body", ["crude", "oil"], slop=3)) is None
    assert plain_terms(query.And([query.Term("body", "a"), query.Term("body", "b")])) is None
    assert plain_terms(query.Prefix("body", "oi")) is None
    assert plain_terms(query.Term("agency", "pti")) is None


def test_a_filter_nothing_passes_shows_no_hits(index):
    """Whoosh reads filter=set() as no filter: hits came back with a total of 0."""
    request = SearchRequest("oil", date_from=dt.date(1999, 1, 1))
    for fast in (True, False):
        with closing(WhooshSearch(index, result_cache_size=0, fast_scoring=fast)) as backend:
            found = backend.search(request)
        assert (found.total, found.hits) == (0, [])

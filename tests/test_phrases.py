"""indexer.phrases: exact phrases matched on arrays give Whoosh's own stories, scores and order."""

import random
from contextlib import closing

import pytest
from whoosh import query
from whoosh.highlight import Highlighter

from indexer.docsets import match_set
from indexer.fastscore import PostingArrays
from indexer.index import add_to_index, build_index, index_lock
from indexer.patches import posting_positions
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.storedfields import stored
from indexer.story import Story
from tests.test_build_path import chain_occurrences  # Whoosh's filter chain, token by token
from tests.test_fastscore import assert_same_answer, story  # random stories of few words: many ties

# Stories where the words of "crude oil" stand apart, reversed, or side by side.
NEAR_MISSES = {
    "apart": "crude prices and oil",
    "reversed": "oil crude",
    "across": "the crude. oil",  # punctuation does not stop a phrase: Whoosh counts positions only
    "adjacent": "gold crude oil",
    "twice": "crude crude oil oil",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Two segments, deleted documents, more than 5,000 documents (Whoosh's Or tree)."""
    rng = random.Random(11)
    folder = tmp_path_factory.mktemp("phrases") / "index"
    made = [Story(id=f"near-{k}", title="NOTE", body=body) for k, body in NEAR_MISSES.items()]
    build_index(folder, made + [story(n, rng) for n in range(5100)])
    with index_lock(folder):
        add_to_index(folder, [story(n, rng) for n in range(5080, 5130)])  # 20 replaced, 30 new
    return folder


PHRASES = [
    ("body", ["crude", "oil"]),
    ("body", ["oil", "crude"]),
    ("body", ["crude", "crude"]),
    ("body", ["gold", "crude", "oil"]),
    ("body", ["bank", "rate", "bank", "rate"]),
    ("body", ["oil", "nosuchword"]),
    ("title", ["oil", "wheat"]),
    ("body", ["japan", "export", "central"]),
]


@pytest.mark.parametrize(("fieldname", "words"), PHRASES)
def test_phrase_stories_are_whooshs(index, fieldname, words):
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        assert len(list(s.leaf_searchers())) > 1 and s.reader().has_deletions()
        q = query.Phrase(fieldname, words)
        expected = set(s.docs_for_query(q))
        assert match_set(s, q, arrays=PostingArrays()) == expected
        if words[0] != "oil" or words[1] != "nosuchword":
            assert expected  # the case tests something


def test_words_apart_or_reversed_are_no_phrase(index):
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        found = backend.iter_hits(SearchRequest('"crude oil"', collapse=False), 10_000, snippets=False)
        ids = {hit.id for hit in found}
    assert {"near-adjacent", "near-twice", "near-across"} <= ids
    assert not {"near-apart", "near-reversed"} & ids


def test_positions_are_whooshs(index):
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        rng = random.Random(3)
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            for word in (b"oil", b"crude", b"central"):
                docs = sorted(rng.sample(list(reader.postings("body", word).all_ids()), 5))
                owners, positions = posting_positions(reader.postings("body", word), docs)
                m, expected = reader.postings("body", word), []
                for d in docs:
                    m.skip_to(d)
                    expected.extend((d, p) for p in m.value_as("positions"))
                assert list(zip(owners.tolist(), positions.tolist(), strict=True)) == expected


QUERIES = [
    *('"crude oil"', '"crude oil" gold', '"gold crude oil" OR japan', 'title:"oil wheat" bank'),
    '"oil crude"',
    '"oil nosuchword" gold',  # a phrase word no segment has
]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize(
    "options",
    [{}, {"pagelen": 100}, {"page": 3, "pagelen": 7}, {"agency": ("PTI",), "facets": True, "pagelen": 40}],
)
def test_phrase_search_results_are_whooshs_bit_for_bit(index, text, options):
    """Totals, hits, scores with ==, ties at the cut in Whoosh's order (few words: many ties)."""
    now = assert_same_answer(index, SearchRequest(text, **options))
    assert now.total > 0
    scores = [h.score for h in now.hits]
    if options.get("pagelen") == 100:
        assert len(set(scores)) < len(scores)  # ties among the hits shown


@pytest.mark.parametrize("text", ["oil", "crude oil gold", '"crude oil"', "japan OR export"])
def test_character_spans_for_snippets_are_the_analyzers(index, text):
    """patches._load_chars (the spans of the shown hits, from the stored text) against
    what Whoosh's analyzer chain gives each matched word of each hit when indexing."""
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        q = backend._plan(backend._pool.reading(), SearchRequest(text)).everything
        results = s.search(q, limit=None, terms=True)
        last_offset = list(s.leaf_searchers())[-1][1]
        assert max(d for _, d in results.top_n) >= last_offset  # hits in both segments
        for fieldname in ("body", "title"):
            field = s.schema[fieldname]
            words = {field.from_bytes(t) for f, t in results.matched_terms() if f == fieldname}
            Highlighter._load_chars(results, fieldname, words, field.to_bytes)
            cache = results._char_cache[fieldname]
            for _, docnum in results.top_n:
                chain = chain_occurrences(stored(s).of(docnum)[fieldname])
                matched = {w for w in words if docnum in results.termdocs[(fieldname, field.to_bytes(w))]}
                # (position, start, end) as Whoosh's highlighter reads them; it reads no position
                spans = {w: [(None, start, end) for _, start, end in chain[w]] for w in matched}
                assert cache[docnum] == spans
            assert any(cache[d] for _, d in results.top_n)

"""Match sets, facet counts and collapsing in numpy give what the Python loops gave."""

import datetime as dt
import random
from collections import Counter
from contextlib import closing

import pytest
from whoosh import query

from indexer.collapse import ClusterColumn, collapse_docs
from indexer.docsets import Columns, apply_filters, facet_counts, match_set
from indexer.facets import place_key, rank_counts
from indexer.fastscore import PostingArrays
from indexer.index import add_to_index, build_index, index_lock
from indexer.search import FACET_FIELDS, SearchRequest
from indexer.searching import WhooshSearch
from indexer.storedfields import stored
from tests.test_fastscore import story


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Two segments, deleted documents, syndicated copies (clusters with lead copies)."""
    rng = random.Random(5)
    stories = [story(n, rng) for n in range(600)]
    copies = [
        s.replace(id=f"{s.id}-copy{k}", agency=a) for s in stories[:80] for k, a in enumerate(["AP", "PTI"])
    ]
    folder = tmp_path_factory.mktemp("docsets") / "index"
    build_index(folder, stories + copies)
    with index_lock(folder):
        add_to_index(folder, [story(n, rng).replace(date=dt.date(1990, 1, 1)) for n in range(590, 640)])
    return folder


def reference_collapse(docs, col):
    """The Python loop collapse_docs replaced."""
    chosen: dict[str, int] = {}
    for d in sorted(docs):
        key = col.cluster[d] or f"#{d}"
        if key not in chosen or (col.lead[d] and not col.lead[chosen[key]]):
            chosen[key] = d
    return set(chosen.values())


def test_collapse_keeps_the_lead_copy_of_each_cluster(index):
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        col = ClusterColumn.read(backend.searcher().reader())
    # clusters of copies exist, some led by a later document
    assert max(col.copies(d) for d in range(len(col.cluster))) > 1
    every = range(len(col.cluster))
    rng = random.Random(2)
    for docs in (set(every), set(), *(set(rng.sample(every, k)) for k in (1, 50, 300, 700))):
        assert collapse_docs(docs, col) == reference_collapse(docs, col)


def reference_facets(docs, cols, request, limit=20):
    """The Counter over the matches facet_counts replaced."""
    facets = {}
    for name in FACET_FIELDS:
        base = apply_filters(docs, cols, request, skip=name) if request.filtered else docs
        counts = Counter(getattr(cols, name)[d] for d in base)
        counts.pop("", None)
        facets[name] = rank_counts(name, counts, getattr(request, name), limit)[0]
    return facets


@pytest.mark.parametrize(
    "options",
    [{}, {"agency": ("PTI",)}, {"place": ("london",)}, {"year": (1990,)}, {"date_from": dt.date(1987, 6, 1)}],
)
def test_facet_counts_are_the_counters(index, options):
    request = SearchRequest("oil OR gold", facets=True, **options)
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        cols = Columns.read(s.reader())
        docs = match_set(
            s, query.Or([query.Term("body", "oil"), query.Term("body", "gold")]), arrays=PostingArrays()
        )
    found = facet_counts(docs, cols, request)
    assert found == reference_facets(docs, cols, request)
    assert all(found[name] for name in FACET_FIELDS)


# One place written several ways, places sharing counts (ties at the cut), a place
# without letters (no grouping key) and none at all.
PLACE_FORMS = (
    ["NEW DELHI", "New Delhi", "New  Delhi."] + ["St. Louis", "ST LOUIS", "St Louis"] + ["Zürich", "ZURICH"]
    + [f"Town {chr(65 + k)}" for k in range(20)] + ["...", ""]
)  # fmt: skip


@pytest.fixture(scope="module")
def places_index(tmp_path_factory):
    rng = random.Random(11)
    stories = []
    for n in range(400):
        s = story(n, rng)
        stories.append(s.replace(place=PLACE_FORMS[min(int(rng.expovariate(0.15)), len(PLACE_FORMS) - 1)]))
    folder = tmp_path_factory.mktemp("places") / "index"
    build_index(folder, stories)
    return folder


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 20])
@pytest.mark.parametrize("chosen", [(), ("town t",), ("Nowhere",), ("st louis", "ZURICH")])
def test_place_counts_of_the_top_groups_are_the_counters(places_index, limit, chosen):
    request = SearchRequest("oil OR gold OR wheat", facets=True, facet_limit=limit, place=chosen)
    with closing(WhooshSearch(places_index, result_cache_size=0)) as backend:
        s = backend.searcher()
        cols = Columns.read(s.reader())
        docs = set(range(s.doc_count_all()))
    sizes: dict[str, int] = {}
    found = facet_counts(docs, cols, request, sizes)
    assert found["place"] == reference_facets(docs, cols, request, limit)["place"]
    groups = {place_key(p) for p in (cols.place[d] for d in apply_filters(docs, cols, request, "place")) if p}
    assert sizes["place"] == len(groups - {""}) > limit


def test_match_sets_from_arrays_are_whooshs(index):
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        for q in (
            query.Or(
                [
                    query.Term("body", "oil"),
                    query.Term("title", "gold"),
                    query.Phrase("body", ["crude", "oil"]),
                ]
            ),
            query.Or([query.Term("body", "nosuchword")]),
            query.And([query.Term("body", "oil"), query.Not(query.Term("body", "gold"))]),
        ):
            assert match_set(s, q, arrays=PostingArrays()) == set(s.docs_for_query(q)), q


def test_cluster_members_come_from_the_column_without_deleted_copies(index):
    with closing(WhooshSearch(index, result_cache_size=0)) as backend:
        s = backend.searcher()
        reader = s.reader()
        assert reader.has_deletions()  # replaced stories left deleted copies
        col = ClusterColumn.read(reader)
        records = stored(s)
        expected: dict[str, list[int]] = {}
        for d in range(s.doc_count_all()):
            if not reader.is_deleted(d) and col.cluster[d]:
                expected.setdefault(records.of(d)["cluster"], []).append(d)
        assert max(map(len, expected.values())) > 1
        assert {c: col.members(c) for c in expected} == expected
        assert col.members("no such cluster") == [] and col.members("") == []

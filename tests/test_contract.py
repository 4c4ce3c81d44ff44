"""One contract, two engines: the same corpus and queries on Whoosh and on Sphinx.

The corpus is the research test corpus, the real wire texts of tests/fixtures/stories
and two syndicated copies of the seed story. Totals, facet counts and timelines must
be equal; the top results must overlap (TOP_OVERLAP of the first TOP); snippets carry
no markup but <mark>; strange queries give a notice, never an exception.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.backends import BackendConfig, open_search, open_writer
from indexer.corpus import read_story
from indexer.search import SearchRequest
from indexer.sphinxdb import POINTER_SECONDS
from indexer.story import Story
from tests.conftest import SEED_STORY, backend_env, build_on, ensure_built, write_research_corpus

FIXTURE_STORIES = Path(__file__).parent / "fixtures" / "stories"
# The first TOP hits of the two engines share MEAN_OVERLAP of their stories on average
# over QUERIES: both rank by BM25 over title and body, but Whoosh with global statistics,
# tiers and feedback, Sphinx with per-shard statistics and its own BM25F (README,
# "Sphinx"). A word every story has once ("government") ranks near-ties differently.
TOP, MEAN_OVERLAP = 5, 0.6
QUERIES = (
    "government",
    "monsoon",
    "defence innovation",
    '"defence innovation"',
    "agency:pti government",
    "title:monsoon",
    "place:mumbai",
    "date:2024 government",
    "date:[2023-01-01 TO 2023-06-30] government",
    "railway OR cricket",
    "government NOT monsoon",
    "election commission",
    "INDUS-X",
    "steel",
    "heat*",
    "MONSOON AND GOVERNMENT",
    "what is the monsoon",
    '"monsoon rainfall" flooded',
)
STRANGE = (
    '"unclosed',
    "(((",
    "title:",
    "a*",
    "NOT",
    "foo:bar baz",
    "date:[x TO y]",
    "*",
    "]]",
    "😀",
    "\\'",
    "@title x",
)
TAG_RE = re.compile(r"</?([a-zA-Z]+)")
COPIES = ("Dawn", "The Tribune")


def contract_corpus(root: Path) -> Path:
    """The research corpus, the fixture stories, and the seed story carried by two more outlets."""
    write_research_corpus(root)
    for f in FIXTURE_STORIES.glob("*.txt"):
        shutil.copy(f, root / f"fixture-{f.name}")
    seed = SEED_STORY.read_text(encoding="utf-8")
    for n, source in enumerate(COPIES):
        copy = re.sub(r"^Agency: .*\n", "", seed, flags=re.MULTILINE).replace(
            "\n\n", f"\nSource: {source}\n\n", 1
        )
        (root / f"copy-{n}.txt").write_text(copy, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return contract_corpus(tmp_path_factory.mktemp("contract-corpus"))


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory, request) -> dict[str, tuple]:
    """{backend: (config, index folder)}, each built from the same corpus by ingest."""
    out = {"whoosh": (BackendConfig(), build_on(BackendConfig(), corpus, tmp_path_factory.mktemp("cw")))}
    config = request.getfixturevalue("sphinx_config")
    out["sphinx"] = (config, build_on(config, corpus, tmp_path_factory.mktemp("cs")))
    return out


@pytest.fixture(autouse=True)
def contract_corpus_on_sphinx(request, corpus: Path) -> None:
    """Every test here reads the contract corpus (another test may have left another)."""
    if "built" in request.fixturenames:
        config, index = request.getfixturevalue("built")["sphinx"]
        ensure_built(config, corpus, index)


@pytest.fixture(scope="module")
def engines(built):
    backends = {name: open_search(index, config) for name, (config, index) in built.items()}
    yield backends
    for b in backends.values():
        b.close()


def ids(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.id for h in results.hits]


@pytest.mark.parametrize("qstring", QUERIES)
def test_totals_facets_and_top_results_agree(engines, qstring):
    request = SearchRequest(qstring, facets=True, pagelen=TOP)
    w, s = engines["whoosh"].search(request), engines["sphinx"].search(request)
    assert w.total > 0, "a contract query must find something"
    assert (s.total, s.copies) == (w.total, w.copies)
    assert s.facets == w.facets and s.facet_sizes == w.facet_sizes
    assert len(s.hits) == len(w.hits)


def test_top_results_overlap(engines):
    shares = []
    for qstring in QUERIES:
        request = SearchRequest(qstring, pagelen=TOP)
        w, s = engines["whoosh"].search(request), engines["sphinx"].search(request)
        shares.append(len(set(ids(w)) & set(ids(s))) / max(1, min(TOP, w.total)))
    assert sum(shares) / len(shares) >= MEAN_OVERLAP, shares


@pytest.mark.parametrize("qstring", QUERIES[:6])
def test_every_copy_and_filters_agree(engines, qstring):
    for request in (
        SearchRequest(qstring, collapse=False, facets=True),
        SearchRequest(qstring, agency=("PTI",), facets=True),
        SearchRequest(qstring, place=("new delhi",), year=(2024,), facets=True),
    ):
        w, s = engines["whoosh"].search(request), engines["sphinx"].search(request)
        assert (s.total, s.facets) == (w.total, w.facets)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_sorts_agree(engines, sort):
    request = SearchRequest("government", sort=sort, pagelen=40)
    w, s = engines["whoosh"].search(request), engines["sphinx"].search(request)
    assert [h.date for h in s.hits] == [h.date for h in w.hits]


@pytest.mark.parametrize("name", ["whoosh", "sphinx"])
def test_snippets_carry_only_mark(engines, name):
    for qstring in ("hostile", "government", "alert", "script"):
        for hit in engines[name].search(SearchRequest(qstring, pagelen=50)).hits:
            assert {t.lower() for t in TAG_RE.findall(hit.snippet)} <= {"mark"}, hit.snippet
    marked = engines[name].marked_paragraphs("hostile-script", "hostile")
    assert marked and "<mark>hostile</mark>" in marked[0] and "&lt;img" in marked[0]
    assert {t for p in marked for t in TAG_RE.findall(p)} == {"mark"}


@pytest.mark.parametrize("name", ["whoosh", "sphinx"])
@pytest.mark.parametrize("qstring", STRANGE)
def test_strange_queries_give_an_answer(engines, name, qstring):
    results = engines[name].search(SearchRequest(qstring, facets=True))
    assert results.total >= 0


def test_collapsed_cluster_is_one_hit_carried_by_three(engines):
    found = {}
    for name, backend in engines.items():
        results = backend.search(SearchRequest('"INDUS-X summit"'))
        assert (results.total, results.copies) == (1, 3), name
        hit = results.hits[0]
        assert hit.copies == 3 and hit.cluster == hit.id, name
        found[name] = (hit.id, hit.outlets, [c.id for c in backend.story_copies(hit.id)])
    assert found["sphinx"] == found["whoosh"]


def test_timelines_agree(engines):
    for qstring in ("", "government", "defence"):
        request = SearchRequest(qstring, collapse=False)
        assert engines["sphinx"].timeline(request) == engines["whoosh"].timeline(request), qstring


def test_exports_agree(engines):
    for qstring, sort in (("", "oldest"), ("government", "newest")):
        request = SearchRequest(qstring, sort=sort, collapse=False)
        w = list(engines["whoosh"].iter_hits(request, 1000, body=True))
        s = list(engines["sphinx"].iter_hits(request, 1000, body=True))
        assert sorted(h.id for h in s) == sorted(h.id for h in w)
        assert [h.date for h in s] == [h.date for h in w]
        assert {h.id: h.body for h in s} == {h.id: h.body for h in w}


def test_stories_stats_and_related(engines):
    w, s = engines["whoosh"], engines["sphinx"]
    assert s.get_story("defence-expo") == w.get_story("defence-expo")
    assert s.get_story("no-such-story") is None
    assert s.stats().stories == w.stats().stories
    assert (s.stats().first_date, s.stats().last_date) == (w.stats().first_date, w.stats().last_date)
    assert sorted(s.stats().agencies, key=str) == sorted(w.stats().agencies, key=str)
    related = {h.id for h in s.more_like_this("defence-expo")}
    assert "defence-pact" in related and "defence-expo" not in related


def test_add_replace_delete_and_rebuild_swap(built, corpus):
    config, index = built["sphinx"]
    backend = open_search(index, config)
    try:
        ferries = backend.search(SearchRequest("ferry")).total
        writer = open_writer(index, config)
        story = Story("zanzibar-1", "Zanzibar ferry", "A ferry to Zanzibar sailed.", agency="AP")
        assert writer.add([story]) == 1
        assert backend.search(SearchRequest("ferry")).total == ferries + 1
        writer.add([story.replace(title="Zanzibar port", body="The Zanzibar port reopened.")])
        assert backend.get_story("zanzibar-1").title == "Zanzibar port"  # type: ignore[union-attr]
        assert backend.search(SearchRequest("ferry")).total == ferries
        assert ids(backend.search(SearchRequest("port"))) == ["zanzibar-1"]
        assert writer.delete(["zanzibar-1"]) == 1
        assert backend.get_story("zanzibar-1") is None
        # a rebuild fills the other generation; searches see the old one until the swap
        writer.add([story])
        live = backend.pointer.read(fresh=True)  # type: ignore[attr-defined]
        with backend_env(config):
            from indexer.ingest import reindex

            reindex(corpus, index)
        assert backend.pointer.read(fresh=True) != live  # type: ignore[attr-defined]
        assert backend.get_story("zanzibar-1") is None  # not in the corpus: gone after the rebuild
        writer.close()
    finally:
        backend.close()


def test_searches_during_a_rebuild_see_the_old_generation(built, corpus):
    config, index = built["sphinx"]
    backend = open_search(index, config)
    halfway, resume = threading.Event(), threading.Event()
    stories = [read_story(corpus, p) for p in sorted(corpus.glob("*.txt"))]

    def slow() -> Iterator[Story]:
        yield from stories[:5]
        halfway.set()
        resume.wait(30)
        yield from stories[5:]

    before = backend.search(SearchRequest("government")).total
    writer = open_writer(index, config)
    build = threading.Thread(target=writer.build, args=(slow(),))
    build.start()
    try:
        assert halfway.wait(30)
        time.sleep(POINTER_SECONDS)  # the pointer a searcher read would have expired
        assert backend.search(SearchRequest("government")).total == before
    finally:
        resume.set()
        build.join(30)
        writer.close()
    time.sleep(POINTER_SECONDS)
    assert backend.search(SearchRequest("government")).total == before  # the same corpus again
    backend.close()


def test_web_ui_answers_alike(any_app):
    """The same pages and JSON from the web UI over either backend (BACKEND setting)."""
    client = any_app.test_client()
    page = client.get("/search?q=government&agency=PTI")
    assert page.status_code == 200 and b'class="hit' in page.data
    api = client.get("/api/search?q=defence").get_json()
    assert api["total"] == 3 and {r["id"] for r in api["results"]} >= {"defence-expo", "defence-pact"}
    story = client.get("/story/defence-expo?q=defence")
    assert story.status_code == 200 and b"<mark>Defence</mark>" in story.data
    assert client.get("/search?q=%22unclosed").status_code == 200
    if any_app.config["BACKEND"] == "sphinx":  # no suggester: the page says so
        assert b"Spelling suggestions are not available" in client.get("/search?q=monsoom").data
    assert client.get("/story/no-such-story").status_code == 404


def test_a_shard_down_gives_partial_results_with_a_notice(sphinx_config, corpus_dir, tmp_path):
    """Servers of its own (one shard is stopped): the others answer, and the search says so."""
    from tests import sphinxd

    if not sphinxd.has_searchd():
        pytest.skip("needs searchd to start servers of its own")
    servers = sphinxd.start_servers(tmp_path / "sphinxd")
    try:
        config = BackendConfig("sphinx", servers.search, ",".join(servers.shards))
        index = build_on(config, corpus_dir, tmp_path / "index")
        backend = open_search(index, config)
        whole = backend.search(SearchRequest("government"))
        assert whole.notice is None
        subprocess.run(["searchd", "--config", str(tmp_path / "sphinxd/shard1/sphinx.conf"), "--stopwait"])
        partial = backend.search(SearchRequest("government"))
        assert 0 < partial.total < whole.total
        assert partial.notice == "Some search servers did not answer: these results may be incomplete."
        backend.close()
    finally:
        sphinxd.stop_servers(tmp_path / "sphinxd")


@pytest.mark.parametrize("backend", ["whoosh", "sphinx"])
def test_check_finds_and_repairs_what_differs(backend, request, tmp_path):
    from indexer.ingest import check_corpus
    from tests.conftest import story_file, write_corpus

    config = request.getfixturevalue("sphinx_config") if backend == "sphinx" else BackendConfig()
    corpus_dir, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_on(config, corpus_dir, index)
    with backend_env(config):
        report, _ = check_corpus(corpus_dir, index)
        assert report.agrees and report.indexed == report.stories > 30
        # a story file deleted behind the index's back, one added without indexing
        (corpus_dir / "story-03.txt").unlink()
        new = story_file(
            "Zanzibar ferry sails", dt.date(2024, 3, 1), "AP", "Zanzibar", "The Zanzibar ferry sailed."
        )
        (corpus_dir / "zanzibar.txt").write_text(new, encoding="utf-8")
        report, done = check_corpus(corpus_dir, index)
        assert not report.agrees and not done
        assert report.orphans == ["story-03"] and report.missing == ["zanzibar.txt"]
        report, done = check_corpus(corpus_dir, index, repair=True)
        assert report.agrees and len(done) == 2, done
        engine = open_search(index, config)
        try:
            assert ids(engine.search(SearchRequest("zanzibar"))) == ["zanzibar"]
            assert engine.get_story("story-03") is None
        finally:
            engine.close()

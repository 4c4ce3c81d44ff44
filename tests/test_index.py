"""indexer.index and indexer.searching: a real Whoosh index on disk, built from story files."""

import re
import shutil
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query

from indexer.index import (
    add_to_index,
    build_index,
    current_generation,
    make_schema,
    open_index,
)
from indexer.ingest import iter_corpus_stories, reindex
from indexer.locking import IndexBusyError, index_lock
from indexer.search import IndexMissingError, SearchError, SearchRequest
from indexer.searching import WhooshSearch
from indexer.storedfields import Packer
from indexer.story import Story

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE = PROJECT / "corpus" / "000_622617eaaf54721c.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "stories"

EXAMPLE_ID = "000_622617eaaf54721c"
IANS = "ians_mumbai_monsoon"
REUTERS = "reuters_cleveland_steel"
ANI = "ani_amritsar_defence"
AFP = "afp_paris_g20_summit"
UNI = "uni_kolkata_script"
KERALA = "undated_title_only"
# Tags a snippet may hold; everything else from the story must come out escaped.
NON_MARK_TAG_RE = re.compile(r"<(?!/?mark>)")


def make_corpus(root: Path) -> Path:
    """The example story at the top, the fixtures beside it, one in a date shard."""
    root.mkdir(parents=True)
    shutil.copy(EXAMPLE, root / EXAMPLE.name)
    for path in FIXTURES.glob("*.txt"):
        shutil.copy(path, root / path.name)
    shard = root / "2024" / "03" / "07"
    shard.mkdir(parents=True)
    (root / f"{IANS}.txt").rename(shard / f"{IANS}.txt")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("built")
    corpus = make_corpus(base / "corpus")
    report = reindex(corpus, base / "index")
    return corpus, base / "index", report


@pytest.fixture(scope="module")
def backend(built):
    search = WhooshSearch(built[1])
    yield search
    search.close()


@pytest.fixture
def fresh(tmp_path):
    """A corpus and index of its own, for tests that change them."""
    corpus = make_corpus(tmp_path / "corpus")
    reindex(corpus, tmp_path / "index")
    return corpus, tmp_path / "index"


def next_second() -> None:
    """Wait until the clock's second changes (time.strftime reads the coarse
    clock, as the generation stamp does)."""
    now = time.strftime("%H%M%S")
    while time.strftime("%H%M%S") == now:
        time.sleep(0.02)


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def search(backend, q: str, **options):
    return backend.search(SearchRequest(q, **options))


# --- building ------------------------------------------------------------------------------------


def test_reindex_indexes_every_fixture(built):
    _, index_dir, report = built
    assert report.indexed == 7
    assert report.skipped == []
    assert current_generation(index_dir).name.startswith("gen-")


def test_acceptance_indus_x_finds_the_example(backend):
    results = search(backend, "INDUS-X")
    assert results.total == 1
    hit = results.hits[0]
    assert hit.id == EXAMPLE_ID
    assert hit.path == "000_622617eaaf54721c.txt"
    assert hit.date.isoformat() == "2024-02-19"
    assert (hit.agency, hit.place) == ("PTI", "New Delhi")
    assert "<mark>INDUS-X</mark>" in hit.snippet
    assert set(hit.to_dict()) == {
        "id",
        "path",
        "title",
        "date",
        "agency",
        "place",
        "url",
        "byline",
        "score",
        "snippet",
        *("cluster", "copies", "outlets", "agency_inferred"),
    }
    assert set(results.to_dict()) == {"query", "total", "copies", "results"}


def test_path_is_relative_to_corpus_root(backend):
    [hit] = search(backend, "Maharashtra").hits
    assert hit.id == IANS
    assert hit.path == "2024/03/07/ians_mumbai_monsoon.txt"
    assert hit.url == "https://example.com/ians/monsoon-session"


def test_snippet_escapes_story_html(backend):
    [hit] = search(backend, "phish").hits
    assert hit.id == UNI
    assert "&lt;script&gt;" in hit.snippet
    assert "&lt;b&gt;bold&lt;/b&gt;" in hit.snippet or "&lt;b&gt;" in hit.snippet
    assert not NON_MARK_TAG_RE.search(hit.snippet)
    assert "<mark>phish</mark>" in hit.snippet


def test_snippet_escapes_html_in_lead_fallback(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text(
        "Title: Zebra crossing rules\n\nDrivers <script>alert(1)</script> & riders must stop.\n"
    )
    reindex(corpus, tmp_path / "index")
    with_lead = WhooshSearch(tmp_path / "index")
    [hit] = search(with_lead, "zebra").hits
    with_lead.close()
    assert hit.snippet.startswith("Drivers &lt;script&gt;alert(1)&lt;/script&gt; &amp; riders")
    assert not NON_MARK_TAG_RE.search(hit.snippet)


def test_snippet_falls_back_to_lead_when_match_is_only_in_title(backend):
    [hit] = search(backend, "showers").hits
    assert hit.id == KERALA
    assert hit.title == "Kerala braces for early monsoon showers"
    assert hit.snippet.startswith("Heavy rain lashed several districts")


def test_multi_word_query_ranks_all_words_first(backend):
    results = search(backend, "defence budget")
    assert ids(results)[0] == ANI  # the only story with both words
    # stories with one of the words still come back
    assert {EXAMPLE_ID, IANS} <= set(ids(results))


@pytest.mark.parametrize(
    "q, expected",
    [
        ('"defence innovation"', {EXAMPLE_ID}),
        ("INDUS AND summit", {EXAMPLE_ID}),
        ("Maharashtra OR Kolkata", {IANS, UNI}),
        ("summit NOT INDUS", {AFP}),
        ("summit AND NOT INDUS", {AFP}),
        ("title:monsoon", {IANS, KERALA}),
        ("title:steel", {REUTERS}),  # the title derived from the lead
        ("title:irrigation", set()),  # in a body only
        ("agency:pti", {EXAMPLE_ID, KERALA}),
        ("agency:PTI", {EXAMPLE_ID, KERALA}),
        ("agency:reuters", {REUTERS}),  # from the "Reuter" sign-off
        ("agency:pti defence", {EXAMPLE_ID}),
        ("place:delhi", {EXAMPLE_ID}),
        ('place:"new delhi"', {EXAMPLE_ID}),
        ("place:kolkata", {UNI}),
        ("date:2024-02", {EXAMPLE_ID, AFP}),
        ("date:[2024-01-01 TO 2024-03-31]", {EXAMPLE_ID, AFP, ANI, UNI, IANS}),
        ("date:[2025-01-01 TO 2025-03-31]", set()),
        ("date:1987", {REUTERS}),
        ("innov*", {EXAMPLE_ID}),
        ("indus", {EXAMPLE_ID}),  # a part of the compound INDUS-X
        ("steel prices", {REUTERS}),
    ],
)
def test_query_language(backend, q, expected):
    results = search(backend, q, pagelen=100)
    assert set(ids(results)) == expected
    assert results.total == len(expected)


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',
        'defence "',
        "(summit",
        "summit)",
        "date:[2024-01-01 TO",
        "date:[x TO",
        "[",
        "{",
        "AND",
        "OR OR",
        "NOT",
        "summit AND",
        "foo:bar",
        "foo:bar summit",
        "title:",
        "date:",
        "date:yesterday",
        "date:2024-13",
        "*",
        "?",
        "a*",
        "!!!",
        "()",
        ")(",
        "^~",
        "-",
        "\\",
        "/summit/",
        "summit~9",
        "x:y:z",
        "   ",
        '"" [] {} ()',
    ],
)
def test_malformed_query_never_crashes(backend, q):
    try:
        results = search(backend, q)
    except SearchError as e:
        assert str(e)
    else:
        assert results.total >= 0
        assert len(results.hits) <= results.total


def test_malformed_query_keeps_its_words(backend):
    results = search(backend, '"INDUS-X summit')
    assert ids(results)[:1] == [EXAMPLE_ID]
    unknown = search(backend, "foo:Maharashtra")
    assert ids(unknown) == [IANS]
    assert unknown.notice


@pytest.mark.parametrize(
    "options",
    [{"pagelen": 0}, {"pagelen": 101}, {"page": 0}, {"sort": "random"}],
)
def test_request_out_of_bounds_is_a_search_error(backend, options):
    with pytest.raises(SearchError):
        search(backend, "summit", **options)


@pytest.mark.parametrize(
    "sort, order",
    [
        ("newest", [AFP, EXAMPLE_ID, REUTERS, KERALA]),
        ("oldest", [REUTERS, EXAMPLE_ID, AFP, KERALA]),
    ],
)
def test_sort_by_date_puts_undated_last(backend, sort, order):
    # KERALA has no date; "newest" must not put it above the newest dated story
    assert ids(search(backend, "agency:pti OR agency:reuters OR agency:afp", sort=sort)) == order


# --- skipped files, generations, failures ---------------------------------------------------------


def test_reindex_reports_unreadable_files_and_goes_on(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "latin1.txt").write_bytes("Title: Caf\u00e9\n\nCaf\u00e9 story.".encode("latin-1"))
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    report = reindex(corpus, tmp_path / "index")
    assert report.indexed == 7
    assert sorted(report.skipped) == [
        ("empty.txt", "empty file"),
        ("image.txt", "binary file (NUL bytes)"),
        ("latin1.txt", "not UTF-8 text (bad byte at offset 10)"),
    ]


def test_reindex_twice_within_a_second(fresh):
    # golden case: generation folders are named by the second and the process id,
    # so a second build in the same second (a long-running process, a quick
    # rebuild) collided with the live generation: OSError "Directory not empty"
    corpus, index_dir = fresh
    first = current_generation(index_dir)
    next_second()  # both builds below then start within one second
    assert reindex(corpus, index_dir).indexed == 7
    assert reindex(corpus, index_dir).indexed == 7
    assert current_generation(index_dir) != first
    live = WhooshSearch(index_dir)
    assert search(live, "INDUS-X").total == 1
    live.close()


def test_reindex_reports_duplicate_ids(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "elsewhere").mkdir()
    shutil.copy(EXAMPLE, corpus / "elsewhere" / EXAMPLE.name)
    report = reindex(corpus, tmp_path / "index")
    assert report.indexed == 7
    assert report.skipped == [("elsewhere/000_622617eaaf54721c.txt", f"duplicate story id {EXAMPLE_ID}")]


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissingError) as e:
        WhooshSearch(tmp_path / "nowhere")
    assert "wire reindex" in str(e.value)


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        reindex(tmp_path / "no-corpus", tmp_path / "index")
    assert "no-corpus" in str(e.value)


def test_open_backend_sees_new_generation_after_reindex(fresh):
    corpus, index_dir = fresh
    live = WhooshSearch(index_dir)
    assert search(live, "tractor").total == 0
    old_searcher = live.searcher()
    old_gen = current_generation(index_dir)
    (corpus / "tractor.txt").write_text(
        "Ludhiana, March 9 (PTI) Tractor sales rose 12 per cent in February. PTI XYZ\n"
    )
    reindex(corpus, index_dir)
    assert current_generation(index_dir) != old_gen
    assert not old_gen.exists()  # the old generation is cleaned up
    # a searcher handed out before the swap keeps answering from the old generation
    assert len(old_searcher.search(query.Term("body", "summit"))) == 2
    # and the backend moves to the new one
    [hit] = search(live, "tractor").hits
    assert (hit.id, hit.agency, hit.place) == ("tractor", "PTI", "Ludhiana")
    assert search(live, "INDUS-X").hits[0].id == EXAMPLE_ID
    live.close()


def test_failed_build_leaves_old_index_usable(fresh):
    corpus, index_dir = fresh
    live = WhooshSearch(index_dir)
    before = current_generation(index_dir)

    def stories_then_crash():
        for n, item in enumerate(iter_corpus_stories(corpus)):
            if n == 3:
                raise RuntimeError("disk on fire")
            yield item

    with pytest.raises(RuntimeError, match="disk on fire"):
        build_index(index_dir, stories_then_crash())
    assert current_generation(index_dir) == before
    assert [p.name for p in index_dir.iterdir() if p.name.startswith(".gen-")] == []
    assert search(live, "INDUS-X").hits[0].id == EXAMPLE_ID
    live.close()
    reopened = WhooshSearch(index_dir)
    assert search(reopened, "INDUS-X").hits[0].id == EXAMPLE_ID
    reopened.close()
    # the lock was released: the next build works
    assert reindex(corpus, index_dir).indexed == 7


def test_build_refused_while_another_holds_the_lock(fresh):
    corpus, index_dir = fresh
    before = current_generation(index_dir)
    with index_lock(index_dir):
        with pytest.raises(IndexBusyError):
            build_index(index_dir, iter_corpus_stories(corpus))
    assert current_generation(index_dir) == before


def test_add_to_index_adds_and_replaces(fresh):
    # golden case: a WhooshSearch open across two adds of the same id returned both
    # versions (its refreshed searcher missed the deletion)
    _, index_dir = fresh
    live = WhooshSearch(index_dir)
    story = Story(
        id="tractor", title="Tractor sales rise", body="Tractor sales rose in February.", agency="PTI"
    )
    assert add_to_index(index_dir, [story]) == 1
    assert ids(search(live, "tractor")) == ["tractor"]
    add_to_index(index_dir, [story.replace(body="Tractor sales fell in February.")])
    results = search(live, "tractor")
    assert results.total == 1
    assert "fell" in live.get_story("tractor").body
    live.close()


def test_open_index_on_missing_folder(tmp_path):
    with pytest.raises(IndexMissingError):
        open_index(tmp_path / "nothing")


def test_not_only_query_returns_stories_never_the_hidden_lexicon(backend):
    # golden case: "NOT x" matched the spelling-lexicon documents, whose missing body
    # raised KeyError while building snippets
    results = search(backend, "NOT zzzunknownword", facets=True, sort="newest")
    assert results.total == backend.stats().stories
    assert all(not hit.id.startswith("_lexicon") for hit in results.hits)


def test_prefix_standing_for_too_many_words_is_narrowed_with_a_notice(tmp_path):
    from indexer.queries import MAX_EXPANSIONS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = " ".join(f"co{n:04d}x" for n in range(MAX_EXPANSIONS + 5))
    (corpus / "many.txt").write_text(f"Title: Many words\n\nThe list reads {words} and more.\n")
    reindex(corpus, tmp_path / "index")
    live = WhooshSearch(tmp_path / "index")
    broad = search(live, "co*")
    assert broad.notice and "co*" in broad.notice
    narrow = search(live, "co000*")
    assert narrow.notice is None and narrow.total == 1
    live.close()


# --- queries as typed: capitals, operators, the loose reading ------------------------------------


@pytest.mark.parametrize(
    "typed, read",
    [
        ("INDIA AND PAKISTAN OVER KASHMIR", "INDIA and PAKISTAN OVER KASHMIR"),
        ("SUMMIT NOT INDUS", "SUMMIT not INDUS"),
        ("U.S. OR CANADA ANDNOT", "U.S. or CANADA andnot"),
        ("india AND pakistan", "india AND pakistan"),
        ("INDUS AND summit", "INDUS AND summit"),
        ("DATE:[2024 TO 2025] AND X", "DATE:[2024 TO 2025] and X"),  # TO is only range syntax
        ("what is INDUS-X?", "what is INDUS-X "),  # a question mark, not a wildcard
        ("wom?n", "wom?n"),
        ("Mergers/Acquisitions", "Mergers Acquisitions"),
    ],
)
def test_query_text_as_the_parser_reads_it(typed, read):
    from indexer.queries import prepare_text

    assert prepare_text(typed) == read


@pytest.mark.parametrize(
    "q, expected, notice",
    [
        # capitals: AND/OR/NOT are words (here stop words), not operators
        ("SUMMIT NOT INDUS", {EXAMPLE_ID, AFP}, None),
        ("MONSOON AND KOLKATA", {IANS, KERALA, UNI}, None),
        ("MAHARASHTRA OR KOLKATA", {IANS, UNI}, None),
        # with lower-case words they are operators
        ("summit NOT INDUS", {AFP}, None),
        ("Maharashtra OR Kolkata", {IANS, UNI}, None),
        # the strict reading finds nothing: the loose one answers, and says so
        ("monsoon AND Kolkata", {IANS, KERALA, UNI}, "LOOSE"),
        ('"defence summit"', {EXAMPLE_ID, ANI, AFP}, "LOOSE"),
        ('"budget consultation" AND irrigation', {ANI, IANS}, "LOOSE"),
        # ... but metadata clauses and fields still hold, so nothing may stay nothing
        ("agency:pti steel", set(), None),
        ("title:irrigation", set(), None),
        ("zzzunknown AND qqqunknown", set(), None),
    ],
)
def test_capitals_operators_and_the_loose_reading(backend, q, expected, notice):
    from indexer.queries import LOOSE_NOTICE

    results = search(backend, q, pagelen=100)
    assert set(ids(results)) == expected
    assert results.notice == (LOOSE_NOTICE if notice else None)


@pytest.mark.parametrize(
    "q, first",
    [
        ("CONSULTATION BETWEEN PUNJAB AND THE ARMY ON THE DEFENCE BUDGET", ANI),
        ("Will the Punjab government host a consultation on the defence budget next month?", ANI),
        ("What is INDUS-X?", EXAMPLE_ID),
        ("WHAT DID THE MINISTERS OF THE G20 DISCUSS IN PARIS?", AFP),
    ],
)
def test_headlines_and_questions_rank_their_story_first(backend, q, first):
    results = search(backend, q)
    assert ids(results)[0] == first
    assert results.notice is None


def test_deep_listing_follows_the_loose_reading_too(backend):
    listed = backend.iter_hits(SearchRequest("monsoon AND Kolkata", collapse=False), 1000, snippets=False)
    assert {hit.id for hit in listed} == {IANS, KERALA, UNI}


def test_deep_listing_starts_with_the_first_page(backend):
    for q in ("summit", "monsoon Kolkata", "defence budget", "INDIA AND PAKISTAN"):
        request = SearchRequest(q, collapse=False)
        page = [hit.id for hit in backend.search(request).hits]
        listed = [hit.id for hit in backend.iter_hits(request, len(page), snippets=False)]
        assert page and listed == page


def test_deep_listing_without_snippets_gives_the_lead(backend):
    [hit] = backend.iter_hits(SearchRequest('"INDUS-X summit"'), 1, snippets=False)
    assert "<mark>" not in hit.snippet and hit.snippet


def test_query_parser_follows_a_reindex_that_changes_the_schema(tmp_path):
    """The parser is made from each generation's schema: an index written before the
    place field existed, swapped for a new one, must read `place:` as the field."""
    index_dir = tmp_path / "index"
    old = index_dir / "gen-old"
    old.mkdir(parents=True)
    schema = make_schema()
    schema.remove("place")
    ix = whoosh_index.create_in(str(old), schema)
    with ix.writer() as writer:
        doc = {"id": "tractor", "title": "Tractor sales", "body": "Tractor sales rose in Kolkata"}
        writer.add_document(**Packer(b"", schema).packed(doc))
    (index_dir / "CURRENT").write_text("gen-old")
    live = WhooshSearch(index_dir)
    assert search(live, "tractor").total == 1
    reindex(make_corpus(tmp_path / "corpus"), index_dir)
    results = search(live, "place:kolkata")
    assert results.notice is None  # read as the field, not as the words "place" and "kolkata"
    assert results.total >= 1 and {hit.place for hit in results.hits} == {"Kolkata"}
    live.close()

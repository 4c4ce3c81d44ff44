"""What a server loads once: remembered term infos, and the backend warmed before forking."""

from __future__ import annotations

import shutil
import threading

import pytest
from whoosh.reading import TermNotFound

from indexer import patches
from indexer.ingest import reindex
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from webui import create_app
from webui.backend import close_backend, warm_backend

QUERIES = ("government", "monsoon rains", '"safety audit"', "title:cricket", "goverment", "place:mumbai")


def term_facts(reader, fieldname: str, btext: bytes):  # type: ignore[no-untyped-def]
    """What a reader says of a term, each answer asked twice (the second from memory)."""
    answers = []
    for _ in range(2):
        try:
            info = reader.term_info(fieldname, btext)
            found = (info.doc_frequency(), info.weight())
        except TermNotFound:
            found = None
        answers.append(
            (
                (fieldname, btext) in reader,
                reader.doc_frequency(fieldname, btext),
                reader.frequency(fieldname, btext),
                found,
            )
        )
    assert answers[0] == answers[1]
    return answers[0]


@pytest.mark.parametrize("remembered", [patches.MAX_REMEMBERED_TERMS, 3])
def test_term_lookups_agree_with_the_postings(index_dir, monkeypatch, remembered):
    monkeypatch.setattr(patches, "MAX_REMEMBERED_TERMS", remembered)
    backend = WhooshSearch(index_dir, result_cache_size=0)
    try:
        for sub, _ in backend.searcher().leaf_searchers():
            reader = sub.reader()
            terms = list(reader.all_terms())
            assert len(terms) > 100
            for fieldname, btext in terms:
                m = reader.postings(fieldname, btext)
                docs, weight = 0, 0.0
                while m.is_active():
                    docs, weight = docs + 1, weight + m.weight()
                    m.next()
                present, df, freq, info = term_facts(reader, fieldname, btext)
                assert present and df == docs and info == (df, freq)
                assert freq == pytest.approx(weight)
            # the same text in a field without it, and a text no field has
            assert term_facts(reader, "place", b"monsoon") == (False, 0, 0, None)
            assert term_facts(reader, "body", b"zzqxj") == (False, 0, 0, None)
    finally:
        backend.close()


def snapshot(backend: WhooshSearch) -> list[tuple]:  # type: ignore[type-arg]
    out = []
    for q in QUERIES:
        results = backend.search(SearchRequest(q, facets=True, spelling=True))
        out.append(
            (
                results.total,
                [(h.id, h.snippet, h.copies) for h in results.hits],
                results.facets,
                results.suggestion,
            )
        )
    return out


def test_a_warmed_and_closed_backend_answers_as_a_fresh_one(index_dir):
    fresh = WhooshSearch(index_dir, result_cache_size=0)
    warmed = WhooshSearch(index_dir, result_cache_size=0)
    try:
        expected = snapshot(fresh)
        warmed.warm()
        warmed.close()  # as a server does before forking: the values stay, the files go
        seen: list[list[tuple]] = []  # type: ignore[type-arg]
        worker = threading.Thread(target=lambda: seen.append(snapshot(warmed)))
        worker.start()
        worker.join()
        assert seen == [expected]
        assert snapshot(warmed) == expected
        assert any(total for total, *_ in expected)
    finally:
        fresh.close()
        warmed.close()


def test_warming_an_app_without_an_index_waits_for_one(corpus_dir, tmp_path):
    index = tmp_path / "index"
    app = create_app({"TESTING": True, "INDEX": str(index)})
    try:
        warm_backend(app)  # no index yet: nothing opened, nothing raised
        assert app.test_client().get("/api/search?q=government").status_code == 503
        reindex(corpus_dir, index)
        found = app.test_client().get("/api/search?q=government").get_json()
        assert found["total"] > 0
    finally:
        close_backend(app)


def answer(app) -> dict:  # type: ignore[no-untyped-def,type-arg]
    found = app.test_client().get("/api/search?q=government").get_json()
    found.pop("took_ms")
    return found  # type: ignore[no-any-return]


def test_a_warmed_app_follows_a_reindex(corpus_dir, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    index = tmp_path / "index"
    reindex(corpus, index)
    app = create_app({"TESTING": True, "INDEX": str(index)})
    try:
        warm_backend(app)
        before = answer(app)
        for story in sorted(p for p in corpus.iterdir() if p.suffix == ".txt")[:5]:
            story.unlink()
        reindex(corpus, index)
        fresh = create_app({"TESTING": True, "INDEX": str(index)})
        try:
            assert answer(app) == answer(fresh) != before
        finally:
            close_backend(fresh)
    finally:
        close_backend(app)


def test_warming_an_app_without_a_backend_does_nothing():
    from flask import Flask

    warm_backend(Flask(__name__))  # the FTS5 app of the benchmark is served this way

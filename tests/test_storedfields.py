"""Stored fields packed into one record per story: the same stories, pages, exports and
feeds as an index built before records (plain stored fields), which still reads."""

from __future__ import annotations

import datetime as dt
import gc
import re
import weakref
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import STORED

from indexer.index import add_to_index, build_index, lexicon_document, make_schema, open_index
from indexer.ingest import iter_corpus_stories
from indexer.locking import index_lock
from indexer.storedfields import (
    DICTIONARY_FIELD,
    DICTIONARY_ID,
    RECORD_FIELD,
    fields_of_record,
    record_bytes,
    stored,
    train_dictionary,
)
from indexer.story import Story
from tests.conftest import write_research_corpus
from webui import create_app
from webui.backend import close_backend

# How long a search took: the one part of a page that differs from run to run.
TOOK_RE = re.compile(rb'"took_ms":[0-9.]+|<span class="took">[^<]*</span>')
# The fields an index built before records stored, besides its indexed ones.
PLAIN_STORED = ("id", "title", "body", "date", "agency", "place", "cluster", "agency_inferred")
PLAIN_STORED_ONLY = ("path", "url", "source", "slug", "dateline", "byline")


def plain_schema():  # type: ignore[no-untyped-def]
    """The layout of an index built before records: every shown field stored as it is."""
    schema = make_schema()
    for name in (RECORD_FIELD, DICTIONARY_FIELD):
        schema.remove(name)
    for name in PLAIN_STORED:
        schema[name].stored = True
    for name in PLAIN_STORED_ONLY:
        schema.add(name, STORED)
    return schema


def stories_of(corpus: Path) -> list[Story]:
    return [s for s in iter_corpus_stories(corpus) if isinstance(s, Story)]


def build_plain(corpus: Path, index: Path) -> None:
    """An index as the version before records wrote it: an empty generation, stories added."""
    gen = index / "gen-plain"
    gen.mkdir(parents=True)
    whoosh_index.create_in(str(gen), plain_schema()).close()
    (index / "CURRENT").write_text("gen-plain\n")
    with index_lock(index):
        add_to_index(index, stories_of(corpus))


@pytest.mark.parametrize(
    "doc",
    [
        {"id": "a", "title": "T", "body": "B \x02 \u201cq\u201d\n\nnext", "path": "", "cluster": "a"},
        {"id": "b", "date": dt.datetime(1987, 2, 26), "agency_inferred": "PTI", "byline": "By X"},
        {"id": "_lexicon-3"},
        {"id": "c", "title": "", "body": ""},
    ],
)
def test_a_record_gives_back_the_stored_dict_it_was_made_from(doc):
    assert fields_of_record(record_bytes({**doc, "words": "not stored", "year": "1987"})) == doc


def test_too_few_stories_to_train_on_still_give_a_dictionary():
    assert train_dictionary([]) == b""
    assert train_dictionary([b'["x","y"]']) == b'["x","y"]'


def test_the_dictionary_rides_on_the_first_lexicon_document_not_a_document_of_its_own(tmp_path):
    assert lexicon_document(set(), 1)["id"] == DICTIONARY_ID
    corpus = write_research_corpus(tmp_path / "corpus")
    stories = stories_of(corpus)
    build_index(tmp_path / "index", iter(stories), procs=1)
    with open_index(tmp_path / "index").searcher() as s:
        assert s.doc_count() == len(stories) + 1  # the stories and one lexicon document
        docs = list(stored(s).all())
        raw = s.stored_fields(s.document_number(id=DICTIONARY_ID))
    assert set(raw) == {RECORD_FIELD, DICTIONARY_FIELD} and raw[DICTIONARY_FIELD]
    assert sorted(d["id"] for d in docs if "title" in d) == sorted(s.id for s in stories)


def test_packed_and_plain_indexes_serve_the_same_bytes(tmp_path):
    """Story pages, the story API, search pages, exports and feeds: byte for byte."""
    corpus = write_research_corpus(tmp_path / "corpus")
    build_plain(corpus, tmp_path / "plain")
    build_index(tmp_path / "packed", iter(stories_of(corpus)), procs=1)
    with open_index(tmp_path / "plain").searcher() as s:
        assert RECORD_FIELD not in s.schema and "body" in s.stored_fields(0)
    ids = sorted(s.id for s in stories_of(corpus))
    paths = (
        [f"/story/{i}" for i in ids]
        + [f"/api/story/{i}" for i in ids]
        + [f"/story/{i}?q=government" for i in ids]
    )
    paths += [
        "/",
        "/search?q=government",
        "/search?q=government&all_copies=1&page=2",
        "/api/search?q=summit+talks",
        "/export?q=government&format=csv&body=1",
        "/export?format=jsonl&body=1",
        "/search.atom?q=government",
        "/search.atom",
    ]
    served = {}
    for name in ("plain", "packed"):
        app = create_app({"TESTING": True, "INDEX": str(tmp_path / name)})
        try:
            client = app.test_client()
            served[name] = {
                p: (r.status_code, TOOK_RE.sub(b"", r.data)) for p in paths for r in [client.get(p)]
            }
        finally:
            close_backend(app)
    assert {p: code for p, (code, _) in served["packed"].items()} == dict.fromkeys(paths, 200)
    assert served["packed"] == served["plain"]


def test_an_index_built_before_records_still_takes_adds_the_old_way(tmp_path):
    corpus = write_research_corpus(tmp_path / "corpus")
    build_plain(corpus, tmp_path / "plain")
    story = Story(id="late-1", title="Late story", body="A late government statement on tariffs.")
    with index_lock(tmp_path / "plain"):
        add_to_index(tmp_path / "plain", [story])
    with open_index(tmp_path / "plain").searcher() as s:
        raw = s.stored_fields(s.document_number(id="late-1"))
        assert raw["body"] == story.body and RECORD_FIELD not in raw
        assert stored(s).document(id="late-1") == raw


def test_reading_stored_fields_keeps_no_searcher_alive(tmp_path):
    """Old searchers (an index that changed) must be freed with their open files."""
    corpus = write_research_corpus(tmp_path / "corpus")
    build_index(tmp_path / "index", iter(stories_of(corpus)), procs=1)
    ix = open_index(tmp_path / "index")
    s = ix.searcher()
    assert stored(s).of(0)["id"]
    gone = weakref.ref(s)
    s.close()
    del s
    gc.collect()
    assert gone() is None
    ix.close()

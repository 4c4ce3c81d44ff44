"""The bulk writer (bulkwrite.bulk_writer, a build's postings a term at a time) writes
what Whoosh's own writer writes: the same segment files byte for byte in one process,
with and without spilling to run files; the same stories, postings and answers with
two writer processes."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from indexer.bulkwrite import TermPool
from indexer.index import build_index, current_generation, open_index
from indexer.ingest import iter_corpus_stories
from indexer.storedfields import hit_fields, stored
from indexer.story import Story
from tests.conftest import write_corpus

ROOT = Path(__file__).resolve().parents[1]
SEGMENT_FILE = re.compile(r"_?MAIN_[a-z0-9]+(\..+)$")


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> list[Story]:
    corpus = write_corpus(tmp_path_factory.mktemp("corpus"))
    found = [s for s in iter_corpus_stories(corpus) if isinstance(s, Story)]
    found += [s for s in iter_corpus_stories(ROOT / "corpus") if isinstance(s, Story)]
    # more stories than one 128-posting block holds for common words
    copies = [s.replace(id=f"{s.id}-copy{n}", path="") for n in range(6) for s in found]
    return found + copies


def segment_files(index_dir: Path) -> dict[str, str]:
    """Digest of each segment file by its kind (the name without the random segment id)."""
    gen = current_generation(index_dir)
    assert gen is not None
    found = {}
    for path in gen.iterdir():
        match = SEGMENT_FILE.match(path.name)
        if match and not path.name.endswith(".toc"):
            found[match.group(1)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.mark.parametrize("limitmb", [512, 0.02], ids=["in memory", "spilling"])
def test_one_process_bulk_build_writes_whooshs_bytes(tmp_path, stories, limitmb):
    build_index(tmp_path / "whoosh", iter(stories), procs=1, limitmb=limitmb, whoosh_writer=True)
    build_index(tmp_path / "bulk", iter(stories), procs=1, limitmb=limitmb)
    whoosh, bulk = segment_files(tmp_path / "whoosh"), segment_files(tmp_path / "bulk")
    assert {".pst", ".trm", "._stored.col", "._body_len.col", ".date.col"} <= set(bulk)
    assert bulk == whoosh
    counts = []
    for index in ("whoosh", "bulk"):
        with open_index(tmp_path / index).searcher() as s:
            counts.append(s.doc_count())
    assert counts[0] == counts[1] > 200


def test_the_pool_spills_and_merges_runs_in_docnum_order(tmp_path, stories):
    ix = open_index_for_pool(tmp_path, stories)
    pool = TermPool(ix.storage.temp_storage("pool.tmp"), limitmb=1)
    pool.limit = 300  # a run every few postings
    added = [("body", f"w{n % 7}".encode(), n, 1.0 + n, bytes([n % 256])) for n in range(200)]
    for item in added:
        pool.add(item)
    assert len(pool.runs) > 10
    assert list(pool.iter_postings()) == sorted(added)
    pool.cleanup()
    assert not pool.runs


def open_index_for_pool(tmp_path: Path, stories: list[Story]):  # type: ignore[no-untyped-def]
    build_index(tmp_path, iter(stories[:3]), procs=1)
    return open_index(tmp_path)


def test_the_pool_refuses_a_weight_it_would_change(tmp_path, stories):
    ix = open_index_for_pool(tmp_path, stories)
    pool = TermPool(ix.storage.temp_storage("pool.tmp"))
    with pytest.raises(TypeError):
        pool.add(("body", b"oil", 0, 1, b""))


def story_postings(index_dir: Path) -> dict[tuple[str, bytes], dict[str, tuple[float, bytes]]]:
    """Every term's postings keyed by story id (document numbers differ between
    builds with two writer processes): weight and encoded value."""
    ix = open_index(index_dir)
    with ix.searcher() as s:
        ids = {n: fields["id"] for n, fields in enumerate(stored(s).all())}
        found: dict[tuple[str, bytes], dict[str, tuple[float, bytes]]] = {}
        for fieldname, text in s.reader().all_terms():
            m = s.reader().postings(fieldname, text)
            found[fieldname, text] = postings = {}
            while m.is_active():
                postings[ids[m.id()]] = (m.weight(), m.value())
                m.next()
    return found


def stored_stories(index_dir: Path) -> dict[str, dict[str, object]]:
    with open_index(index_dir).searcher() as s:
        return {fields["id"]: fields for fields in stored(s).all()}


def answers(index_dir: Path, text: str) -> list[tuple[str, float]]:
    from whoosh.qparser import MultifieldParser

    ix = open_index(index_dir)
    with ix.searcher() as s:
        q = MultifieldParser(["title", "body"], ix.schema).parse(text)
        return sorted((hit_fields(hit)["id"], round(hit.score, 9)) for hit in s.search(q, limit=None))


def test_two_writer_processes_give_whooshs_stories_postings_and_answers(tmp_path, stories):
    # procs stay 2: no `expected` below SMALL_BUILD
    build_index(tmp_path / "whoosh", iter(stories), procs=2, whoosh_writer=True)
    build_index(tmp_path / "bulk", iter(stories), procs=2)
    assert stored_stories(tmp_path / "bulk") == stored_stories(tmp_path / "whoosh")
    bulk, whoosh = story_postings(tmp_path / "bulk"), story_postings(tmp_path / "whoosh")
    assert len(bulk) > 1000 and max(map(len, bulk.values())) > 128  # terms of several blocks
    assert bulk == whoosh
    for text in ("oil prices", '"trade deficit"', "title:bank", "coffee OR wheat"):
        assert answers(tmp_path / "bulk", text) == answers(tmp_path / "whoosh", text)
    with open_index(tmp_path / "bulk").searcher() as s:
        assert len(s.reader().leaf_readers()) == 2  # one segment a writer process

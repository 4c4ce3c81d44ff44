"""Column values read per segment and kept across index versions: a searcher opened
before an add, a replacement or a delete answers exactly as one opened after; on
real indexes on disk."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from test_syndication import CORPUS, DAY, UNRELATED, WIRE, story

from indexer.collapse import ClusterColumn
from indexer.index import add_to_index, build_index, delete_from_index, open_index
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.segmentcolumns import SegmentColumns, read_column
from indexer.segments import column_values
from indexer.story import Story

COLUMNS = [
    ("agency_facet", True),
    ("place_facet", True),
    ("year", True),
    ("date", False),
    ("cluster", True),
    ("cluster_lead", True),
]
# Queries whose answers cover hits, copies, totals, facets, filters and collapsing.
REQUESTS = [
    SearchRequest("summit", facets=True),
    SearchRequest("summit", facets=True, collapse=False),
    SearchRequest("summit", agency=("PTI",)),
    SearchRequest("monsoon OR summit", facets=True, place=("Mumbai",)),
    SearchRequest("rainfall", year=(2024,), collapse=False),
    SearchRequest("ministry", sort="newest", facets=True),
]


def answers(backend: WhooshSearch) -> list[object]:
    """Every part of each request's results a reader sees (the time taken left out)."""
    return [
        dataclasses.replace(backend.search(r), seconds=0.0, request=SearchRequest("")) for r in REQUESTS
    ] + [backend.timeline(r) for r in REQUESTS]


def fresh_answers(index_dir: Path) -> list[object]:
    backend = WhooshSearch(index_dir)
    try:
        return answers(backend)
    finally:
        backend.close()


def placed(id: str, paras: list[str], place: str, **kw: object) -> Story:
    return dataclasses.replace(story(id, paras, **kw), place=place)  # type: ignore[arg-type]


def test_bulk_column_values_equal_whooshs_own_reader(tmp_path):
    build_index(tmp_path, iter(CORPUS))
    # more segments: one with no lead copy and no agency, a non-ASCII place, no date
    add_to_index(tmp_path, [placed("copy", WIRE[:4], "São Paulo")])
    add_to_index(tmp_path, [dataclasses.replace(story("undated", UNRELATED), date=None, agency="")])
    ix = open_index(tmp_path)
    with ix.searcher() as s:
        leaves = [sub for sub, _ in s.reader().leaf_readers()]
        assert len(leaves) >= 3
        for sub in leaves:
            for fieldname, translate in COLUMNS:
                if sub.has_column(fieldname):
                    want = list(sub.column_reader(fieldname, translate=translate))
                    assert column_values(sub, fieldname, translate) == want, fieldname
            raw = list(sub.column_reader("cluster", translate=False))  # bytes, as stored
            assert column_values(sub, "cluster", translate=False) == raw
        # the kept values equal a read of the whole index
        cache = SegmentColumns()
        for fieldname, translate in COLUMNS:
            assert read_column(s.reader(), fieldname, "", translate, cache) == read_column(
                s.reader(), fieldname, "", translate
            )
    ix.close()


def test_a_searcher_opened_before_changes_answers_as_a_fresh_one(tmp_path):
    build_index(tmp_path, iter([CORPUS[1], *CORPUS[3:]]))
    backend = WhooshSearch(tmp_path)
    try:
        assert answers(backend) == fresh_answers(tmp_path)
        steps = [
            # a credited copy: the new lead, the stored copy relabelled
            lambda: add_to_index(tmp_path, [CORPUS[2]]),
            lambda: add_to_index(tmp_path, [placed("mumbai", UNRELATED, "Mumbai", agency="PTI")]),
            # the same story again (its old copy deleted) and a changed one
            lambda: add_to_index(tmp_path, [CORPUS[2], dataclasses.replace(CORPUS[4], agency="Reuters")]),
            lambda: add_to_index(tmp_path, [CORPUS[0]]),
            lambda: delete_from_index(tmp_path, ["hindu"]),
            lambda: add_to_index(tmp_path, [story("next", WIRE[:3], day=DAY + dt.timedelta(days=2))]),
        ]
        for step in steps:
            step()
            assert answers(backend) == fresh_answers(tmp_path)
    finally:
        backend.close()


def test_kept_segments_are_not_read_again_and_gone_ones_are_dropped(tmp_path):
    build_index(tmp_path, iter(CORPUS))
    cache = SegmentColumns()
    ix = open_index(tmp_path)
    with ix.searcher() as s:
        before = {
            sub.segment().segment_id(): cache.segment(sub, "cluster", "")
            for sub, _ in s.reader().leaf_readers()
        }
        read_column(s.reader(), "cluster", "", cache=cache)
    add_to_index(tmp_path, [placed("copy", WIRE[:4], "Pune")])
    ix = open_index(tmp_path)
    with ix.searcher() as s:
        read_column(s.reader(), "cluster", "", cache=cache)
        now = {
            sub.segment().segment_id(): cache.segment(sub, "cluster", "")
            for sub, _ in s.reader().leaf_readers()
        }
    kept = before.keys() & now.keys()
    assert kept and len(now) > len(kept)
    assert all(now[k] is before[k] for k in kept)  # the same lists: not read again
    ix.close()


@pytest.mark.parametrize("times", [1, 2])
def test_a_replaced_story_is_one_copy(tmp_path, times):
    build_index(tmp_path, iter(CORPUS))
    for _ in range(times):
        add_to_index(tmp_path, [CORPUS[1]])  # its old document is deleted, not gone
    backend = WhooshSearch(tmp_path)
    try:
        hits = backend.search(SearchRequest("summit", collapse=False)).hits
        assert {h.id: h.copies for h in hits if h.id in ("wire", "dawn", "hindu")} == {
            "wire": 3,
            "dawn": 3,
            "hindu": 3,
        }
        ix = open_index(tmp_path)
        with ix.searcher() as s:
            assert ClusterColumn.read(s.reader()).copies(s.document_number(id="dawn")) == 3
        ix.close()
    finally:
        backend.close()

"""Clusters kept right when stories change: deleted, replaced, fingerprinted in batches
and in worker processes; on real indexes on disk."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from test_syndication import CORPUS, OTHER, UNRELATED, WIRE, story

from indexer import clusterstore
from indexer.clusters import cluster_stories
from indexer.index import add_to_index, build_index, current_generation, delete_from_index, open_index
from indexer.searching import WhooshSearch
from indexer.story import Story
from indexer.syndication import fingerprint, fingerprints


def stored(index_dir: Path, story_id: str) -> Story | None:
    backend = WhooshSearch(index_dir)
    try:
        return backend.get_story(story_id)
    finally:
        backend.close()


def cluster_of(index_dir: Path, story_id: str) -> str:
    found = stored(index_dir, story_id)
    assert found is not None
    return found.cluster


def saved_state(index_dir: Path) -> clusterstore.ClusterState:
    gen = current_generation(index_dir)
    ix = open_index(index_dir)
    try:
        assert gen is not None
        state = clusterstore.load_state(gen, ix.latest_generation())
    finally:
        ix.close()
    assert state is not None, "the saved state should describe the live index"
    return state


def test_batch_fingerprints_equal_one_at_a_time():
    texts = [s.body for s in CORPUS] + [
        "",
        "one",
        "two words",
        "a b c d",
        "a b c d e",
        "Don\u2019t \u2014 stop",
    ]
    rng = random.Random(3)
    words = " ".join(WIRE + OTHER).split()
    texts += [" ".join(rng.choices(words, k=rng.randrange(1, 400))) for _ in range(50)]
    for one, batch in zip(map(fingerprint, texts), fingerprints(texts), strict=True):
        assert np.array_equal(one.shingles, batch.shingles) and one.shingles.dtype == batch.shingles.dtype
        assert np.array_equal(one.keys, batch.keys) and one.keys.dtype == batch.keys.dtype


def test_worker_processes_cluster_like_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(clusterstore, "FINGERPRINT_BATCH", 2)  # several batches from six stories
    stories = [*CORPUS, *CORPUS[:2]]  # ids seen twice keep their first story
    results = []
    for procs in (1, 2):
        folder = tmp_path / str(procs)
        folder.mkdir()
        results.append([(s.id, s.cluster) for s in clusterstore.label_stream(iter(stories), folder, procs)])
    _, labels = cluster_stories(CORPUS)
    assert results[0] == results[1]
    assert dict(results[0]) == {s.id: label.cluster for s, label in zip(CORPUS, labels, strict=True)}


def test_deleting_the_lead_copy_gives_the_cluster_a_new_lead(tmp_path):
    build_index(tmp_path, iter(CORPUS))
    assert {cluster_of(tmp_path, i) for i in ("wire", "dawn", "hindu")} == {"wire"}
    assert delete_from_index(tmp_path, ["wire"]) == 1
    assert stored(tmp_path, "wire") is None
    # credited (PTI) beats earliest: hindu leads, dawn's inferred agency now comes from it
    assert cluster_of(tmp_path, "hindu") == "hindu" and cluster_of(tmp_path, "dawn") == "hindu"
    dawn = stored(tmp_path, "dawn")
    assert dawn is not None and dawn.agency_inferred == "PTI"
    state = saved_state(tmp_path)
    assert "wire" not in state.ids and len(state) == len(CORPUS) - 1
    assert state.labels([state.ids.index("dawn")])["dawn"].cluster == "hindu"
    # the next add works on the saved state: a new copy joins hindu's cluster
    add_to_index(tmp_path, [story("mint", WIRE[:4], title="Summit opens")])
    assert cluster_of(tmp_path, "mint") == "hindu"


def test_deleting_the_only_link_splits_the_cluster(tmp_path):
    left = story("left", [*WIRE[:2], UNRELATED[0]])
    bridge = story("bridge", WIRE[:4], agency="PTI")
    right = story("right", [*WIRE[2:4], OTHER[2]])
    build_index(tmp_path, iter([left, bridge, right]))
    assert {cluster_of(tmp_path, i) for i in ("left", "bridge", "right")} == {"bridge"}
    delete_from_index(tmp_path, ["bridge"])
    assert cluster_of(tmp_path, "left") != cluster_of(tmp_path, "right")
    assert {cluster_of(tmp_path, i) for i in ("left", "right")} == {"left", "right"}


def test_replacing_a_copy_with_other_text_takes_it_out_of_its_cluster(tmp_path):
    build_index(tmp_path, iter(CORPUS))
    add_to_index(tmp_path, [CORPUS[0].replace(body="\n\n".join(UNRELATED[::-1]) + " The end.")])
    assert cluster_of(tmp_path, "wire") == "wire"
    assert cluster_of(tmp_path, "dawn") == "hindu" and cluster_of(tmp_path, "hindu") == "hindu"
    state = saved_state(tmp_path)
    assert state.ids.count("wire") == 1


@pytest.mark.parametrize("batch", [1, clusterstore.SMALL_BATCH + 1])
def test_a_replaced_story_is_placed_again_in_small_and_big_batches(tmp_path, batch):
    build_index(tmp_path, iter(CORPUS))
    filler = [
        story(f"filler-{i}", [f"Filler story number {i} about nothing in particular."])
        for i in range(batch - 1)
    ]
    # the same text again: it stays in its cluster, which keeps its lead
    add_to_index(tmp_path, [*filler, CORPUS[1]])
    assert {cluster_of(tmp_path, i) for i in ("wire", "dawn", "hindu")} == {"wire"}


def test_a_state_saved_before_agencies_were_coded_loads_the_same(tmp_path):
    """The saved state of an older index (days and lengths as int64, each row's agency
    by name in the JSON) is read as it was, not rebuilt and not misread."""
    build_index(tmp_path, iter(CORPUS))
    coded = saved_state(tmp_path)
    folder = current_generation(tmp_path) / clusterstore.STATE_DIR
    assert len(set(coded.agencies)) > 1
    for npz in folder.glob("*.npz"):
        with np.load(npz) as arrays:
            assert arrays["agencies"].dtype == np.uint8 and arrays["days"].dtype == np.int32
            days, lengths = arrays["days"].astype(np.int64), arrays["lengths"].astype(np.int64)
        np.savez(npz, days=days, lengths=lengths)
        names = npz.with_suffix(".json")
        ids, _ = json.loads(names.read_text())
        names.write_text(json.dumps([ids, [coded.agencies[coded.row_of(i)] for i in ids]]))
    old = saved_state(tmp_path)
    assert (old.ids, old.agencies, old.days, old.lengths) == (
        coded.ids,
        coded.agencies,
        coded.days,
        coded.lengths,
    )
    assert np.array_equal(old.used_keys(), coded.used_keys()) and old.roots() == coded.roots()

"""The compact posting blocks (postcodec.WireCodec) hold what Whoosh's W3 blocks hold, in
fewer bytes; an index an older version built in another posting format asks for a rebuild."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from indexer.analysis import StoryCharacters, StoryPositions
from indexer.check import check
from indexer.index import current_generation, make_schema, open_index, story_document
from indexer.ingest import iter_corpus_stories, reindex
from indexer.postcodec import WireCodec, decode_block, decode_varints, encode_block, encode_varints
from indexer.search import IndexMissingError
from indexer.storedfields import Packer
from indexer.story import Story
from tests.conftest import write_corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("nums", [[], [0], [127], [128], [0, 1, 300, 16384, 2**31, 5], list(range(200))])
def test_varints_read_back(nums):
    data = encode_varints(nums)
    assert decode_varints(data, len(nums)) == (nums, len(data))


WEIGHTS = [
    [1.0] * 5,  # all one: no bytes a posting
    [0.3] * 5,  # all the same (a title's 0.3 boost)
    [1.0, 2.0, 7.0, 1.0, 300.0],  # whole numbers (body frequencies)
    [0.3, 0.6, 0.3, 0.9, 0.3],  # anything else
]


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize(
    ("fixed", "values"),
    [(None, [b"\x01", b"\x02\x81\x01", b"\x00", b"\x05", b"\x7f\x7f"]), (0, []), (4, [b"abcd"] * 5)],
)
@pytest.mark.parametrize("compression", [0, 3])
def test_a_block_reads_back_as_written(weights, fixed, values, compression):
    ids = [3, 4, 90, 1000, 70000]
    f32 = array("f", weights)
    block = encode_block(ids, f32, values, fixed, max(weights), (2, 40), compression)
    data = block[16:] if not block[13] else __import__("zlib").decompress(block[16:])
    got_ids, got_weights, got_values = decode_block(data, len(ids), fixed)
    assert list(got_ids) == ids and got_weights == f32
    assert list(got_values) == (values if fixed != 0 else [None] * 5)


def postings(gen: Path) -> dict[tuple[str, bytes], list[tuple[int, float, bytes | None]]]:
    """Every term's (id, weight, value) postings, read through Whoosh's matcher interface."""
    ix = whoosh_index.open_dir(str(gen))
    found = {}
    with ix.reader() as reader:
        for fieldname, tbytes in reader.all_terms():
            m = reader.postings(fieldname, tbytes)
            found[(fieldname, tbytes)] = [(i, w, v) for i, w, v in zip(*_walk(m), strict=True)]
    ix.close()
    return found


def _walk(m):  # type: ignore[no-untyped-def]
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        values.append(m.value())
        m.next()
    return ids, weights, values


def test_wire_blocks_hold_what_w3_blocks_hold(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    stories = [s for s in iter_corpus_stories(corpus) if isinstance(s, Story)]
    stories += [s.replace(id=f"{s.id}-{n}") for n in range(40) for s in stories]  # blocks of 128 fill up
    sizes = {}
    for name, codec in (("w3", W3Codec()), ("wire", WireCodec())):
        gen = tmp_path / name
        gen.mkdir()
        ix = whoosh_index.create_in(str(gen), make_schema())
        with ix.writer(codec=codec, compound=False) as writer:
            packer = Packer(b"", ix.schema)
            for story in stories:
                writer.add_document(**packer.packed(story_document(story)))
        ix.close()
        sizes[name] = sum(p.stat().st_size for p in gen.glob("*.pst"))
    wire, w3 = postings(tmp_path / "wire"), postings(tmp_path / "w3")
    assert wire == w3 and any(len(p) > 128 for p in wire.values())
    assert sizes["wire"] < sizes["w3"] / 2


def test_an_index_in_the_old_posting_format_asks_for_a_rebuild(tmp_path):
    corpus, index_dir = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    reindex(corpus, index_dir)
    assert type(open_index(index_dir).schema["body"].format) is StoryPositions
    # the generation as the version before this one wrote it: character spans in the postings
    old = index_dir / "gen-old"
    old.mkdir()
    schema = make_schema()
    for name in ("title", "body"):
        schema[name].format = StoryCharacters(field_boost=schema[name].format.field_boost)
    ix = whoosh_index.create_in(str(old), schema)
    with ix.writer() as writer:
        writer.add_document(id="tractor", title="Tractor sales", body="Tractor sales rose")
    ix.close()
    (index_dir / "CURRENT").write_text("gen-old\n")
    assert current_generation(index_dir) == old
    with pytest.raises(IndexMissingError, match="older version.*rebuild it with `wire reindex"):
        open_index(index_dir)
    assert "wire reindex" in (check(corpus, index_dir).index_error or "")
    reindex(corpus, index_dir)  # and a rebuild reads again
    assert type(open_index(index_dir).schema["body"].format) is StoryPositions

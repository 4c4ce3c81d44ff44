"""indexer.corpus: finding, reading and writing story files on disk (real files in tmp_path)."""

import datetime as dt
import gzip
from pathlib import Path

import pytest

from indexer.corpus import (
    add_story_file,
    iter_story_files,
    read_story,
    remove_stale_temp_files,
    shard_dir,
    story_file_text,
    write_atomic,
)
from indexer.story import BadStoryError
from indexer.wire import parse_story

EXAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "000_622617eaaf54721c.txt"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_iter_story_files_finds_text_files_in_stable_order(tmp_path):
    write(tmp_path / "b.txt", "B story.")
    write(tmp_path / "a.txt", "A story.")
    write(tmp_path / "2024/02/19/c.txt", "C story.")
    write(tmp_path / "README.md", "docs")
    write(tmp_path / "README.txt", "docs")
    write(tmp_path / "notes.json", "{}")
    write(tmp_path / ".hidden.txt", "temporary")
    write(tmp_path / ".tmp/d.txt", "inside a hidden folder")
    write(tmp_path / "2024/02/19/.tmp-x.part", "half written")
    names = [p.relative_to(tmp_path).as_posix() for p in iter_story_files(tmp_path)]
    assert names == ["a.txt", "b.txt", "2024/02/19/c.txt"]


def test_iter_story_files_yields_raw_page_without_text(tmp_path):
    write(tmp_path / "2024/01/01/kept.txt", "Raw: kept.html.gz\n\nText.")
    write(tmp_path / "2024/01/01/kept.html.gz", gzip.compress(b"<html></html>"))
    write(tmp_path / "2024/01/01/orphan.html.gz", gzip.compress(b"<html></html>"))
    names = [p.name for p in iter_story_files(tmp_path)]
    assert names == ["kept.txt", "orphan.html.gz"]


def test_read_story_example(tmp_path):
    path = write(tmp_path / "2024/02/19" / EXAMPLE.name, EXAMPLE.read_bytes())
    story = read_story(tmp_path, path)
    assert story.path == "2024/02/19/000_622617eaaf54721c.txt"
    assert story.id == "000_622617eaaf54721c"
    assert (story.date, story.agency, story.place) == (dt.date(2024, 2, 19), "PTI", "New Delhi")


def test_read_story_strips_utf8_bom(tmp_path):
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfTitle: With a BOM\n\nText here.")
    assert read_story(tmp_path, path).title == "With a BOM"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n\n ", "empty file"),
        (
            "Title: Caf\u00e9\n\nLatin-1 text: caf\u00e9.".encode("latin-1"),
            "not UTF-8 text (bad byte at offset 10)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL bytes)"),
        (b"Text first." + b"\x00" * 10, "binary file (NUL bytes)"),
        (b"Advertisement\n\nAdvertisment\n", "no story text"),
    ],
)
def test_read_story_bad_file(tmp_path, data, reason):
    path = write(tmp_path / "bad.txt", data)
    with pytest.raises(BadStoryError) as e:
        read_story(tmp_path, path)
    assert str(e.value) == reason


@pytest.mark.parametrize(
    "date, story_id, shard",
    [
        (dt.date(2024, 2, 19), "abc", "2024/02/19"),
        (dt.date(987, 1, 2), "abc", "0987/01/02"),
        (None, "abcdef", "undated/ab"),
        (None, "x", "undated/x"),
        (None, "", "undated/_"),
    ],
)
def test_shard_dir(date, story_id, shard):
    assert shard_dir(date, story_id) == shard


def test_story_file_text_header_order_and_folding():
    text = story_file_text(
        {"url": "https://example.com/a", "title": "A  title\nover lines", "date": "2024-02-19", "agency": ""},
        "\n\nBody text.\n\n",
    )
    assert text == "Title: A title over lines\nDate: 2024-02-19\nUrl: https://example.com/a\n\nBody text.\n"


def test_story_file_text_without_fields_starts_with_a_blank_line():
    # a blank first line means "no header", so the body can never be read as one
    assert story_file_text({}, "Body text.") == "\nBody text.\n"


def test_body_that_looks_like_a_header_stays_body():
    """Golden case (issue 11): a record with no fields whose body starts 'Raw: ../..'."""
    text = story_file_text({}, "Raw: ../../../elsewhere/page.html.gz\n\nThe story itself.")
    story = parse_story(text, path="undated/ab/abc.txt")
    assert story.body.startswith("Raw: ../../../elsewhere/page.html.gz")


def test_add_story_file_round_trip(tmp_path):
    fields = {"title": "Monsoon arrives", "date": "2024-06-01", "agency": "PTI", "place": "Kochi"}
    body = "Kochi, June 1 (PTI) The monsoon arrived in Kerala on Saturday. PTI TGB"
    path, written = add_story_file(tmp_path, "monsoon-1", dt.date(2024, 6, 1), fields, body)
    assert written
    assert path == tmp_path / "2024/06/01/monsoon-1.txt"
    story = read_story(tmp_path, path)
    assert (story.id, story.title, story.date) == ("monsoon-1", "Monsoon arrives", dt.date(2024, 6, 1))
    assert (story.agency, story.place, story.slug) == ("PTI", "Kochi", "PTI TGB")
    assert story.body == "The monsoon arrived in Kerala on Saturday."


def test_add_story_file_never_overwrites(tmp_path):
    first, written = add_story_file(tmp_path, "s1", None, {"title": "First"}, "First text.")
    assert written
    again, written = add_story_file(tmp_path, "s1", None, {"title": "Second"}, "Second text.")
    assert (again, written) == (first, False)
    assert read_story(tmp_path, first).title == "First"


def test_write_atomic_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "deep/er/story.txt"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["story.txt"]


def test_write_atomic_failure_leaves_old_file(tmp_path):
    target = tmp_path / "story.txt"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["story.txt"]


def test_remove_stale_temp_files(tmp_path):
    write(tmp_path / "2024/01/01/.tmp-abc.part", "half")
    write(tmp_path / ".tmp-top.part", "half")
    write(tmp_path / "2024/01/01/keep.txt", "Story.")
    assert remove_stale_temp_files(tmp_path) == 2
    assert [p.name for p in iter_story_files(tmp_path)] == ["keep.txt"]
    assert remove_stale_temp_files(tmp_path) == 0

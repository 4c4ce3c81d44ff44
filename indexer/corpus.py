"""The corpus on disk: the only code that reads or writes corpus files.

Layout (see corpus/README.md): one story per UTF-8 text file, sharded by date as
YYYY/MM/DD/<id>.txt (undated: undated/<id[:2]>/<id>.txt). Pages added with
`wire add` keep their raw HTML beside the story as <id>.html.gz. Any *.txt under
the root is a story, wherever it sits, so hand-placed files work too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .encoding import read_page_bytes
from .limits import MAX_STORY_BYTES
from .story import BadStoryError, Story
from .wire import parse_header, parse_story

STORY_SUFFIX = ".txt"
RAW_SUFFIX = ".html.gz"
# Files in the corpus that are documentation, not stories.
IGNORED_NAMES = {"README.txt", "README.md", "LICENSE.txt"}
HEADER_ORDER = ("title", "date", "agency", "place", "url", "source", "slug", "raw")


class Listing(NamedTuple):
    """One folder of a walk and its file names, sorted."""

    folder: Path
    names: list[str]


def walk_folder(root: Path) -> Iterator[Listing | tuple[str, str]]:
    """A Listing for `root` and every folder below it, or
    (where, reason) for a folder that cannot be read or a link not followed.
    Hidden folders (temporary writes, .git) are passed over."""
    problems: list[tuple[str, str]] = []

    def unreadable(err: OSError) -> None:
        problems.append((str(err.filename or root), f"folder not readable ({err.strerror}): skipped"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        yield from problems
        problems.clear()
        folder = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in [d for d in dirnames if (folder / d).is_symlink()]:
            # os.walk never follows these: a link can loop back or lead anywhere; say so
            yield (str(folder / name), "a link to a folder: not followed")
        yield Listing(folder, sorted(filenames))
    yield from problems


def iter_corpus_entries(root: Path) -> Iterator[Path | tuple[str, str]]:
    """Every story file under `root` in a stable order (raw pages without text too),
    or (path, reason) for what cannot be read: an unreadable folder, a link."""
    for entry in walk_folder(root):
        if not isinstance(entry, Listing):
            yield (relative_path(root, Path(entry[0])), entry[1])
            continue
        folder, filenames = entry
        names = set(filenames)
        for name in filenames:
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            path = folder / name
            if name.endswith(STORY_SUFFIX) or (
                # a page whose text file was never written (interrupted add)
                name.endswith(RAW_SUFFIX) and name[: -len(RAW_SUFFIX)] + STORY_SUFFIX not in names
            ):
                if path.is_symlink() and not is_inside(root, path):
                    yield (relative_path(root, path), "a link to a file outside the corpus: not read")
                else:
                    yield path


def iter_story_files(root: Path) -> Iterator[Path]:
    """Every readable story file under `root`, in a stable order."""
    for entry in iter_corpus_entries(root):
        if isinstance(entry, Path):
            yield entry


def is_inside(root: Path, path: Path) -> bool:
    """True when `path`, links resolved, lies inside the folder `root`."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop on older Pythons
        return False


def relative_path(root: Path, path: Path) -> str:
    """A corpus file's path relative to the root, with forward slashes."""
    return path.relative_to(root).as_posix()


def story_id_of(path: Path) -> str:
    """The story id a corpus file carries: its name without extensions."""
    return path.name.split(".", 1)[0]


def decode_story_bytes(data: bytes) -> str:
    """Text of a story file; BadStoryError when it is not UTF-8 text."""
    if not data.strip():
        raise BadStoryError("empty file")
    if len(data) > MAX_STORY_BYTES:
        raise BadStoryError(f"larger than the {MAX_STORY_BYTES:,}-byte story limit")
    if b"\x00" in data[:8192]:
        raise BadStoryError("binary file (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadStoryError(f"not UTF-8 text (bad byte at offset {e.start})") from None


def read_story(root: Path, path: Path) -> Story:
    """Read and parse one corpus file; raw pages are re-extracted with today's rules."""
    rel = relative_path(root, path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadStoryError(f"unreadable ({e.strerror})") from None
    if path.name.endswith(RAW_SUFFIX):
        return _story_from_raw(path, rel, url="")
    text = decode_story_bytes(data)
    fields, _ = parse_header(text)
    raw = fields.get("raw")
    if raw:
        raw_path = raw_page_path(root, path, raw)
        if raw_path.is_file():
            return _story_from_raw(raw_path, rel, url=fields.get("url", ""))
    return parse_story(text, path=rel)


def raw_page_path(root: Path, story_file: Path, raw: str) -> Path:
    """The page a story file's `Raw:` header names; BadStoryError unless it is a
    .html.gz inside the corpus (a hostile header must not read other files)."""
    raw_path = story_file.parent / raw
    if not raw.endswith(RAW_SUFFIX) or not is_inside(root, raw_path):
        raise BadStoryError(f"Raw: {raw!r} is not a page inside the corpus folder; not read")
    return raw_path


def _story_from_raw(raw_path: Path, rel: str, url: str) -> Story:
    from .extract import extract_html  # heavy import; only corpora with pages need it

    try:
        data = raw_path.read_bytes()
    except OSError as e:
        raise BadStoryError(f"unreadable raw page ({e.strerror})") from None
    # read_page_bytes gunzips with a cap, so a gzip bomb planted in the corpus stops there
    html = read_page_bytes(data)
    story = extract_html(html, url=url or None)
    return story.replace(id=raw_path.name[: -len(RAW_SUFFIX)], path=rel)


def shard_dir(date: dt.date | None, story_id: str) -> str:
    """Where a story lives: YYYY/MM/DD by date, so no folder grows without bound."""
    if date is None:
        return f"undated/{story_id[:2] or '_'}"
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}"


def story_file_text(fields: dict[str, str], body: str) -> str:
    """A corpus file: 'Key: value' header lines, a blank line, then the body."""
    lines = []
    for key in HEADER_ORDER:
        value = " ".join(str(fields.get(key) or "").split())
        if value:
            lines.append(f"{key.capitalize()}: {value}")
    # Without a header the file starts with a blank line, so no body line can be
    # read as one ("Raw: ../../elsewhere" would name a file to read).
    header = "\n".join(lines) + "\n\n" if lines else "\n"
    return header + body.strip() + "\n"


def write_atomic(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write a file so that it appears whole or not at all, even on a crash.

    With sync, it is on disk (data and folder entries) when this returns; bulk
    writers pass sync=False and call `sync_to_disk()` once for a whole batch
    (an fsync per file and folder cost 7 ms a story on a busy disk).
    """
    make_dirs_durably(path.parent) if sync else path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync:
        fsync_dir(path.parent)


def sync_to_disk() -> None:
    """Put everything written so far on disk: files, folders, renames."""
    os.sync()


def make_dirs_durably(folder: Path) -> None:
    """mkdir -p, with each new folder's entry synced into its parent."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        fsync_dir(new.parent)


def fsync_dir(folder: Path) -> None:
    """Put a folder's entries (new and renamed files) on disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def story_path(root: Path, story_id: str, date: dt.date | None) -> Path:
    """Where the story file of an id and date lives."""
    return root / shard_dir(date, story_id) / f"{story_id}{STORY_SUFFIX}"


def add_story_file(
    root: Path, story_id: str, date: dt.date | None, fields: dict[str, str], body: str, *, sync: bool = True
) -> tuple[Path, bool]:
    """Write a story file unless it is already there; return (path, written)."""
    path = story_path(root, story_id, date)
    if path.exists():
        return path, False
    write_atomic(path, story_file_bytes(fields, body), sync=sync)
    return path, True


def story_file_bytes(fields: dict[str, str], body: str) -> bytes:
    """A story file's bytes; BadStoryError when reindex would refuse them (too large)."""
    data = story_file_text(fields, body).encode("utf-8")
    if len(data) > MAX_STORY_BYTES:
        raise BadStoryError(f"story is {len(data):,} bytes, over the {MAX_STORY_BYTES:,}-byte story limit")
    return data


def add_page_files(root: Path, story: Story, html: bytes) -> tuple[Path, bool]:
    """Store an added page: the raw HTML (gzip), then the story text naming it.

    The text file is written last, so it is the commit point; a page left without
    one by a crash is still indexed from the raw page. Returns (text path, written).
    """
    text_path = story_path(root, story.id, story.date)
    if text_path.exists():
        return text_path, False
    raw_path = text_path.with_name(f"{story.id}{RAW_SUFFIX}")
    fields = {
        "title": story.title,
        "date": story.date.isoformat() if story.date else "",
        "agency": story.agency,
        "place": story.place,
        "url": story.url,
        "source": story.source,
        "raw": raw_path.name,
    }
    data = story_file_bytes(fields, story.body)  # refused before anything is written
    if not raw_path.exists():
        write_atomic(raw_path, gzip.compress(html, mtime=0))
    write_atomic(text_path, data)
    return text_path, True


def temp_files(root: Path) -> list[Path]:
    """Temporary files an interrupted write left (.tmp-*.part)."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        found += [Path(dirpath, n) for n in filenames if n.startswith(".tmp-") and n.endswith(".part")]
    return sorted(found)


def remove_stale_temp_files(root: Path) -> int:
    """Delete temporary files left by an interrupted write; return how many.
    Only with the writer lock held: a running write's file looks the same."""
    found = temp_files(root)
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)

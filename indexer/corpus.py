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

from .story import BadStoryError, Story
from .wire import parse_header, parse_story

STORY_SUFFIX = ".txt"
RAW_SUFFIX = ".html.gz"
# Files in the corpus that are documentation, not stories.
IGNORED_NAMES = {"README.txt", "README.md", "LICENSE.txt"}
MAX_STORY_BYTES = 5_000_000
HEADER_ORDER = ("title", "date", "agency", "place", "url", "source", "slug", "raw")


def iter_story_files(root: Path) -> Iterator[Path]:
    """Every story file under `root`, in a stable order; raw pages without text too."""
    for dirpath, dirnames, filenames in os.walk(root):
        # hidden folders and files hold temporary writes; never read them
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        names = set(filenames)
        for name in sorted(filenames):
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            if name.endswith(STORY_SUFFIX):
                yield Path(dirpath, name)
            elif name.endswith(RAW_SUFFIX):
                # a page whose text file was never written (interrupted add)
                if name[: -len(RAW_SUFFIX)] + STORY_SUFFIX not in names:
                    yield Path(dirpath, name)


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
        raise BadStoryError(f"larger than {MAX_STORY_BYTES // 1_000_000} MB")
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
    if raw and (path.parent / raw).is_file():
        return _story_from_raw(path.parent / raw, rel, url=fields.get("url", ""))
    return parse_story(text, path=rel)


def _story_from_raw(raw_path: Path, rel: str, url: str) -> Story:
    from .extract import extract_html  # heavy import; only corpora with pages need it

    try:
        html = gzip.decompress(raw_path.read_bytes())
    except (OSError, EOFError) as e:
        raise BadStoryError(f"unreadable raw page ({e})") from None
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
    header = "\n".join(lines) + "\n\n" if lines else ""
    return header + body.strip() + "\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that it appears whole or not at all, even on a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def story_path(root: Path, story_id: str, date: dt.date | None) -> Path:
    """Where the story file of an id and date lives."""
    return root / shard_dir(date, story_id) / f"{story_id}{STORY_SUFFIX}"


def add_story_file(
    root: Path, story_id: str, date: dt.date | None, fields: dict[str, str], body: str
) -> tuple[Path, bool]:
    """Write a story file unless it is already there; return (path, written)."""
    path = story_path(root, story_id, date)
    if path.exists():
        return path, False
    write_atomic(path, story_file_text(fields, body).encode("utf-8"))
    return path, True


def add_page_files(root: Path, story: Story, html: bytes) -> tuple[Path, bool]:
    """Store an added page: the raw HTML (gzip), then the story text naming it.

    The text file is written last, so it is the commit point; a page left without
    one by a crash is still indexed from the raw page. Returns (text path, written).
    """
    text_path = story_path(root, story.id, story.date)
    if text_path.exists():
        return text_path, False
    raw_path = text_path.with_name(f"{story.id}{RAW_SUFFIX}")
    if not raw_path.exists():
        write_atomic(raw_path, gzip.compress(html, mtime=0))
    fields = {
        "title": story.title,
        "date": story.date.isoformat() if story.date else "",
        "agency": story.agency,
        "place": story.place,
        "url": story.url,
        "source": story.source,
        "raw": raw_path.name,
    }
    write_atomic(text_path, story_file_text(fields, story.body).encode("utf-8"))
    return text_path, True


def remove_stale_temp_files(root: Path) -> int:
    """Delete temporary files left by an interrupted write; return how many."""
    removed = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.startswith(".tmp-") and name.endswith(".part"):
                Path(dirpath, name).unlink(missing_ok=True)
                removed += 1
    return removed

"""Page files named on the command line, read for `wire add` here or through a server.

Light on imports, so that `wire add --server` starts quickly: the corpus module
(and the parser rules it brings) is imported only to walk a folder.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .limits import MAX_PAGE_BYTES
from .story import BadStoryError

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


class PagePathError(ValueError):
    """Page files named that cannot be added as asked; the message says why."""


def check_page_paths(paths: Iterable[Path], url: str | None = None) -> None:
    """Raise PagePathError for a named file or folder that is not there, or for a
    page URL given with more than one page ('-' is standard input)."""
    paths = list(paths)
    missing = [str(p) for p in paths if str(p) != "-" and not p.exists()]
    if missing:
        raise PagePathError(f"no such file or folder: {', '.join(missing)}")
    if url and (len(paths) > 1 or any(p.is_dir() for p in paths)):
        raise PagePathError("--url names one page: give a single file (or -)")


def iter_page_files(paths: Iterable[Path]) -> Iterator[Path | tuple[str, str]]:
    """HTML files named directly or found (recursively) in named folders, or
    (where, reason) for a folder that cannot be read or a link not followed."""
    from . import corpus  # only for folders: its parser rules are a heavy import

    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for entry in corpus.walk_folder(path):
            if not isinstance(entry, corpus.Listing):
                yield entry
                continue
            yield from (entry.folder / n for n in entry.names if n.lower().endswith(HTML_SUFFIXES))


def read_pages(paths: Iterable[Path]) -> Iterator[tuple[str, bytes | BadStoryError]]:
    """(name, bytes) for each page file, or (name, the reason it cannot be read);
    '-' reads standard input."""
    for path in paths:
        if str(path) == "-":
            yield "<stdin>", sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)
            continue
        for page in iter_page_files([path]):
            if isinstance(page, tuple):
                yield page[0], BadStoryError(page[1])
                continue
            try:
                if page.stat().st_size > MAX_PAGE_BYTES:
                    # checked before reading, so a huge file never fills memory
                    yield (
                        str(page),
                        BadStoryError(f"larger than {MAX_PAGE_BYTES // 2**20} MB (the page limit)"),
                    )
                    continue
                yield str(page), page.read_bytes()
            except OSError as e:
                yield str(page), BadStoryError(f"unreadable ({e.strerror})")

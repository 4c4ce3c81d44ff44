"""Per-source chrome: a line that recurs in many stories of one source is that site's
furniture ("Follow the Daily Planet on ...", a newsletter box, a standing caption).

No list of patterns can know every site; counting can. `ChromeCounter` counts, per
source, in how many stories each short line occurs, in bounded memory; `ChromeLines`
drops the lines counted in `MIN_STORIES` or more stories from a story's body. A
story's own sentences do not recur like that, and copies of one story (the same body)
are counted once. Pure: the caller reads the files (indexer.ingest).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from .story import Story
from .wire import derive_title, parse_header

# A line is chrome when it occurs in at least this many stories of one source.
MIN_STORIES = 5
# Only lines up to this long are counted: chrome is short, a story's paragraphs are not.
MAX_LINE_CHARS = 200
# The counter tracks at most this many (source, line) keys (8-byte hashes in one dict,
# about 100 bytes each: ~20 MB). When full, keys seen in one story only are dropped;
# a line that recurs keeps its count.
MAX_KEYS = 200_000


def line_key(source: str, line: str) -> int:
    """A 64-bit key for one line of one source (whitespace folded, case kept)."""
    text = f"{source.casefold()}\x00{' '.join(line.split())}"
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def story_lines(body: str) -> set[str]:
    """The distinct short lines of a body, whitespace folded."""
    folded = (" ".join(line.split()) for line in body.splitlines())
    return {line for line in folded if line and len(line) <= MAX_LINE_CHARS}


@dataclass
class ChromeCounter:
    """Counts in how many stories of each source every short line occurs."""

    max_keys: int = MAX_KEYS
    counts: dict[int, int] = field(default_factory=dict)
    bodies: set[int] = field(default_factory=set)

    def add(self, source: str, body: str) -> None:
        """Count the lines of one story (nothing when its source is unknown)."""
        if not source.strip():
            return
        body_key = line_key(source, body)
        if body_key in self.bodies:  # a copy of a story already counted
            return
        if len(self.bodies) < self.max_keys:
            self.bodies.add(body_key)
        for line in story_lines(body):
            key = line_key(source, line)
            self.counts[key] = self.counts.get(key, 0) + 1
        if len(self.counts) > self.max_keys:
            self.prune()

    def add_text(self, text: str) -> None:
        """Count one corpus file's text: its `Source:` header and its body."""
        fields, body = parse_header(text)
        self.add(fields.get("source", ""), body)

    def prune(self) -> None:
        """Forget the rarest keys (seen once, then twice...) until half the room is free."""
        floor = 1
        while len(self.counts) > self.max_keys // 2 and floor < MIN_STORIES:
            self.counts = {k: n for k, n in self.counts.items() if n > floor}
            floor += 1

    def chrome(self, min_stories: int = MIN_STORIES) -> ChromeLines:
        """The lines counted in at least `min_stories` stories."""
        return ChromeLines(frozenset(k for k, n in self.counts.items() if n >= min_stories))


@dataclass(frozen=True)
class ChromeLines:
    """The recurring lines of every source, and how to take them out of a story."""

    keys: frozenset[int] = frozenset()

    @classmethod
    def from_texts(cls, texts: Iterable[str], min_stories: int = MIN_STORIES) -> ChromeLines:
        """Count the corpus files' texts and keep the recurring lines."""
        counter = ChromeCounter()
        for text in texts:
            counter.add_text(text)
        return counter.chrome(min_stories)

    def is_chrome(self, source: str, line: str) -> bool:
        """True when `line` recurs in many stories of `source`."""
        return bool(self.keys) and bool(source) and line_key(source, line) in self.keys

    def clean(self, story: Story) -> Story:
        """The story without its source's recurring lines (unchanged if nothing else is left)."""
        if not self.keys or not story.source:
            return story
        paragraphs = []
        for paragraph in story.body.split("\n\n"):
            lines = [ln for ln in paragraph.split("\n") if not self.is_chrome(story.source, ln)]
            if lines:
                paragraphs.append("\n".join(lines))
        body = "\n\n".join(paragraphs)
        if body == story.body or not body.strip():
            return story
        derived = story.title == derive_title(story.body)
        return story.replace(body=body, title=derive_title(body) if derived else story.title)

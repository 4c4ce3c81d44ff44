"""What any engine's full build shares: its report, and which stories it takes.

Engine-neutral (no Whoosh, no SphinxQL): `index.py` and `sphinxwrite.py` both
build through `accepted_stories`, so both skip and count the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .story import Story


@dataclass
class BuildReport:
    """What a build or update did."""

    indexed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0


def accepted_stories(
    items: Iterable[Story | tuple[str, str]],
    report: BuildReport,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Story]:
    """The stories to index, each id once; unreadable files and repeated ids go to `report.skipped`."""
    seen: set[str] = set()
    for item in items:
        if on_progress:
            on_progress(1)
        if isinstance(item, tuple):
            report.skipped.append(item)
        elif item.id in seen:
            report.skipped.append((item.path, f"duplicate story id {item.id}"))
        else:
            seen.add(item.id)
            report.indexed += 1
            yield item


@dataclass
class AddReport:
    """What an import or add did; `skipped` holds (where, reason)."""

    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # the story ids of the pages add_pages added, in the order of `added` (a server answers with them)
    ids: list[str] = field(default_factory=list)
    # stories already in the corpus that an interrupted run had left unindexed, indexed now
    recovered: int = 0
    seconds: float = 0.0

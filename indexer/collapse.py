"""One result per syndicated story: collapsing matches on the stored cluster column.

Works on document numbers and per-document arrays read once per index version
(as docsets.py does for facets), so collapsing costs set work in memory, never a
stored-field read per match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .segmentcolumns import SegmentColumns


@dataclass(frozen=True)
class ClusterColumn:
    """Each document's cluster id and lead mark ("1" on the lead copy), and per segment
    the live copies of each cluster (a replaced story's old copy is deleted, not gone)."""

    cluster: list[str]
    lead: list[str]
    sizes: tuple[Counter[str], ...]

    @classmethod
    def read(cls, reader, cache: SegmentColumns | None = None) -> ClusterColumn:  # type: ignore[no-untyped-def]
        if "cluster" not in reader.schema or "cluster_lead" not in reader.schema:
            return cls([], [], ())  # an index built before clustering
        cache = cache or SegmentColumns()
        cluster = cache.read(reader, "cluster", "")
        lead = cache.read(reader, "cluster_lead", "")

        def live_sizes(sub) -> Counter[str]:  # type: ignore[no-untyped-def]
            values = cache.segment(sub, "cluster", "")
            size = Counter(values)
            for d in sub.deleted_docs_set if sub.has_deletions() else ():
                size[values[d]] -= 1
            del size[""]
            return size

        sizes = tuple(cache.derived(sub, "cluster sizes", live_sizes) for sub, _ in reader.leaf_readers())
        return cls(cluster, lead, sizes)

    def copies(self, docnum: int) -> int:
        """Stories in this document's cluster (1 for a story carried once)."""
        if docnum >= len(self.cluster) or not self.cluster[docnum]:
            return 1
        key = self.cluster[docnum]
        return sum(size[key] for size in self.sizes)


def collapse_docs(docs: Iterable[int], col: ClusterColumn) -> set[int]:
    """One document per cluster among `docs`: the lead copy when it is there, else the
    first (lowest-numbered) copy."""
    if not col.cluster:
        return set(docs)
    chosen: dict[str, int] = {}
    cluster, lead = col.cluster, col.lead
    for d in sorted(docs):
        key = cluster[d] or f"#{d}"
        if key not in chosen or (lead[d] and not lead[chosen[key]]):
            chosen[key] = d
    return set(chosen.values())

"""One result per syndicated story: collapsing matches on the stored cluster column.

Works on document numbers and per-document arrays read once per index version
(as docsets.py does for facets), so collapsing costs set work in memory, never a
stored-field read per match. The reader is any object with `column_reader` and
`schema` (a Whoosh reader), so this module does not import Whoosh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterColumn:
    """Each document's cluster id, its cluster's size, and whether it is the lead copy."""

    cluster: list[str]
    size: Counter[str]
    lead: list[bool]

    @classmethod
    def read(cls, reader) -> ClusterColumn:  # type: ignore[no-untyped-def]
        if "cluster" not in reader.schema or "cluster_lead" not in reader.schema:
            return cls([], Counter(), [])  # an index built before clustering
        cluster = read_column(reader, "cluster", "")
        lead = [bool(v) for v in read_column(reader, "cluster_lead", "")]
        size = Counter(c for c in cluster if c)
        return cls(cluster, size, lead)

    def copies(self, docnum: int) -> int:
        """Stories in this document's cluster (1 for a story carried once)."""
        if docnum >= len(self.cluster) or not self.cluster[docnum]:
            return 1
        return self.size[self.cluster[docnum]]


def read_column(reader, fieldname: str, default: object, translate: bool = True) -> list:  # type: ignore[no-untyped-def,type-arg]
    """A column's value for every document, segment by segment.

    Whoosh's multi-segment column reader leaves out segments that lack the column
    (an added batch with no lead copy in it), shifting every later document.
    """
    values: list = []  # type: ignore[type-arg]
    for sub, _offset in reader.leaf_readers():
        if sub.has_column(fieldname):
            values.extend(sub.column_reader(fieldname, translate=translate))
        else:
            values.extend([default] * sub.doc_count_all())
    return values


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

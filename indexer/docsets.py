"""Exact counts, filters and facet counts from sets of document numbers.

Whoosh counts matches (len(results)) and groups facets by running the query
again through its Python matchers, scoring every match: at 200,000 stories that
was 85% of query time. Here a query's matches come from posting lists combined
with set operations (done in C), and filters and facets read per-document
arrays of the metadata columns, built once per index version.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from whoosh import query
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.times import datetime_to_long

from .facets import place_key, rank_counts
from .fastscore import PostingArrays
from .index import MISSING_DATE
from .patches import expanded_terms, posting_ids
from .phrases import contains_sorted, is_array_phrase, phrase_btexts, phrase_docs
from .search import FACET_FIELDS, FacetCount, SearchRequest
from .segmentcolumns import SegmentColumns, read_column

FACET_LIMIT = 20
# Query terms (after wildcard expansion) looked up for highlighting.
MAX_HIGHLIGHT_TERMS = 64


@dataclass(frozen=True)
class Coded:
    """A column as numbers: `codes[d]` is document d's index into `values`."""

    codes: np.ndarray
    values: list[str]

    @classmethod
    def of(cls, column: list[str]) -> Coded:
        numbers: dict[str, int] = {}
        codes = np.fromiter((numbers.setdefault(v, len(numbers)) for v in column), np.int64, len(column))
        return cls(codes, list(numbers))

    def counts(self, docs: np.ndarray) -> dict[str, int]:
        """How many of `docs` hold each value (empty values left out)."""
        counted = np.bincount(self.codes[docs], minlength=len(self.values))
        values = self.values
        return {values[i]: int(counted[i]) for i in np.flatnonzero(counted).tolist() if values[i]}

    def top_group_counts(
        self, docs: np.ndarray, groups: np.ndarray, limit: int, keep: np.ndarray
    ) -> tuple[dict[str, int], int]:
        """`counts` of only the values whose group (`groups[code]`, -1 for none)
        can rank in the `limit` largest or is in `keep`; and the number of groups.

        A common word's matches hold hundreds of places, of which 20 are shown:
        summing groups in numpy first spares grouping the rest in Python.
        """
        counted = np.bincount(self.codes[docs], minlength=len(self.values))
        present = np.flatnonzero(counted)
        present = present[groups[present] >= 0]
        totals = np.bincount(groups[present], weights=counted[present], minlength=len(keep))
        size = int(np.count_nonzero(totals))
        if not size:
            return {}, 0
        cut = np.partition(totals, -limit)[-limit] if 0 < limit < len(totals) else 1
        wanted = ((totals >= max(cut, 1)) | (keep & (totals > 0)))[groups[present]]
        values = self.values
        return {values[i]: int(counted[i]) for i in present[wanted].tolist()}, size


@dataclass(frozen=True)
class Columns:
    """The metadata of every document, indexed by document number."""

    agency: list[str]
    place: list[str]
    year: list[str]
    date: list[int]  # raw column values (see whoosh.util.times)
    place_key: list[str] = field(default_factory=list)  # facets.place_key of each place
    coded: dict[str, Coded] = field(default_factory=dict)  # the facet columns, for counting
    # each coded place value's group (a number per place_key; -1 for no key), the keys in order
    place_groups: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_keys: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, reader, cache: SegmentColumns | None = None) -> Columns:  # type: ignore[no-untyped-def]
        # per segment: Whoosh's multi-segment reader skips segments without the column
        place = read_column(reader, "place_facet", "", cache=cache)
        keys = {value: place_key(value) for value in set(place)}
        agency = read_column(reader, "agency_facet", "", cache=cache)
        year = read_column(reader, "year", "", cache=cache)
        coded = {"agency": Coded.of(agency), "place": Coded.of(place), "year": Coded.of(year)}
        numbers: dict[str, int] = {}
        groups = [numbers.setdefault(keys[v], len(numbers)) if keys[v] else -1 for v in coded["place"].values]
        return cls(
            agency=agency,
            place=place,
            year=year,
            date=read_column(reader, "date", MISSING_DATE, translate=False, cache=cache),
            place_key=[keys[value] for value in place],
            coded=coded,
            place_groups=np.array(groups, dtype=np.int64),
            group_keys=list(numbers),
        )


def term_set(  # type: ignore[no-untyped-def]
    searcher,
    fieldname: str,
    text: str | bytes,
    memo: dict | None = None,  # type: ignore[type-arg]
) -> set[int]:
    """Document numbers of one term's postings, read block by block (without the
    posting arrays of the numpy path: `term_array` reads those).

    Whoosh's all_ids() steps through postings one Python call at a time; reading
    each block's id array at once is several times faster (patches.posting_ids).
    `memo` shares sets between the steps of one request.
    """
    key = (fieldname, text if isinstance(text, bytes) else searcher.schema[fieldname].to_bytes(text))
    if memo is not None and key in memo:
        return memo[key]
    found: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        try:
            m = reader.postings(fieldname, text)
        except TermNotFound:
            continue
        deleted = None
        if isinstance(m, FilterMatcher):
            deleted, m = reader.deleted_docs_set, m.child
        ids = posting_ids(m)
        if deleted:
            ids = [i for i in ids if i not in deleted]
        found.update(i + offset for i in ids) if offset else found.update(ids)
    if memo is not None:
        memo[key] = found
    return found


def match_set(  # type: ignore[no-untyped-def]
    searcher,
    q: query.Query,
    memo: dict | None = None,  # type: ignore[type-arg]
    arrays: PostingArrays | None = None,
) -> set[int]:
    """Document numbers matching `q`; And/Or/Not by set algebra, leaves by Whoosh."""
    if arrays is not None:
        found_array = match_array(searcher, q, arrays)
        if found_array is not None:  # one set made at the end, not one per word and union
            return set(found_array.tolist())
    if _is_word(searcher, q):
        return set(term_set(searcher, q.fieldname, q.text, memo))
    if isinstance(q, query.Or):
        found: set[int] = set()
        for sub in q.subqueries:
            found |= match_set(searcher, sub, memo, arrays)
        return found
    if isinstance(q, query.And):
        positives = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
        negatives = [sub.query for sub in q.subqueries if isinstance(sub, query.Not)]
        if not positives:
            return set(searcher.docs_for_query(q))
        sets = sorted((match_set(searcher, sub, memo, arrays) for sub in positives), key=len)
        found = sets[0].intersection(*sets[1:])
        for sub in negatives:
            found -= match_set(searcher, sub, memo, arrays)
        return found
    if isinstance(q, query.ConstantScoreQuery):
        return match_set(searcher, q.child, memo, arrays)
    return set(searcher.docs_for_query(q))


def _is_word(searcher, q: query.Query) -> bool:  # type: ignore[no-untyped-def]
    return (
        isinstance(q, query.Term)
        and searcher.schema[q.fieldname].format is not None
        and isinstance(q.text, str)
    )


def match_array(searcher, q: query.Query, arrays: PostingArrays) -> np.ndarray | None:  # type: ignore[no-untyped-def]
    """Sorted document numbers of an OR of words and exact phrases, from the posting
    arrays; None for any other query (match_set's set algebra answers it)."""
    if _is_word(searcher, q):
        return term_array(searcher, q.fieldname, q.text, arrays)
    if is_array_phrase(q, searcher.schema):
        return phrase_array(searcher, q, arrays)  # type: ignore[arg-type]
    if isinstance(q, query.ConstantScoreQuery):
        return match_array(searcher, q.child, arrays)
    if not isinstance(q, query.Or):
        return None
    parts = []
    for sub in q.subqueries:
        part = match_array(searcher, sub, arrays)
        if part is None:
            return None
        parts.append(part)
    if len(parts) < 2:
        return parts[0] if parts else _NO_DOCS
    # a mask over the documents: np.unique's sort of the concatenation was slower
    marked = np.zeros(searcher.doc_count_all(), dtype=bool)
    for part in parts:
        marked[part] = True
    return np.flatnonzero(marked)


_NO_DOCS = np.zeros(0, dtype=np.int64)


def term_array(searcher, fieldname: str, text: str | bytes, arrays: PostingArrays) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Sorted document numbers of one term's postings, from the posting arrays."""
    btext = text if isinstance(text, bytes) else searcher.schema[fieldname].to_bytes(text)
    parts = [
        arrays.postings(sub.reader(), fieldname, btext)[0] + offset
        for sub, offset in searcher.leaf_searchers()
        if (fieldname, btext) in sub.reader()
    ]
    return np.concatenate(parts) if parts else _NO_DOCS


def phrase_array(searcher, q: query.Phrase, arrays: PostingArrays) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Sorted document numbers of an exact phrase, matched on the posting arrays (phrases.py)."""
    btexts = phrase_btexts(q, searcher.schema)
    if btexts is None:
        return _NO_DOCS
    parts = [
        phrase_docs(sub.reader(), q.fieldname, btexts, arrays) + offset
        for sub, offset in searcher.leaf_searchers()
    ]
    return np.concatenate(parts) if parts else _NO_DOCS


def _date_bounds(request: SearchRequest) -> tuple[int, int]:
    lo = datetime_to_long(dt.datetime.combine(request.date_from, dt.time())) if request.date_from else 0
    hi = (
        datetime_to_long(dt.datetime.combine(request.date_to, dt.time.max))
        if request.date_to
        else MISSING_DATE - 1
    )
    return lo, hi


def apply_filters(docs: Iterable[int], cols: Columns, request: SearchRequest, skip: str = "") -> set[int]:
    """The documents that pass the request's filters (all but the `skip` facet)."""
    agencies = set(request.agency) if skip != "agency" else set()
    # one place in any of its forms (NEW DELHI, New Delhi)
    places = {place_key(p) for p in request.place} if skip != "place" else set()
    years = {str(y) for y in request.year} if skip != "year" else set()
    dated = bool(request.date_from or request.date_to)
    lo, hi = _date_bounds(request)
    return {
        d
        for d in docs
        if (not agencies or cols.agency[d] in agencies)
        and (not places or cols.place_key[d] in places)
        and (not years or cols.year[d] in years)
        and (not dated or lo <= cols.date[d] <= hi)
    }


def facet_counts(
    docs: set[int], cols: Columns, request: SearchRequest, sizes: dict[str, int] | None = None
) -> dict[str, list[FacetCount]]:
    """Counts per agency, place and year. Each facet counts with the other
    filters applied but not its own, so choosing PTI still shows Reuters.
    Places are grouped by facets.place_key; `sizes` receives each facet's number of values."""
    facets = {}
    limit = request.facet_limit or FACET_LIMIT
    unfiltered = None if request.filtered else _as_array(docs)
    for name in FACET_FIELDS:
        chosen = getattr(request, name)
        base = _as_array(apply_filters(docs, cols, request, skip=name)) if unfiltered is None else unfiltered
        # a bincount over the coded column: a Counter over the matches was 13% of a request
        if name == "place" and len(cols.place_groups):
            keep = np.isin(cols.group_keys, [place_key(str(v)) for v in chosen])
            counts, size = cols.coded[name].top_group_counts(base, cols.place_groups, limit, keep)
            facets[name] = rank_counts(name, counts, chosen, limit)[0]
        else:
            facets[name], size = rank_counts(name, cols.coded[name].counts(base), chosen, limit)
        if sizes is not None:
            sizes[name] = size
    return facets


def _as_array(docs: set[int]) -> np.ndarray:
    return np.fromiter(docs, dtype=np.int64, count=len(docs))


def highlight_terms(searcher, q: query.Query, fields: tuple[str, ...]) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    """The (field, term) pairs of a query that exist in the index, wildcards expanded.

    (Query.existing_terms would do, but it drops all but one field's terms.)
    """
    reader = searcher.reader()
    found: dict[tuple[str, bytes], None] = {}
    for leaf in list(q.leaves()) or [q]:
        fieldname = getattr(leaf, "fieldname", None)
        if fieldname not in fields:
            continue
        if isinstance(leaf, query.MultiTerm):  # prefix*, wildcards, fuzzy~
            btexts = list(itertools.islice(expanded_terms(leaf, reader), MAX_HIGHLIGHT_TERMS))
        else:
            to_bytes = searcher.schema[fieldname].to_bytes
            btexts = [to_bytes(text) for _, text in leaf.iter_all_terms(phrases=True)]
        for btext in btexts:
            if (fieldname, btext) in reader:
                found[(fieldname, btext)] = None
    return list(found)[:MAX_HIGHLIGHT_TERMS]


def record_matched_terms(
    searcher,
    results_list,
    q: query.Query,
    fields: tuple[str, ...],
    memo: dict | None = None,  # type: ignore[type-arg]
    arrays: PostingArrays | None = None,
) -> None:  # type: ignore[no-untyped-def]
    """Tell Whoosh results which query terms each top hit contains.

    Whoosh records this itself with terms=True, but for every match, not just
    the top ones (a third of query time on common words). Its fast highlighter
    only needs it for the hits shown.
    """
    terms = highlight_terms(searcher, q, fields)
    if arrays is not None:  # only the shown hits looked up, no set of every posting
        shown = np.array(sorted({d for results in results_list for _, d in results.top_n}), dtype=np.int64)
        sets = {
            term: set(shown[contains_sorted(term_array(searcher, *term, arrays), shown)].tolist())
            for term in terms
        }
    else:
        sets = {term: term_set(searcher, *term, memo=memo) for term in terms}
    for results in results_list:
        top = {docnum for _, docnum in results.top_n}
        results.termdocs = {term: [d for d in top if d in docs] for term, docs in sets.items()}
        results.docterms = {d: [term for term, docs in sets.items() if d in docs] for d in top}

"""Searching the Whoosh index: the embedded SearchBackend.

WhooshSearch answers the SearchBackend interface by putting the parts together:
`searchers.py` (per-thread searchers, index swaps, the parser of each generation),
`versioncache.py` (one locked cache keyed by index version), `queries.py` (what a
query means), `docsets.py` (match sets, filters, facets), `rankstages.py` (the
ranking stages), `hits.py` (hits and snippets) and `suggest.py` ("Did you mean").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh import query
from whoosh.util.times import long_to_datetime

from .analysis import term_spans
from .collapse import ClusterColumn, collapse_docs
from .docsets import Columns, apply_filters, facet_counts, highlight_terms, match_set, record_matched_terms
from .fastscore import PostingArrays
from .hits import cluster_members, make_hit, set_snippet_style, top_hits, with_outlets
from .index import LEXICON_ID_PREFIX, MISSING_DATE, story_from_fields
from .limits import MAX_SEARCH_SECONDS
from .marking import mark_paragraphs
from .patches import narrow_highlighting
from .queries import (
    LOOSE_NOTICE,
    QUERY_FIELDS,
    QueryPlan,
    WordStats,
    count_terms,
    limit_expansions,
    loose_reading,
    parse_query,
    plain_words,
    plan_query,
    prepare_text,
)
from .ranking import DEFAULT_RANKING, Ranking
from .rankstages import RANKING_SECONDS, rank_plan
from .search import (
    DEFAULT_PAGELEN,
    DEFAULT_SORT,
    FacetCount,
    Hit,
    IndexStats,
    SearchError,
    SearchRequest,
    SearchResults,
    Timeline,
)
from .searchers import Reading, SearcherPool
from .segmentcolumns import SegmentColumns
from .spelling import Vocabulary
from .storedfields import stored
from .story import Story
from .suggest import suggest_query
from .timeline import build_timeline
from .versioncache import RESULT_CACHE_SIZE, VersionCache

# Hits whose match offsets one export step loads for its snippets (see narrow_highlighting).
HIGHLIGHT_BATCH = 200
# What Whoosh raises on a query it cannot run, answered as a SearchError.
QUERY_ERRORS = (ValueError, TypeError, IndexError, RecursionError)
TOO_LONG_NOTICE = "This query took too long to rank in full: the best matches found in time are shown."


class WhooshSearch:
    """The embedded search backend over an index folder built by `wire reindex`.

    `result_cache_size` answers (per kind: searches, timelines) are remembered per
    index version, so a repeated or paged query costs nothing; 0 computes every one.
    `fast_scoring` scores an OR of words in numpy (fastscore.py, the same results);
    False ranks every query through Whoosh's matchers, for comparing the two.
    """

    def __init__(
        self,
        index_dir: Path | str,
        *,
        ranking: Ranking = DEFAULT_RANKING,
        result_cache_size: int = RESULT_CACHE_SIZE,
        fast_scoring: bool = True,
    ):
        self.index_dir = Path(index_dir)
        self._ranking = ranking
        self._fast_scoring = fast_scoring
        self._cache = VersionCache(result_cache_size)
        self._segments = SegmentColumns()  # outlives versions: an add re-reads only its segment
        self._pool = SearcherPool(self.index_dir, ranking.weighting)

    def searcher(self):  # type: ignore[no-untyped-def]
        """This thread's Whoosh searcher, brought up to date with the index."""
        return self._pool.reading().searcher

    def close(self) -> None:
        """Close every thread's searcher (their files stay open until then)."""
        self._pool.close()

    def warm(self) -> None:
        """Load what every search of this index version reads, once: the columns,
        clusters, hidden lexicon documents, field lengths, spelling vocabulary.

        A server calls it before forking its workers, then `close()`: the workers
        share these values (copy-on-write) and open their own searchers, instead of
        each building them on its first requests (80-200 ms each, measured).
        """
        r = self._pool.reading()
        self._hidden(r)
        self._columns(r)
        self._clusters(r)
        self._vocabulary(r)
        postings = self._postings(r)
        if postings is not None:
            for sub, _ in r.searcher.leaf_searchers():
                for fieldname in QUERY_FIELDS:
                    postings.lengths(sub.reader(), fieldname)

    # -- values of one index version -------------------------------------------------

    def _hidden(self, r: Reading) -> set[int]:
        """Document numbers of the lexicon documents, which are never results."""
        return self._cache.value(
            r.version, "hidden", lambda: set(r.searcher.docs_for_query(query.Prefix("id", LEXICON_ID_PREFIX)))
        )

    def _columns(self, r: Reading) -> Columns:
        return self._cache.value(
            r.version, "columns", lambda: Columns.read(r.searcher.reader(), self._segments)
        )

    def _clusters(self, r: Reading) -> ClusterColumn:
        return self._cache.value(
            r.version, "clusters", lambda: ClusterColumn.read(r.searcher.reader(), self._segments)
        )

    def _vocabulary(self, r: Reading) -> Vocabulary:
        """Every word the index knows, for "Did you mean"."""

        def read() -> Vocabulary:
            words = r.searcher.reader().lexicon("words")
            return Vocabulary.of([w.decode("utf-8") if isinstance(w, bytes) else w for w in words])

        return self._cache.value(r.version, "vocabulary", read)

    def _postings(self, r: Reading) -> PostingArrays | None:
        """Posting arrays of this version for the numpy scorer; None when it is off."""
        return self._cache.value(r.version, "postings", PostingArrays) if self._fast_scoring else None

    # -- search ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search request: ranked hits, snippets, facets, suggestion."""
        request.validate()
        started = time.perf_counter()
        r = self._pool.reading()
        cached = self._cache.answer(r.version, "search", request)
        if cached is not None:
            return dataclasses.replace(cached, seconds=time.perf_counter() - started)
        try:
            results = self._search(r, request, started)
        except QUERY_ERRORS as e:
            raise SearchError(f"cannot run this query: {e}") from None
        self._cache.remember(r.version, "search", request, results)
        return results

    def _search(self, r: Reading, request: SearchRequest, started: float) -> SearchResults:
        s = r.searcher
        memo: dict[Any, Any] = {}  # posting-list sets shared by counting and highlighting
        plan, matches, allowed, cols, notice = self._read(r, request, memo)
        if plan is None:
            return SearchResults(request, 0, [], time.perf_counter() - started, notice=notice)
        clusters = self._clusters(r)
        copies = len(allowed)
        narrowed = request.filtered
        if request.collapse:  # one story per cluster: totals and facets count stories
            # without filters both are one set: collapse it once
            collapsed = collapse_docs(matches, clusters)
            allowed = collapsed if allowed is matches else collapse_docs(allowed, clusters)
            matches = collapsed
            narrowed = narrowed or len(allowed) < copies
        need = request.page * request.pagelen
        ranked = self._ranked(r, plan, request, need, allowed if narrowed else None, memo)
        if time.perf_counter() - started > MAX_SEARCH_SECONDS / 2:
            notice = TOO_LONG_NOTICE
        start = (request.page - 1) * request.pagelen
        hits = [with_outlets(s, make_hit(hit, clusters=clusters), clusters) for hit in ranked[start:need]]
        sizes: dict[str, int] = {}
        timeline = self._timeline_of(r, allowed) if request.timeline and allowed else None
        return SearchResults(
            request,
            len(allowed),
            hits,
            time.perf_counter() - started,
            facets=facet_counts(matches, cols, request, sizes) if cols and request.facets else {},
            suggestion=suggest_query(s, request.query, lambda: self._vocabulary(r))
            if request.spelling
            else None,
            notice=notice,
            copies=copies,
            facet_sizes=sizes,
            timeline=timeline,
        )

    def _read(self, r: Reading, request: SearchRequest, memo: dict[Any, Any]):  # type: ignore[no-untyped-def]
        """The query's plan and matches: (plan, matches, allowed, columns, notice),
        the plan None for a query without words. When the strict reading (operators,
        phrases, all words) finds nothing, the loose reading answers, with a notice."""
        s = r.searcher
        q, notice = parse_query(r.generation.parser, request.query)
        if q is query.NullQuery or q is None:
            return None, set(), set(), None, notice
        q, broad = limit_expansions(q, s.reader())
        notice = notice or broad
        plan = self._plan_words(r, q, request.query)
        hidden = self._hidden(r)
        cols = self._columns(r) if (request.filtered or request.facets) else None

        def matching(p: QueryPlan) -> tuple[set[int], set[int]]:
            found = match_set(s, p.everything, memo, self._postings(r)) - hidden
            return found, apply_filters(found, cols, request) if cols and request.filtered else found

        matches, allowed = matching(plan)
        if not allowed:
            loose = loose_reading(q)
            if loose is not None and loose != plan.everything:
                fallback = QueryPlan(loose)
                found, passing = matching(fallback)
                if passing:
                    plan, matches, allowed, notice = fallback, found, passing, notice or LOOSE_NOTICE
        return plan, matches, allowed, cols, notice

    def _plan_words(self, r: Reading, q: query.Query, qstring: str) -> QueryPlan:
        s = r.searcher
        total = max(1, s.doc_count_all())

        def share(clause: query.Query) -> float:
            leaves = list(clause.leaves()) or [clause]
            dfs = [s.doc_frequency(t.fieldname, t.text) for t in leaves if isinstance(t, query.Term)]
            return max(dfs, default=0) / total

        counts = count_terms(s.schema, plain_words(prepare_text(qstring)))
        stats = WordStats(share, r.generation.stop_terms, counts)
        return plan_query(q, qstring, self._ranking, stats)

    def _ranked(  # type: ignore[no-untyped-def]
        self,
        r: Reading,
        plan: QueryPlan,
        request: SearchRequest,
        need: int,
        allowed: set[int] | None,
        memo=None,
        seconds: float | None = RANKING_SECONDS,
        snippets: bool = True,
    ) -> list[Any]:
        """The first `need` Whoosh hits in the request's order; with `snippets`, ready to highlight."""
        s = r.searcher
        results = rank_plan(
            s, plan, self._ranking, sort=request.sort, need=need, allowed=allowed, hidden=self._hidden(r),
            seconds=seconds, fast=self._postings(r),
        )  # fmt: skip
        if snippets:
            record_matched_terms(s, results, plan.everything, QUERY_FIELDS, memo, self._postings(r))
            for found in results:
                set_snippet_style(found)
        return [hit for found in results for hit in top_hits(found)]

    # -- timeline and export (views of the whole match set) ---------------------------

    def _plan(self, r: Reading, request: SearchRequest) -> QueryPlan | None:
        """The query plan of a request as `_search` makes it; every story for "" ."""
        if not request.query.strip():
            return QueryPlan(query.Every())
        # the same reading as search(), the loose fallback included, so counts agree
        return self._read(r, request, {})[0]  # type: ignore[no-any-return]

    def _allowed(self, r: Reading, request: SearchRequest, plan: QueryPlan, memo: dict[Any, Any]) -> set[int]:
        """Document numbers of every match that passes the filters: what `total` counts."""
        matches = match_set(r.searcher, plan.everything, memo, self._postings(r)) - self._hidden(r)
        allowed = apply_filters(matches, self._columns(r), request) if request.filtered else matches
        # one story per syndication cluster (the lead copy), unless every copy is asked for
        return collapse_docs(allowed, self._clusters(r)) if request.collapse else allowed

    def timeline(self, request: SearchRequest) -> Timeline:
        """Matches per day from the date column, bucketed by `build_timeline`."""
        request.validate()
        r = self._pool.reading()
        # paging, sort, facets and spelling do not change the match set
        same = dataclasses.replace(
            request,
            page=1,
            pagelen=DEFAULT_PAGELEN,
            sort=DEFAULT_SORT,
            facets=False,
            spelling=False,
            facet_limit=None,
            timeline=False,
        )
        cached = self._cache.answer(r.version, "timeline", same)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        try:
            plan = self._plan(r, request)
            allowed = self._allowed(r, request, plan, {}) if plan else set()
        except QUERY_ERRORS as e:
            raise SearchError(f"cannot run this query: {e}") from None
        timeline = self._timeline_of(r, allowed)
        self._cache.remember(r.version, "timeline", same, timeline)
        return timeline

    def _timeline_of(self, r: Reading, allowed: set[int]) -> Timeline:
        """The timeline of these documents, counted from the date column."""
        dates = self._columns(r).date
        raw = Counter(dates[d] for d in allowed)
        undated = sum(n for v, n in raw.items() if not 0 < v < MISSING_DATE)
        days: Counter[dt.date] = Counter()
        for value, n in raw.items():
            if 0 < value < MISSING_DATE:
                days[long_to_datetime(value).date()] += n
        return build_timeline(days, undated)

    def iter_hits(
        self, request: SearchRequest, limit: int, *, body: bool = False, snippets: bool = True
    ) -> Iterator[Hit]:
        """Up to `limit` hits in the request's order across all pages; each Hit
        (stored fields, snippet) is made only when the consumer asks for it.
        `snippets=False` leaves Hit.snippet the story's lead: cheaper when only the
        order and the stored fields are wanted (lists of ids, evaluation)."""
        request.validate()
        r = self._pool.reading()
        highlight = snippets and bool(request.query.strip())
        try:
            plan = self._plan(r, request)
            if plan is None or limit < 1:
                return
            memo: dict[Any, Any] = {}
            allowed = self._allowed(r, request, plan, memo) if request.filtered or request.collapse else None
            ranked = self._ranked(r, plan, request, limit, allowed, memo, seconds=None, snippets=highlight)
            clusters = self._clusters(r)
        except QUERY_ERRORS as e:
            raise SearchError(f"cannot run this query: {e}") from None
        for start in range(0, len(ranked), HIGHLIGHT_BATCH):
            batch = ranked[start : start + HIGHLIGHT_BATCH]
            narrow_highlighting(batch)
            # a Whoosh hit keeps the stored fields it read (the body too): let each go once made
            ranked[start : start + HIGHLIGHT_BATCH] = [None] * len(batch)
            while batch:
                hit = batch.pop(0)
                yield make_hit(hit, highlight=highlight, body=body, clusters=clusters)

    # -- stories -----------------------------------------------------------------------

    def story_copies(self, story_id: str) -> list[Story]:
        """Every story of this story's cluster, the lead copy first, then by date."""
        r = self._pool.reading()
        s = r.searcher
        fields = stored(s).document(id=story_id)
        if not fields or story_id.startswith(LEXICON_ID_PREFIX):
            return []
        members = cluster_members(s, fields.get("cluster") or story_id, self._clusters(r))
        return members or [story_from_fields(fields)]

    def get_story(self, story_id: str) -> Story | None:
        if story_id.startswith(LEXICON_ID_PREFIX):
            return None
        fields = stored(self.searcher()).document(id=story_id)
        return story_from_fields(fields) if fields else None

    def marked_paragraphs(self, story_id: str, query_text: str = "") -> list[str] | None:
        """The story's body as paragraphs of HTML where only <mark> is markup: the words
        `query_text` matched, marked from the index's character offsets exactly as the
        result snippets mark them. None when there is no such story."""
        if story_id.startswith(LEXICON_ID_PREFIX):
            return None
        r = self._pool.reading()
        docnum = r.searcher.document_number(id=story_id)
        if docnum is None:
            return None
        body = stored(r.searcher).of(docnum).get("body", "")
        return mark_paragraphs(body, self._match_spans(r, body, query_text) if query_text.strip() else [])

    def _match_spans(self, r: Reading, body: str, query_text: str) -> list[tuple[int, int]]:
        """Character spans in the body of the terms the query matched (the snippets' terms),
        from the body analysed as indexing analysed it (the postings hold no spans)."""
        plan = self._read(r, SearchRequest(query_text), {})[0]
        if plan is None:
            return []
        s = r.searcher
        words = [s.schema[f].from_bytes(b) for f, b in highlight_terms(s, plan.everything, ("body",))]
        found = term_spans(body, frozenset(words))
        return [span for word in words for span in found.get(word, ())]

    def more_like_this(self, story_id: str, limit: int = 5) -> list[Hit]:
        s = self.searcher()
        docnum = s.document_number(id=story_id)
        body = "" if docnum is None else stored(s).of(docnum).get("body", "")
        if not body:  # Whoosh would find no key terms in it either
            return []
        results = s.more_like(docnum, "body", text=body, top=limit)
        set_snippet_style(results)
        return [make_hit(hit) for hit in results]

    def stats(self) -> IndexStats:
        """Counts for the front page, computed once per index version."""
        r = self._pool.reading()
        return self._cache.value(r.version, "stats", lambda: compute_stats(r.searcher))


def compute_stats(s) -> IndexStats:  # type: ignore[no-untyped-def]
    """Stories, date range and agencies of the index, from its columns."""
    reader = s.reader()
    # raw column values: a story without a date holds the column's all-ones default
    dates = [v for v in reader.column_reader("date", translate=False) if 0 < v < MISSING_DATE]
    agencies: dict[str, int] = {}
    for value in reader.column_reader("agency_facet"):
        if value:
            agencies[value] = agencies.get(value, 0) + 1
    lexicons = len(s.search(query.Prefix("id", LEXICON_ID_PREFIX), limit=None))
    return IndexStats(
        stories=s.doc_count() - lexicons,
        first_date=long_to_datetime(min(dates)).date() if dates else None,
        last_date=long_to_datetime(max(dates)).date() if dates else None,
        agencies=[FacetCount(k, n) for k, n in sorted(agencies.items(), key=lambda kv: -kv[1])],
    )

"""Searching the Whoosh index: the embedded SearchBackend.

Whoosh searchers are not thread-safe, so each thread keeps its own, reused and
checked per request (up_to_date() is cheap) and replaced when the index changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import itertools
import math
import re
import threading
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from whoosh import collectors, highlight, query
from whoosh.searching import TimeLimit
from whoosh.util.times import long_to_datetime

from .collapse import ClusterColumn, collapse_docs
from .docsets import Columns, apply_filters, facet_counts, highlight_terms, match_set, record_matched_terms
from .index import LEXICON_ID_PREFIX, MISSING_DATE, current_generation, open_index, story_from_fields
from .limits import MAX_SEARCH_SECONDS, MAX_SPELL_WORD_CHARS
from .marking import mark_paragraphs
from .queries import (
    LOOSE_NOTICE,
    OPERATOR_WORDS_RE,
    QUERY_FIELDS,
    QueryPlan,
    WordStats,
    count_terms,
    date_facet,
    limit_expansions,
    loose_reading,
    make_parser,
    parse_query,
    plain_words,
    plan_query,
    prepare_text,
    query_stop_terms,
)
from .ranking import DEFAULT_RANKING, Ranking, feedback_query, proximity_bonus, score_documents, uses_feedback
from .search import FacetCount, Hit, IndexStats, SearchError, SearchRequest, SearchResults, Timeline
from .spelling import close_words, edit_distance, rank_candidates
from .story import Story
from .timeline import build_timeline

# Searches remembered per index version (a repeated or paged query costs nothing).
RESULT_CACHE_SIZE = 512
SNIPPET_CHARS = 220
SNIPPET_FRAGMENTS = 2
# Hits whose match offsets one export step loads for its snippets (see narrow_highlighting).
HIGHLIGHT_BATCH = 200
# Words a "Did you mean" looks at: letters only, not a field name ("place:").
SPELL_WORD_RE = re.compile(r"(?<![\w:*?&.-])[^\W\d_]{3,}(?![\w:*?]|[-&.]\w)")
MAX_CORRECTIONS = 3
# Close words fetched per unknown word before our own ranking picks among them.
SPELL_CANDIDATES = 500


class MarkFormatter(highlight.Formatter):
    """Snippet HTML: matches in <mark>, everything else escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):  # type: ignore[no-untyped-def]
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=False) + "</mark>"

    def _text(self, text):  # type: ignore[no-untyped-def]
        return html.escape(text, quote=False)


def set_snippet_style(results) -> None:  # type: ignore[no-untyped-def]
    """Pinpoint fragments (from stored character offsets) marked with <mark>."""
    results.fragmenter = highlight.PinpointFragmenter(
        maxchars=SNIPPET_CHARS // SNIPPET_FRAGMENTS + 40, surround=60, autotrim=True
    )
    results.formatter = MarkFormatter()


def lead_snippet(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The story's opening words, escaped: the snippet when no match is in the body."""
    lead = " ".join(body.split())
    if len(lead) > limit:
        lead = lead[:limit].rsplit(" ", 1)[0] + " …"
    return html.escape(lead, quote=False)


def is_known_word(s, word: str) -> bool:  # type: ignore[no-untyped-def]
    """True when the word occurs as written (case aside) somewhere in the index."""
    return ("words", word.lower()) in s.reader()


def suggest_query(s, qstring: str, vocabulary: Callable[[], Sequence[str]]) -> str | None:  # type: ignore[no-untyped-def]
    """ "Did you mean": each unknown word replaced by a close real word from the
    index, choosing among close words the combination found together most often.
    `vocabulary` gives the index's words (called only when a word is unknown)."""
    spans = [
        m
        for m in SPELL_WORD_RE.finditer(qstring)
        if len(m.group(0)) <= MAX_SPELL_WORD_CHARS
        and not OPERATOR_WORDS_RE.fullmatch(m.group(0))
        and not is_known_word(s, m.group(0))
    ][:MAX_CORRECTIONS]
    if not spans:
        return None
    words = vocabulary()
    choices = []
    for m in spans:
        typed = m.group(0).lower()
        candidates = close_words(typed, words, limit=SPELL_CANDIDATES)
        choices.append(rank_candidates(typed, candidates, limit=3 if len(spans) == 1 else 2))
    if not any(choices):
        return None
    # Among equally close words, prefer the combination that occurs together most.
    best, best_key = None, (float("inf"), 0, 0)
    for combo in itertools.product(*[c or [m.group(0)] for c, m in zip(choices, spans, strict=True)]):
        words = [
            query.Or(
                [
                    query.Term(f, t)
                    for f in QUERY_FIELDS
                    for t in s.schema["body"].process_text(w, mode="query")
                ]
            )
            for w in combo
        ]
        count = s.search(query.And(words), limit=1).estimated_length()
        distance = sum(edit_distance(m.group(0).lower(), w) for m, w in zip(spans, combo, strict=True))
        # Words sharing a stem tie on count; how many lexicon documents hold the word
        # as written says which spelling is common ("international", not "internation").
        written = sum(s.doc_frequency("words", w) for w in combo)
        if count and (distance, -count, -written) < best_key:
            best, best_key = combo, (distance, -count, -written)
    if not best:
        return None
    out, last = [], 0
    for m, word in zip(spans, best, strict=True):
        out.append(qstring[last : m.start()] + word)
        last = m.end()
    return "".join(out) + qstring[last:]


class DeadlineCollector(collectors.FilterCollector):
    """Whoosh's filter/mask collector that also stops at a deadline.

    Whoosh's TimeLimitCollector cannot wrap a filtered collector: it calls the
    inner collect() itself, which skipped the filter and mask (a hit came back
    twice); so the clock is checked here, in the one loop over the matches.
    """

    CHECK_EVERY = 256  # matches between looks at the clock

    def __init__(self, child, allow, restrict, deadline: float):  # type: ignore[no-untyped-def]
        super().__init__(child, allow, restrict)
        self.deadline = deadline

    def collect_matches(self) -> None:
        child, allow, restrict = self.child, self._allow, self._restrict
        for n, sub_docnum in enumerate(child.matches()):
            if n % self.CHECK_EVERY == 0 and time.monotonic() > self.deadline:
                raise TimeLimit
            docnum = self.offset + sub_docnum
            if (allow is not None and docnum not in allow) or (restrict is not None and docnum in restrict):
                self.filtered_count += 1
                continue
            child.collect(sub_docnum)


def search_until(s, q, *, seconds: float | None, filter=None, mask=None, **kwargs):  # type: ignore[no-untyped-def]
    """s.search(q, **kwargs), stopped after `seconds` (None: never) with the best
    hits found by then: a query of hundreds of common words or prefixes took
    Whoosh tens of seconds to score, holding a server thread all along."""
    deadline = math.inf if seconds is None else time.monotonic() + seconds
    collector = DeadlineCollector(s.collector(**kwargs), filter, mask, deadline)
    try:
        s.search_with_collector(q, collector)
    except TimeLimit:
        pass  # the collector keeps what it had
    return collector.results()


def _close_all(searchers: set) -> None:  # type: ignore[type-arg]
    for s in list(searchers):
        s.close()
    searchers.clear()


def narrow_highlighting(hits: list) -> None:  # type: ignore[type-arg]
    """Make the next snippets read character offsets for these hits only.

    Whoosh's highlighter loads the match offsets of every collected hit at the
    first snippet and keeps them: for an export of 100,000 hits that is memory
    growing with the export. Touches Results internals (top_n, _char_cache),
    safe because whoosh-reloaded is pinned.
    """
    by_results: dict[int, tuple] = {}  # type: ignore[type-arg]
    for hit in hits:
        by_results.setdefault(id(hit.results), (hit.results, []))[1].append((hit.score, hit.docnum))
    for results, top_n in by_results.values():
        results.top_n = top_n
        results._char_cache = {}


def top_hits(results) -> list:  # type: ignore[no-untyped-def,type-arg]
    """The collected hits, without len(results), which re-runs the whole query to count."""
    return [results[i] for i in range(results.scored_length())]


class WhooshSearch:
    """The embedded search backend over an index folder built by `wire reindex`."""

    def __init__(self, index_dir: Path | str, *, ranking: Ranking = DEFAULT_RANKING):
        self.index_dir = Path(index_dir)
        self._ranking = ranking
        self._weighting = ranking.weighting
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set = set()  # every thread's searcher, so close() can close them all
        self._results: OrderedDict = OrderedDict()  # (version, request) -> SearchResults
        self._cols: tuple | None = None  # (version, Columns)
        self._lexicon_docs: tuple | None = None  # (version, docnums)
        self._clusters: tuple | None = None  # (version, ClusterColumn)
        self._words: tuple | None = None  # (version, the spelling vocabulary)
        # a backend dropped without close() still closes its searchers' files
        weakref.finalize(self, _close_all, self._open)
        self._ix = open_index(self.index_dir)
        self._generation = current_generation(self.index_dir)
        self._qp = make_parser(self._ix.schema)
        self._stop_terms = query_stop_terms(self._ix.schema)

    # -- searchers -------------------------------------------------------------------

    def _reopen_if_swapped(self) -> None:
        gen = current_generation(self.index_dir)
        if gen != self._generation:
            with self._lock:
                if gen != self._generation:
                    self._ix = open_index(self.index_dir)
                    self._generation = gen

    def searcher(self):  # type: ignore[no-untyped-def]
        """This thread's searcher, brought up to date with the index."""
        self._reopen_if_swapped()
        local = self._local
        s = getattr(local, "searcher", None)
        # A new searcher, never s.refresh(): refresh reuses segment readers and keeps
        # segments that a later commit deleted or merged away (duplicate hits).
        if s is None or getattr(local, "ix", None) is not self._ix or not s.up_to_date():
            if s is not None:
                self._discard(s)
            s = self._ix.searcher(weighting=self._weighting)
            with self._lock:
                self._open.add(s)
            local.searcher, local.ix = s, self._ix
        return s

    def _discard(self, s) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._open.discard(s)
        s.close()

    def close(self) -> None:
        """Close every thread's searcher (their files stay open until then)."""
        with self._lock:
            _close_all(self._open)
        self._local = threading.local()

    # -- SearchBackend -----------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search request: ranked hits, snippets, facets, suggestion."""
        request.validate()
        started = time.perf_counter()
        s = self.searcher()
        key = (self._version(s), request)
        with self._lock:
            cached = self._results.get(key)
        if cached is not None:
            return dataclasses.replace(cached, seconds=time.perf_counter() - started)
        try:
            results = self._search(s, request, started)
        except (ValueError, TypeError, IndexError, RecursionError) as e:
            raise SearchError(f"cannot run this query: {e}") from None
        with self._lock:
            self._results[key] = results
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)
        return results

    def _search(self, s, request: SearchRequest, started: float) -> SearchResults:  # type: ignore[no-untyped-def]
        memo: dict = {}  # posting-list sets shared by counting and highlighting
        plan, matches, allowed, cols, notice = self._read(s, request, memo)
        if plan is None:
            return SearchResults(request, 0, [], time.perf_counter() - started, notice=notice)
        hidden = self._hidden(s)
        clusters = self._cluster_column(s)
        copies = len(allowed)
        narrowed = request.filtered
        if request.collapse:  # one story per cluster: totals and facets count stories
            allowed, matches = collapse_docs(allowed, clusters), collapse_docs(matches, clusters)
            narrowed = narrowed or len(allowed) < copies
        need = request.page * request.pagelen
        ranked = self._ranked(s, plan, request, need, allowed if narrowed else None, hidden, memo)
        if time.perf_counter() - started > MAX_SEARCH_SECONDS / 2:
            notice = "This query took too long to rank in full: the best matches found in time are shown."
        start = (request.page - 1) * request.pagelen
        hits = [self._with_outlets(s, self._hit(hit, clusters=clusters)) for hit in ranked[start:need]]
        sizes: dict[str, int] = {}
        return SearchResults(
            request,
            len(allowed),
            hits,
            time.perf_counter() - started,
            facets=facet_counts(matches, cols, request, sizes) if cols and request.facets else {},
            suggestion=suggest_query(s, request.query, lambda: self._vocabulary(s))
            if request.spelling
            else None,
            notice=notice,
            copies=copies,
            facet_sizes=sizes,
        )

    def _read(self, s, request: SearchRequest, memo: dict):  # type: ignore[no-untyped-def,type-arg]
        """The query's plan and matches: (plan, matches, allowed, columns, notice),
        the plan None for a query without words. When the strict reading (operators,
        phrases, all words) finds nothing, the loose reading answers, with a notice."""
        q, notice = parse_query(self._qp, request.query)
        if q is query.NullQuery or q is None:
            return None, set(), set(), None, notice
        q, broad = limit_expansions(q, s.reader())
        notice = notice or broad
        plan = self._plan_words(s, q, request.query)
        hidden = self._hidden(s)
        cols = self._columns(s) if (request.filtered or request.facets) else None

        def matching(p: QueryPlan) -> tuple[set[int], set[int]]:
            found = match_set(s, p.everything, memo) - hidden
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

    def _plan_words(self, s, q: query.Query, qstring: str) -> QueryPlan:  # type: ignore[no-untyped-def]
        total = max(1, s.doc_count_all())

        def share(clause: query.Query) -> float:
            leaves = list(clause.leaves()) or [clause]
            dfs = [s.doc_frequency(t.fieldname, t.text) for t in leaves if isinstance(t, query.Term)]
            return max(dfs, default=0) / total

        stats = WordStats(share, self._stop_terms, count_terms(s.schema, plain_words(prepare_text(qstring))))
        return plan_query(q, qstring, self._ranking, stats)

    def _ranked(
        self,
        s,
        plan: QueryPlan,
        request: SearchRequest,
        need: int,
        allowed,
        hidden,
        memo=None,
        seconds=MAX_SEARCH_SECONDS / 2,
        snippets=True,
    ):  # type: ignore[no-untyped-def]
        """The first `need` hits in order: strict matches by score, then the loose
        ones (some of the words) by score; or all matches by date. Each search
        stops after `seconds` (None: exports and evaluation, which must be whole).
        With `snippets`, ready to highlight."""
        timed_search = functools.partial(search_until, seconds=seconds)
        if request.sort != "relevance":
            by_date = date_facet(request.sort)
            results = [
                timed_search(s, plan.everything, limit=need, sortedby=by_date, filter=allowed, mask=hidden)
            ]
        else:
            feedback = uses_feedback(plan.everything, self._ranking)
            depth = max(need, self._ranking.feedback_rerank) if feedback else need
            first = self._tiers(s, self._with_proximity(plan), depth, allowed, hidden, timed_search)
            results = self._with_feedback(s, plan, first, need) if feedback else first
        if snippets:
            record_matched_terms(s, results, plan.everything, QUERY_FIELDS, memo)
            for r in results:
                set_snippet_style(r)
        return [hit for r in results for hit in top_hits(r)]

    @staticmethod
    def _tiers(s, plan: QueryPlan, need: int, allowed, hidden, timed_search) -> list:  # type: ignore[no-untyped-def,type-arg]
        """Whoosh results of the strict query, then of the loose one for the rest.

        Queries are normalized first: Whoosh scores an Or nested three deep wrongly
        (Or([Or([Or(...)]), Term]) gave the best story half its score).
        """
        results = [timed_search(s, plan.strict.normalize(), limit=need, filter=allowed, mask=hidden)]
        if plan.loose is not None and results[0].scored_length() < need:
            exclude = {docnum for _, docnum in results[0].top_n}
            more = need - len(exclude)
            results.append(
                timed_search(s, plan.loose.normalize(), limit=more, filter=allowed, mask=exclude | hidden)
            )
        return results

    def _with_proximity(self, plan: QueryPlan) -> QueryPlan:
        """The plan with a bonus for query words close together, when that lever is on."""
        bonus = proximity_bonus(plan.words, self._ranking)
        if bonus is None:
            return plan

        def boosted(q: query.Query) -> query.Query:
            return query.AndMaybe(q, bonus)

        loose = boosted(plan.loose) if plan.loose is not None else None
        return QueryPlan(boosted(plan.strict), loose, plan.words)

    def _with_feedback(self, s, plan: QueryPlan, first: list, need: int) -> list:  # type: ignore[no-untyped-def,type-arg]
        """RM3 as a ranking stage: the first ranking's top stories re-ordered by their
        score plus that of the words its best stories share; no story is added.

        Only the added words are scored, and only for the stories re-ranked: scoring
        the whole query a second time took 4x the query time, a search for the added
        words alone 5x.
        """
        ranking = self._ranking
        top = [(score, docnum) for r in first for score, docnum in r.top_n]
        if top:
            known = {str(text) for _, text in plan.everything.iter_all_terms()}
            words = feedback_query(s, top, known, ranking)
            # the same stories re-ranked however deep the caller reads, so page 1 of
            # search() and the top of ranked_ids() agree
            pool = {docnum for _, docnum in top[: ranking.feedback_rerank]}
            if words is not None:
                bonus = score_documents(s, [t for t in words.leaves() if isinstance(t, query.Term)], pool)
                for r in first:
                    head = [(sc + bonus.get(d, 0.0), d) for sc, d in r.top_n if d in pool]
                    head.sort(key=lambda h: (-h[0], h[1]))
                    r.top_n = head + [(sc, d) for sc, d in r.top_n if d not in pool]
        left = need
        for r in first:
            r.top_n, left = r.top_n[:left], max(0, left - len(r.top_n))
        return first

    # -- timeline and export (views of the whole match set) ---------------------------

    def _plan(self, s, request: SearchRequest) -> QueryPlan | None:  # type: ignore[no-untyped-def]
        """The query plan of a request as `_search` makes it; every story for "" ."""
        if not request.query.strip():
            return QueryPlan(query.Every())
        # the same reading as search(), the loose fallback included, so counts agree
        return self._read(s, request, {})[0]

    def _allowed(self, s, request: SearchRequest, plan: QueryPlan, memo: dict) -> set[int]:  # type: ignore[no-untyped-def,type-arg]
        """Document numbers of every match that passes the filters: what `total` counts."""
        matches = match_set(s, plan.everything, memo) - self._hidden(s)
        allowed = apply_filters(matches, self._columns(s), request) if request.filtered else matches
        # one story per syndication cluster (the lead copy), unless every copy is asked for
        return collapse_docs(allowed, self._cluster_column(s)) if request.collapse else allowed

    def timeline(self, request: SearchRequest) -> Timeline:
        """Matches per day from the date column, bucketed by `build_timeline`."""
        request.validate()
        s = self.searcher()
        # paging, sort, facets and spelling do not change the match set
        same = dataclasses.replace(
            request, page=1, pagelen=10, sort="relevance", facets=False, spelling=False, facet_limit=None
        )
        key = (self._version(s), same)
        cache = self.__dict__.setdefault("_timelines", OrderedDict())
        with self._lock:
            if key in cache:
                return cache[key]
        try:
            plan = self._plan(s, request)
            allowed = self._allowed(s, request, plan, {}) if plan else set()
        except (ValueError, TypeError, IndexError, RecursionError) as e:
            raise SearchError(f"cannot run this query: {e}") from None
        dates = self._columns(s).date
        raw = Counter(dates[d] for d in allowed)
        undated = sum(n for v, n in raw.items() if not 0 < v < MISSING_DATE)
        days: Counter[dt.date] = Counter()
        for value, n in raw.items():
            if 0 < value < MISSING_DATE:
                days[long_to_datetime(value).date()] += n
        timeline = build_timeline(days, undated)
        with self._lock:
            cache[key] = timeline
            while len(cache) > RESULT_CACHE_SIZE:
                cache.popitem(last=False)
        return timeline

    def iter_hits(self, request: SearchRequest, limit: int, *, body: bool = False) -> Iterator[Hit]:
        """Up to `limit` hits in the request's order across all pages; each Hit
        (stored fields, snippet) is made only when the consumer asks for it."""
        request.validate()
        s = self.searcher()
        try:
            plan = self._plan(s, request)
            if plan is None or limit < 1:
                return
            memo: dict = {}
            allowed = self._allowed(s, request, plan, memo) if request.filtered or request.collapse else None
            ranked = self._ranked(s, plan, request, limit, allowed, self._hidden(s), memo, seconds=None)
            clusters = self._cluster_column(s)
        except (ValueError, TypeError, IndexError, RecursionError) as e:
            raise SearchError(f"cannot run this query: {e}") from None
        for start in range(0, len(ranked), HIGHLIGHT_BATCH):
            batch = ranked[start : start + HIGHLIGHT_BATCH]
            narrow_highlighting(batch)
            # a Whoosh hit keeps the stored fields it read (the body too): let each go once made
            ranked[start : start + HIGHLIGHT_BATCH] = [None] * len(batch)
            while batch:
                hit = batch.pop(0)
                yield self._hit(hit, highlight=bool(request.query.strip()), body=body, clusters=clusters)

    def clear_cache(self) -> None:
        """Forget remembered searches (benchmarks measure cold queries with it)."""
        with self._lock:
            self._results.clear()
            self.__dict__.pop("_timelines", None)

    def ranked_ids(self, qstring: str, limit: int = 1000) -> list[str]:
        """Story ids in rank order, deeper than a page: for evaluation (MAP)."""
        s = self.searcher()
        request = SearchRequest(qstring)
        plan = self._read(s, request, {})[0]
        if plan is None:
            return []
        ranked = self._ranked(s, plan, request, limit, None, self._hidden(s), seconds=None, snippets=False)
        return [s.stored_fields(hit.docnum)["id"] for hit in ranked]

    def _version(self, s) -> tuple:  # type: ignore[no-untyped-def,type-arg]
        """Identifies what the searcher sees: caches are valid for one version."""
        return (self._generation, s.reader().generation(), s.doc_count_all())

    def _hidden(self, s) -> set[int]:  # type: ignore[no-untyped-def]
        """Document numbers of the lexicon documents, which are never results."""
        version = self._version(s)
        with self._lock:
            if self._lexicon_docs is not None and self._lexicon_docs[0] == version:
                return self._lexicon_docs[1]
        docs = set(s.docs_for_query(query.Prefix("id", LEXICON_ID_PREFIX)))
        with self._lock:
            self._lexicon_docs = (version, docs)
        return docs

    def _vocabulary(self, s) -> list[str]:  # type: ignore[no-untyped-def]
        """Every word the index knows, for "Did you mean"; read once per index version."""
        version = self._version(s)
        with self._lock:
            if self._words is not None and self._words[0] == version:
                return self._words[1]
        words = [w.decode("utf-8") if isinstance(w, bytes) else w for w in s.reader().lexicon("words")]
        with self._lock:
            self._words = (version, words)
        return words

    def _columns(self, s) -> Columns:  # type: ignore[no-untyped-def]
        version = self._version(s)
        with self._lock:
            if self._cols is not None and self._cols[0] == version:
                return self._cols[1]
        cols = Columns.read(s.reader())
        with self._lock:
            self._cols = (version, cols)
        return cols

    def _cluster_column(self, s) -> ClusterColumn:  # type: ignore[no-untyped-def]
        version = self._version(s)
        with self._lock:
            if self._clusters is not None and self._clusters[0] == version:
                return self._clusters[1]
        col = ClusterColumn.read(s.reader())
        with self._lock:
            self._clusters = (version, col)
        return col

    def _cluster_docs(self, s, cluster: str) -> list[int]:  # type: ignore[no-untyped-def]
        return sorted(s.docs_for_query(query.Term("cluster", cluster))) if "cluster" in s.schema else []

    def _with_outlets(self, s, hit: Hit) -> Hit:  # type: ignore[no-untyped-def]
        """The hit with the sources of its cluster's copies, the lead copy's first."""
        if hit.copies < 2:
            return hit
        members = [story_from_fields(s.stored_fields(d)) for d in self._cluster_docs(s, hit.cluster)]
        members.sort(key=lambda m: (m.id != hit.cluster, m.date or dt.date.max, m.id))
        outlets = tuple(dict.fromkeys(m.source or m.agency or m.id for m in members))
        return dataclasses.replace(hit, outlets=outlets)

    def story_copies(self, story_id: str) -> list[Story]:
        """Every story of this story's cluster, the lead copy first, then by date."""
        s = self.searcher()
        fields = s.document(id=story_id)
        if not fields or story_id.startswith(LEXICON_ID_PREFIX):
            return []
        cluster = fields.get("cluster") or story_id
        members = [story_from_fields(s.stored_fields(d)) for d in self._cluster_docs(s, cluster)]
        members.sort(key=lambda m: (m.id != cluster, m.date or dt.date.max, m.id))
        return members or [story_from_fields(fields)]

    def _hit(  # type: ignore[no-untyped-def]
        self, hit, highlight: bool = True, body: bool = False, clusters: ClusterColumn | None = None
    ) -> Hit:
        fields = hit.fields()
        snippet = hit.highlights("body", top=SNIPPET_FRAGMENTS) if highlight else ""
        when = fields.get("date")
        return Hit(
            id=fields["id"],
            path=fields.get("path", ""),
            title=fields.get("title", ""),
            date=when.date() if isinstance(when, dt.datetime) else None,
            agency=fields.get("agency", ""),
            place=fields.get("place", ""),
            url=fields.get("url", ""),
            score=float(hit.score or 0.0),
            snippet=" ".join(snippet.split()) or lead_snippet(fields.get("body", "")),
            byline=fields.get("byline", ""),
            cluster=fields.get("cluster") or fields["id"],
            copies=clusters.copies(hit.docnum) if clusters else 1,
            agency_inferred=fields.get("agency_inferred", ""),
            source=fields.get("source", ""),
            body=fields.get("body", "") if body else None,
        )

    def get_story(self, story_id: str) -> Story | None:
        if story_id.startswith(LEXICON_ID_PREFIX):
            return None
        fields = self.searcher().document(id=story_id)
        return story_from_fields(fields) if fields else None

    def marked_paragraphs(self, story_id: str, query_text: str = "") -> list[str] | None:
        """The story's body as paragraphs of HTML where only <mark> is markup: the words
        `query_text` matched, marked from the index's character offsets exactly as the
        result snippets mark them. None when there is no such story."""
        if story_id.startswith(LEXICON_ID_PREFIX):
            return None
        s = self.searcher()
        docnum = s.document_number(id=story_id)
        if docnum is None:
            return None
        body = s.stored_fields(docnum).get("body", "")
        return mark_paragraphs(body, self._match_spans(s, docnum, query_text) if query_text.strip() else [])

    def _match_spans(self, s, docnum: int, query_text: str) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
        """Character spans in the body of the terms the query matched (the snippets' terms)."""
        plan = self._read(s, SearchRequest(query_text), {})[0]
        if plan is None:
            return []
        spans: list[tuple[int, int]] = []
        for fieldname, btext in highlight_terms(s, plan.everything, ("body",)):
            m = s.postings(fieldname, btext)
            m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                spans.extend((start, end) for _, start, end in m.value_as("characters"))
        return spans

    def more_like_this(self, story_id: str, limit: int = 5) -> list[Hit]:
        s = self.searcher()
        docnum = s.document_number(id=story_id)
        if docnum is None:
            return []
        results = s.more_like(docnum, "body", top=limit)
        set_snippet_style(results)
        return [self._hit(hit) for hit in results]

    def stats(self) -> IndexStats:
        """Counts for the front page, computed once per index version."""
        s = self.searcher()
        key = self._version(s)
        cached = getattr(self, "_stats", None)
        if cached and cached[0] == key:
            return cached[1]
        stats = compute_stats(s)
        self._stats = (key, stats)
        return stats


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

"""Searching Sphinx 2.2 / Manticore over SphinxQL: the distributed SearchBackend.

Searches go to the distributed server, which fans them out to the shards and
merges; snippets and keyword statistics need a local index, so they go to a shard
(every shard analyses text the same way). Syndicated copies collapse with GROUP BY
on the cluster attribute, the lead copy chosen within each group.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from .facets import place_key, rank_counts
from .marking import mark_paragraphs
from .querytext import LOOSE_NOTICE, QUERY_STOP_WORDS
from .search import FACET_FIELDS, FacetCount, Hit, IndexStats, SearchRequest, SearchResults, Timeline
from .sphinxdb import Connections, Pointer, SphinxConfig, day_date, doc_id, story_from_data
from .sphinxql import SphinxQuery, read_query
from .story import Story
from .timeline import build_timeline

SNIPPET_CHARS = 220
FACET_LIMIT = 20
# Rows one statement asks for; Sphinx keeps max_matches best rows per shard in memory.
BATCH = 500
# Rows a grouping statement keeps (max_matches): Sphinx allocates them per query and shard,
# so 100,000 cost 100 ms a statement where 2,000 cost 2 ms. Facets then count at most
# FACET_GROUPS distinct raw values (more than a facet's "more" page lists), a timeline
# TIMELINE_GROUPS days (55 years), a cluster's copies CLUSTER_ROWS stories.
FACET_GROUPS = 2000
TIMELINE_GROUPS = 20_000
CLUSTER_ROWS = 1000
# Sphinx's plain BM25 ranker, the headline at 0.3 of the body as Whoosh's TITLE_BOOST
# (field weights are integers). Measured with bench/scale.py on the bench-relevance
# collections, nDCG@10 on CISI / Cranfield / Medline / ModApte: bm25 0.315 / 0.355 /
# 0.668 / 0.659; the expression rankers were lower (more query words first, then BM25F:
# 0.224 / 0.290 / 0.606 / 0.598; bm25a(1.2, 0.75): 0.260 on CISI, 0.640 on Medline;
# proximity_bm25, the default: 0.250 / 0.313 / 0.627), as the all-words-first tier
# was for Whoosh.
RANKING = "ranker=bm25, field_weights=(title=3, body=10)"
# Snippet marks the engine writes, replaced by <mark> after the text is escaped.
OPEN, CLOSE = "\x02", "\x03"
MARK_CHARS_RE = re.compile(f"[{OPEN}{CLOSE}]")
SORT_ORDERS = {
    "relevance": "w DESC, id ASC",
    "newest": "day DESC, w DESC",
    "oldest": "nodate ASC, day ASC, w DESC",
}
PARTIAL_NOTICE = "Some search servers did not answer: these results may be incomplete."
# Said on an empty page when a suggestion was asked for: Sphinx 2.2 has no suggester.
NO_SUGGESTION_NOTICE = "No story matches. (Spelling suggestions are not available on this search engine.)"
MLT_WORDS = 12
MLT_QUORUM = 3
SELECT = "SELECT id, data, cluster, WEIGHT() AS w, IF(day = 0, 1, 0) AS nodate, day"


def quote(value: str) -> str:
    """A string literal for SphinxQL (PyMySQL's escaping, as its parameters use)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def lead_text(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The story's opening words, escaped: the snippet when no match is in the body."""
    return html.escape(textwrap.shorten(body, limit, placeholder=" …") if body.strip() else "", quote=False)


def marked_html(text: str) -> str:
    """Snippet text from Sphinx as HTML: escaped, the engine's marks as <mark>."""
    return html.escape(text, quote=False).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")


class SphinxSearch:
    """The SearchBackend over a Sphinx distributed index (see indexer.sphinxwrite)."""

    def __init__(self, config: SphinxConfig, index_dir: Path | str = "") -> None:
        self.config = config
        self.conns = Connections()
        self.pointer = Pointer(self.conns, config.shards[0])
        self.pointer.live_index()  # IndexMissingError before the first build

    def close(self) -> None:
        self.conns.close()

    def warm(self) -> None:
        """Nothing to load: searchd holds the index; connections open per thread."""

    def _query(self, sql: str, args: list[object] | None = None) -> list[tuple]:  # type: ignore[type-arg]
        return self.conns.query(self.config.search, sql, args)

    def _total(self) -> int:
        return self._meta()[0]

    def _meta(self) -> tuple[int, bool]:
        """The last statement's total, and whether a shard failed to answer it (the
        distributed server then answers from the others, with a warning)."""
        meta = self.conns.meta(self.config.search)
        return int(meta.get("total_found", 0)), "agent" in meta.get("warning", "")

    # -- WHERE clauses ---------------------------------------------------------------------

    def _where(self, request: SearchRequest, q: SphinxQuery, match: str | None, skip: str = "") -> str:
        """MATCH() plus the request's filters (all but the `skip` facet's)."""
        conds = [f"MATCH({quote(match)})"] if match else []
        if request.agency and skip != "agency":
            conds.append(f"agency_facet IN ({', '.join(quote(a) for a in request.agency)})")
        if request.place and skip != "place":
            conds.append(f"place_key IN ({', '.join(quote(place_key(p)) for p in request.place)})")
        if request.year and skip != "year":
            conds.append(f"year IN ({', '.join(str(int(y)) for y in request.year)})")
        if request.date_from or request.date_to:
            lo = request.date_from.toordinal() if request.date_from else 1
            hi = request.date_to.toordinal() if request.date_to else 10**7
            conds.append(f"day BETWEEN {lo} AND {hi}")
        conds += [f"day BETWEEN {lo} AND {hi}" for lo, hi in q.days]
        return " WHERE " + " AND ".join(conds) if conds else ""

    def _reading(self, request: SearchRequest) -> tuple[SphinxQuery, str | None, str | None]:
        """(query, the MATCH text that finds something, notice); the loose reading when
        the strict one finds nothing. The match is None for a query without words."""
        q = read_query(request.query)
        if not q.match:
            return q, None, q.notice
        index = self.pointer.live_index()
        self._query(f"SELECT id FROM {index}{self._where(request, q, q.match)} LIMIT 1")
        if self._total() == 0 and q.loose:
            self._query(f"SELECT id FROM {index}{self._where(request, q, q.loose)} LIMIT 1")
            if self._total():
                return q, q.loose, q.notice or LOOSE_NOTICE
        return q, q.match, q.notice

    # -- SearchBackend -----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Ranked hits with snippets, totals, facets; the loose reading when nothing matches."""
        request.validate()
        started = time.perf_counter()
        q = read_query(request.query)
        notice = q.notice
        if not q.match:
            return SearchResults(request, 0, [], time.perf_counter() - started, notice=notice)
        index = self.pointer.live_index()
        start = (request.page - 1) * request.pagelen
        match = q.match
        rows = self._rows(index, self._where(request, q, match), request, start, request.pagelen)
        total, partial = self._meta()
        if total == 0 and q.loose:  # nothing as written: stories with some of the words
            rows = self._rows(index, self._where(request, q, q.loose), request, start, request.pagelen)
            total, partial = self._meta()
            match, notice = (q.loose, notice or LOOSE_NOTICE) if total else (match, notice)
        if partial:
            notice = PARTIAL_NOTICE
        where = self._where(request, q, match)
        copies = int(self._query(f"SELECT COUNT(*) FROM {index}{where}")[0][0]) if request.collapse else None
        hits = self._hits(rows, q, request)
        if total == 0 and request.spelling:
            notice = notice or NO_SUGGESTION_NOTICE
        sizes: dict[str, int] = {}
        facets = self._facets(index, request, q, match, sizes) if request.facets else {}
        return SearchResults(
            request,
            total,
            hits,
            time.perf_counter() - started,
            facets=facets,
            notice=notice,
            copies=total if copies is None else copies,
            facet_sizes=sizes,
        )

    def _rows(self, index: str, where: str, request: SearchRequest, start: int, count: int) -> list[tuple]:  # type: ignore[type-arg]
        group = " GROUP BY cluster_id WITHIN GROUP ORDER BY lead DESC, w DESC" if request.collapse else ""
        sql = (
            f"{SELECT} FROM {index}{where}{group} ORDER BY {SORT_ORDERS[request.sort]} "
            f"LIMIT {start}, {count} OPTION {RANKING}, max_matches={max(1000, start + count)}"
        )
        return self._query(sql)

    def _hits(
        self, rows: list[tuple], q: SphinxQuery, request: SearchRequest, body: bool = False
    ) -> list[Hit]:  # type: ignore[type-arg]
        stories = [story_from_data(r[1]) for r in rows]
        snippets = self._snippets([s.body for s in stories], q.words) if request.query.strip() else None
        members = self._members({s.cluster or s.id for s in stories})
        hits = []
        for n, (row, story) in enumerate(zip(rows, stories, strict=True)):
            cluster = story.cluster or story.id
            outlets = members.get(cluster, [])
            snippet = snippets[n] if snippets else ""
            hits.append(
                Hit(
                    id=story.id,
                    path=story.path,
                    title=story.title,
                    date=story.date,
                    agency=story.agency,
                    place=story.place,
                    url=story.url,
                    score=float(row[3]),
                    snippet=snippet or lead_text(story.body),
                    byline=story.byline,
                    cluster=cluster,
                    copies=max(1, len(outlets)),
                    outlets=tuple(dict.fromkeys(o for _, o in outlets)) if len(outlets) > 1 else (),
                    agency_inferred=story.agency_inferred,
                    source=story.source,
                    body=story.body if body else None,
                )
            )
        return hits

    def _members(self, clusters: set[str]) -> dict[str, list[tuple[tuple, str]]]:  # type: ignore[type-arg]
        """Each cluster's copies as (sort key, outlet), the lead copy first, then by date."""
        if not clusters:
            return {}
        index = self.pointer.live_index()
        listed = ", ".join(quote(c) for c in sorted(clusters))
        rows_cap = min(TIMELINE_GROUPS, CLUSTER_ROWS * len(clusters))
        rows = self._query(
            f"SELECT cluster, story_id, outlet, day FROM {index} WHERE cluster IN ({listed}) "
            f"LIMIT {rows_cap} OPTION max_matches={max(1000, rows_cap)}"
        )
        found: dict[str, list[tuple[tuple, str]]] = {}  # type: ignore[type-arg]
        for cluster, story_id, outlet, day in rows:
            key = (story_id != cluster, int(day) or math.inf, story_id)
            found.setdefault(cluster, []).append((key, outlet))
        for members in found.values():
            members.sort()
        return found

    def _snippets(self, bodies: list[str], words: tuple[str, ...], limit: int = SNIPPET_CHARS) -> list[str]:
        """Snippet HTML per body: the engine's best passages, only <mark> as markup."""
        if not bodies or not words:
            return ["" for _ in bodies]
        texts = [MARK_CHARS_RE.sub(" ", b) for b in bodies]
        marks = ", ".join(["%s"] * len(texts))
        sql = (
            f"CALL SNIPPETS(({marks}), %s, %s, %s AS before_match, %s AS after_match, {limit} AS limit, "
            "' … ' AS chunk_separator, 'none' AS html_strip_mode, 1 AS allow_empty, 60 AS around)"
        )
        index = self.pointer.live_index()
        rows = self.conns.query(self.config.shards[0], sql, [*texts, index, " ".join(words), OPEN, CLOSE])
        return [marked_html(" ".join(str(r[0]).split())) for r in rows]

    def _facets(
        self, index: str, request: SearchRequest, q: SphinxQuery, match: str, sizes: dict[str, int]
    ) -> dict[str, list[FacetCount]]:
        """Counts per agency, place and year, each with the other filters applied."""
        columns = {"agency": "agency_facet", "place": "place_facet", "year": "year"}
        count = "COUNT(DISTINCT cluster_id)" if request.collapse else "COUNT(*)"
        facets: dict[str, list[FacetCount]] = {}
        for name in FACET_FIELDS:
            col = columns[name]
            rows = self._query(
                f"SELECT {col}, {count} AS n FROM {index}{self._where(request, q, match, skip=name)} "
                f"GROUP BY {col} ORDER BY n DESC LIMIT {FACET_GROUPS} OPTION max_matches={FACET_GROUPS}"
            )
            counts = {str(v): int(n) for v, n in rows if v not in ("", 0, "0")}
            facets[name], sizes[name] = rank_counts(
                name, counts, getattr(request, name), request.facet_limit or FACET_LIMIT
            )
        return facets

    def timeline(self, request: SearchRequest) -> Timeline:
        """Matches per day (GROUP BY the day attribute), bucketed by build_timeline."""
        request.validate()
        q, match, _ = self._reading(request) if request.query.strip() else (read_query(""), "", None)
        if match is None:
            return build_timeline(Counter(), 0)
        index = self.pointer.live_index()
        count = "COUNT(DISTINCT cluster_id)" if request.collapse else "COUNT(*)"
        rows = self._query(
            f"SELECT day, {count} AS n FROM {index}{self._where(request, q, match)} GROUP BY day "
            f"LIMIT {TIMELINE_GROUPS} OPTION max_matches={TIMELINE_GROUPS}"
        )
        days: Counter = Counter()  # type: ignore[type-arg]
        undated = 0
        for day, n in rows:
            if int(day) > 0:
                days[day_date(int(day))] += int(n)
            else:
                undated += int(n)
        return build_timeline(days, undated)

    def iter_hits(self, request: SearchRequest, limit: int, *, body: bool = False) -> Iterator[Hit]:
        """Up to `limit` hits in the request's order, fetched a batch at a time."""
        request.validate()
        q, match, _ = self._reading(request) if request.query.strip() else (read_query(""), "", None)
        if match is None or limit < 1:
            return
        index = self.pointer.live_index()
        where = self._where(request, q, match)
        for start in range(0, limit, BATCH):
            rows = self._rows(index, where, request, start, min(BATCH, limit - start))
            yield from self._hits(rows, q, request, body=body)
            if len(rows) < BATCH:
                return

    def get_story(self, story_id: str) -> Story | None:
        index = self.pointer.live_index()
        rows = self._query(f"SELECT data FROM {index} WHERE id = {doc_id(story_id)}")
        story = story_from_data(rows[0][0]) if rows else None
        return story if story and story.id == story_id else None

    def story_copies(self, story_id: str) -> list[Story]:
        """Every story of this story's cluster, the lead copy first, then by date."""
        story = self.get_story(story_id)
        if story is None:
            return []
        cluster = story.cluster or story.id
        index = self.pointer.live_index()
        rows = self._query(
            f"SELECT data FROM {index} WHERE cluster = {quote(cluster)} LIMIT {CLUSTER_ROWS} "
            f"OPTION max_matches={CLUSTER_ROWS}"
        )
        members = [story_from_data(r[0]) for r in rows]
        members.sort(key=lambda m: (m.id != cluster, m.date or dt.date.max, m.id))
        return members or [story]

    def marked_paragraphs(self, story_id: str, query_text: str = "") -> list[str] | None:
        """The body as paragraphs, the query's words marked where the engine matches them."""
        story = self.get_story(story_id)
        if story is None:
            return None
        words = read_query(query_text).words if query_text.strip() else ()
        return mark_paragraphs(story.body, self._spans(story.body, words) if words else [])

    def _spans(self, body: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
        """Character spans of the matched words, from the whole body marked by the engine."""
        text = MARK_CHARS_RE.sub(" ", body)
        index = self.pointer.live_index()
        sql = (
            "CALL SNIPPETS(%s, %s, %s, %s AS before_match, %s AS after_match, 0 AS limit, "
            "'none' AS html_strip_mode, 1 AS allow_empty)"
        )
        rows = self.conns.query(self.config.shards[0], sql, [text, index, " ".join(words), OPEN, CLOSE])
        marked = str(rows[0][0]) if rows else ""
        spans: list[tuple[int, int]] = []
        plain: list[str] = []
        start = 0
        for ch in marked:
            if ch == OPEN:
                start = len(plain)
            elif ch == CLOSE:
                spans.append((start, len(plain)))
            else:
                plain.append(ch)
        return spans if "".join(plain) == text else []

    def more_like_this(self, story_id: str, limit: int = 5) -> list[Hit]:
        """Stories sharing enough of this one's distinctive words (Sphinx has no MLT:
        its words weighed by tf-idf on a shard, then a quorum query)."""
        story = self.get_story(story_id)
        if story is None:
            return []
        index = self.pointer.live_index()
        shard = self.config.shards[0]
        rows = self.conns.query(shard, "CALL KEYWORDS(%s, %s, 1)", [f"{story.title} {story.body}", index])
        docs = max(1, int(self._query(f"SELECT COUNT(*) FROM {index}")[0][0]))
        weights: dict[str, float] = {}
        written: dict[str, str] = {}
        for _, tokenized, normalized, n_docs, _hits in rows:
            if tokenized.isalpha() and len(tokenized) > 2 and tokenized not in QUERY_STOP_WORDS:
                weights[normalized] = weights.get(normalized, 0.0) + math.log(1 + docs / max(1, int(n_docs)))
                written.setdefault(normalized, tokenized)
        words = [written[w] for w in sorted(weights, key=lambda w: -weights[w])[:MLT_WORDS]]
        if not words:
            return []
        match = f'@(title,body) "{" ".join(words)}"/{min(MLT_QUORUM, len(words))}'
        request = SearchRequest(" ".join(words), pagelen=limit, collapse=False)
        where = f" WHERE MATCH({quote(match)}) AND id != {doc_id(story_id)}"
        found = self._rows(index, where, request, 0, limit)
        return self._hits(found, SphinxQuery(match, words=tuple(words)), request)

    def stats(self) -> IndexStats:
        """Stories, date range and agencies of the live index."""
        index = self.pointer.live_index()
        stories = int(self._query(f"SELECT COUNT(*) FROM {index}")[0][0])
        first = self._query(f"SELECT day FROM {index} WHERE day > 0 ORDER BY day ASC LIMIT 1")
        last = self._query(f"SELECT day FROM {index} WHERE day > 0 ORDER BY day DESC LIMIT 1")
        rows = self._query(
            f"SELECT agency_facet, COUNT(*) AS n FROM {index} GROUP BY agency_facet ORDER BY n DESC "
            f"LIMIT {FACET_GROUPS} OPTION max_matches={FACET_GROUPS}"
        )
        agencies = rank_counts("agency", {str(a): int(n) for a, n in rows if a}, (), FACET_GROUPS)[0]
        return IndexStats(
            stories=stories,
            first_date=day_date(int(first[0][0])) if first else None,
            last_date=day_date(int(last[0][0])) if last else None,
            agencies=agencies,
        )

    def ranked_ids(self, qstring: str, limit: int = 1000) -> list[str]:
        """Story ids in rank order, deeper than a page: for evaluation (MAP, nDCG)."""
        q, match, _ = self._reading(SearchRequest(qstring))
        if not match:
            return []
        index = self.pointer.live_index()
        rows = self._query(
            f"SELECT story_id, WEIGHT() AS w FROM {index} WHERE MATCH({quote(match)}) "
            f"ORDER BY w DESC, id ASC LIMIT {limit} OPTION {RANKING}, max_matches={max(1000, limit)}"
        )
        return [str(r[0]) for r in rows]

    def clear_cache(self) -> None:
        """Nothing is cached here (the engine caches); for the benchmarks' interface."""

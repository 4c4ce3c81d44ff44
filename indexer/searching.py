"""Searching the Whoosh index: the embedded SearchBackend.

Whoosh searchers are not thread-safe, so each thread keeps its own, reused and
checked per request (up_to_date() is cheap) and replaced when the index changed.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
import re
import threading
import time
import weakref
from pathlib import Path

from whoosh import highlight, query, scoring, sorting
from whoosh.qparser import (
    FuzzyTermPlugin,
    GtLtPlugin,
    MultifieldParser,
    QueryParserError,
)
from whoosh.util.times import long_to_datetime

from .analysis import COMPOUND_JOINERS
from .index import LEXICON_ID_PREFIX, current_generation, open_index, story_from_fields
from .search import (
    FACET_FIELDS,
    FacetCount,
    Hit,
    IndexStats,
    SearchError,
    SearchRequest,
    SearchResults,
)
from .spelling import edit_distance, rank_candidates
from .story import Story

QUERY_FIELDS = ("title", "body")
# Fields a user may name in a query; anything else ("foo:bar") is read as words.
USER_FIELDS = {"title", "body", "agency", "place", "date", "year"}
# Fields whose clauses restrict rather than rank: they must match.
FILTER_FIELDS = {"agency", "place", "date", "year"}
# A story matching every word outranks one matching some: the all-words clause
# carries this much extra weight (BM25 per-term scores saturate well below it).
ALL_WORDS_BOOST = 4.0
SNIPPET_CHARS = 220
SNIPPET_FRAGMENTS = 2
FACET_LIMIT = 20
# Characters of query syntax; a query that fails to parse is retried without them.
SYNTAX_CHARS_RE = re.compile(r"[\"()\[\]{}:^~*?+\-!\\/<>=]")
OPERATOR_WORDS_RE = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b")
EXPLICIT_AND_RE = re.compile(r"\bAND\b")
# Letters a wildcard needs before its first * or ?; "a*" would scan the lexicon.
MIN_WILDCARD_PREFIX = 2
WORD_SLASH_RE = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")
# Words a "Did you mean" looks at: letters only, not a field name ("place:").
SPELL_WORD_RE = re.compile(r"(?<![\w:*?&.-])[^\W\d_]{3,}(?![\w:*?]|[-&.]\w)")
MAX_CORRECTIONS = 3
# Close words fetched per unknown word before our own ranking picks among them.
SPELL_CANDIDATES = 500
MISSING_DATE = 2**64 - 1


class WireBM25F(scoring.BM25F):
    """BM25F with the Robertson-Sparck Jones idf used by Lucene and SQLite FTS5.

    Whoosh's default idf, log(N/(n+1)) + 1, overweights common words.
    """

    def idf(self, searcher, fieldname, text):  # type: ignore[no-untyped-def]
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        dc = parent.doc_count_all()
        return math.log(1 + (dc - n + 0.5) / (n + 0.5))


# B=0.4 measured +0.013 nDCG@10 over 0.75 on both Reuters collections (bench/relevance.py):
# wire stories vary in length less than the web pages BM25's defaults were tuned on.
WEIGHTING = WireBM25F(B=0.4, K1=1.2, title_B=0.4)


class MarkFormatter(highlight.Formatter):
    """Snippet HTML: matches in <mark>, everything else escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):  # type: ignore[no-untyped-def]
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=False) + "</mark>"

    def _text(self, text):  # type: ignore[no-untyped-def]
        return html.escape(text, quote=False)


def lead_snippet(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The story's opening words, escaped: the snippet when no match is in the body."""
    lead = " ".join(body.split())
    if len(lead) > limit:
        lead = lead[:limit].rsplit(" ", 1)[0] + " …"
    return html.escape(lead, quote=False)


def make_parser(schema) -> MultifieldParser:  # type: ignore[no-untyped-def]
    """The query parser: words, phrases, AND/OR/NOT, fields, ranges, prefix*."""
    qp = MultifieldParser(list(QUERY_FIELDS), schema)
    qp.add_plugin(GtLtPlugin())
    qp.add_plugin(FuzzyTermPlugin())
    return qp


def has_unknown_field(qstring: str) -> bool:
    """True when the query names a field users cannot search ("foo:bar")."""
    return any(m.group(1).lower() not in USER_FIELDS for m in re.finditer(r"(?<![\w:])(\w+):(?=\S)", qstring))


def plain_words(qstring: str) -> str:
    """A query reduced to its words: the fallback for malformed syntax."""
    words = SYNTAX_CHARS_RE.sub(" ", OPERATOR_WORDS_RE.sub(" ", qstring))
    return " ".join(words.split())


def is_field_filter(q: query.Query) -> bool:
    """True for a clause that restricts by metadata (agency:, place:, date:...)."""
    leaves = list(q.leaves()) or [q]
    return all(getattr(leaf, "fieldname", None) in FILTER_FIELDS for leaf in leaves)


def shape_query(q: query.Query, qstring: str) -> query.Query:
    """Give an implicit conjunction its meaning: metadata clauses and NOTs must
    hold, stories with all the words rank first, stories with some still come back."""
    if not isinstance(q, query.And) or EXPLICIT_AND_RE.search(qstring):
        return q  # a single clause, an OR, or the user asked for strict AND
    required = [sub for sub in q.subqueries if is_field_filter(sub) or isinstance(sub, query.Not)]
    words = [sub for sub in q.subqueries if sub not in required]
    if len(words) < 2:
        return q
    ranked = query.Or([query.And(words, boost=ALL_WORDS_BOOST), query.Or(words)])
    return query.And([ranked, *required]) if required else ranked


def has_costly_wildcard(q: query.Query) -> bool:
    """True for `*`, `?x` and the like: they expand to a large part of the lexicon."""
    for leaf in [q, *q.leaves()]:
        if isinstance(leaf, query.Every):
            return True
        if isinstance(leaf, query.Wildcard | query.Prefix):
            text = str(leaf.text)
            literal = re.split(r"[*?]", text, maxsplit=1)[0] if isinstance(leaf, query.Wildcard) else text
            if len(literal) < MIN_WILDCARD_PREFIX:
                return True
    return False


def parse_query(qp: MultifieldParser, qstring: str) -> tuple[query.Query, str | None]:
    """Parse a user query; malformed syntax becomes plain words with a notice."""
    notice = None
    # "Mergers/Acquisitions" is two words, not a path
    text = WORD_SLASH_RE.sub(" ", qstring.strip())
    if has_unknown_field(text):
        text = plain_words(text)
        notice = "Unknown field in the query: searched for the words instead."
    try:
        q = qp.parse(text)
        if _has_error(q):
            raise QueryParserError("error node")
        if has_costly_wildcard(q):
            text = SYNTAX_CHARS_RE.sub(" ", text)
            q = qp.parse(text)
            notice = (
                f"Wildcards need at least {MIN_WILDCARD_PREFIX} letters before * or ?: searched without them."
            )
    except (QueryParserError, ValueError, TypeError, IndexError, re.error):
        text = plain_words(text)
        notice = "The query syntax was not understood: searched for the words instead."
        q = qp.parse(text) if text else query.NullQuery
    return expand_compounds(q, text, qp.schema), notice


def expand_compounds(q: query.Query, text: str, schema) -> query.Query:  # type: ignore[no-untyped-def]
    """A hyphenated word also matches its parts: castor-oil OR (castor AND oil).

    The compound alone missed stories that write "castor oil"; the parts alone
    would lose the exact match, which still scores (and highlights) highest.
    """

    def expand(node: query.Query) -> query.Query:
        if not (isinstance(node, query.Term) and node.fieldname in QUERY_FIELDS):
            return node
        start, end = getattr(node, "startchar", None), getattr(node, "endchar", None)
        if start is None or end is None or not any(c in str(node.text) for c in COMPOUND_JOINERS):
            return node
        tokens = [t.text for t in schema[node.fieldname].analyzer(text[start:end])]
        parts = [query.Term(node.fieldname, t) for t in tokens[1:]]
        if not parts:
            return node
        return query.Or([node, parts[0] if len(parts) == 1 else query.And(parts)])

    return q.accept(expand)


def _has_error(q: query.Query) -> bool:
    # the parser marks what it could not read with an `error` attribute
    return any(getattr(node, "error", None) for node in [q, *q.leaves()])


def date_facet(sort: str) -> sorting.FacetType:
    """Sort by date, newest or oldest first; undated stories last either way."""
    if sort == "newest":
        # the column holds 2**64-1 for "no date", which would sort first when reversed
        newest = sorting.TranslateFacet(lambda v: -v if v != MISSING_DATE else 1, sorting.FieldFacet("date"))
        return newest
    return sorting.FieldFacet("date")


def request_filter(request: SearchRequest) -> query.Query | None:
    """Facet and date-range filters as one query, or None."""
    parts: list[query.Query] = []
    for field_name, values in (
        ("agency_facet", request.agency),
        ("place_facet", request.place),
        ("year", tuple(str(y) for y in request.year)),
    ):
        if values:
            parts.append(query.Or([query.Term(field_name, v) for v in values]))
    if request.date_from or request.date_to:
        start = dt.datetime.combine(request.date_from, dt.time()) if request.date_from else None
        end = dt.datetime.combine(request.date_to, dt.time.max) if request.date_to else None
        parts.append(query.DateRange("date", start, end))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else query.And(parts)


def is_known_word(s, word: str) -> bool:  # type: ignore[no-untyped-def]
    """True when the word occurs as written (case aside) somewhere in the index."""
    return ("words", word.lower()) in s.reader()


def suggest_query(s, qstring: str) -> str | None:  # type: ignore[no-untyped-def]
    """ "Did you mean": each unknown word replaced by a close real word from the
    index, choosing among close words the combination found together most often."""
    spans = [
        m
        for m in SPELL_WORD_RE.finditer(qstring)
        if not OPERATOR_WORDS_RE.fullmatch(m.group(0)) and not is_known_word(s, m.group(0))
    ][:MAX_CORRECTIONS]
    if not spans:
        return None
    corrector = s.corrector("words")
    choices = []
    for m in spans:
        typed = m.group(0).lower()
        candidates = corrector.suggest(typed, limit=SPELL_CANDIDATES, maxdist=2)
        choices.append(rank_candidates(typed, candidates, limit=3 if len(spans) == 1 else 2))
    if not any(choices):
        return None
    # Among equally close words, prefer the combination that occurs together most.
    best, best_key = None, (float("inf"), 0)
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
        if count and (distance, -count) < best_key:
            best, best_key = combo, (distance, -count)
    if not best:
        return None
    out, last = [], 0
    for m, word in zip(spans, best, strict=True):
        out.append(qstring[last : m.start()] + word)
        last = m.end()
    return "".join(out) + qstring[last:]


def _close_all(searchers: set) -> None:  # type: ignore[type-arg]
    for s in list(searchers):
        s.close()
    searchers.clear()


class WhooshSearch:
    """The embedded search backend over an index folder built by `wire reindex`."""

    def __init__(self, index_dir: Path | str):
        self.index_dir = Path(index_dir)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set = set()  # every thread's searcher, so close() can close them all
        # a backend dropped without close() still closes its searchers' files
        weakref.finalize(self, _close_all, self._open)
        self._ix = open_index(self.index_dir)
        self._generation = current_generation(self.index_dir)
        self._qp = make_parser(self._ix.schema)

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
            s = self._ix.searcher(weighting=WEIGHTING)
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
        q, notice = parse_query(self._qp, request.query)
        if q is query.NullQuery or q is None:
            return SearchResults(request, 0, [], time.perf_counter() - started, notice=notice)
        q = shape_query(q, request.query)
        options: dict[str, object] = {"terms": True}
        filt = request_filter(request)
        if filt is not None:
            q = query.And([q, query.ConstantScoreQuery(filt, 0.0)])
        if request.sort != "relevance":
            options.update(sortedby=date_facet(request.sort))
        if request.facets:
            options["groupedby"] = {
                "agency": sorting.FieldFacet("agency_facet"),
                "place": sorting.FieldFacet("place_facet"),
                "year": sorting.FieldFacet("year"),
            }
        try:
            results = s.search(q, limit=request.page * request.pagelen, **options)
        except (ValueError, TypeError, IndexError) as e:
            raise SearchError(f"cannot run this query: {e}") from None
        total = len(results)
        start = (request.page - 1) * request.pagelen
        hits = [self._hit(hit) for hit in results[start : start + request.pagelen]]
        facets = self._facets(results) if request.facets else {}
        suggestion = suggest_query(s, request.query) if request.spelling else None
        return SearchResults(
            request,
            total,
            hits,
            time.perf_counter() - started,
            facets=facets,
            suggestion=suggestion,
            notice=notice,
        )

    def _hit(self, hit) -> Hit:  # type: ignore[no-untyped-def]
        fields = hit.fields()
        hit.results.fragmenter = highlight.PinpointFragmenter(
            maxchars=SNIPPET_CHARS // SNIPPET_FRAGMENTS + 40, surround=60, autotrim=True
        )
        hit.results.formatter = MarkFormatter()
        snippet = hit.highlights("body", top=SNIPPET_FRAGMENTS)
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
        )

    def _facets(self, results) -> dict[str, list[FacetCount]]:  # type: ignore[no-untyped-def]
        facets = {}
        for name in FACET_FIELDS:
            counts = {k: len(v) for k, v in results.groups(name).items() if k}
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
            facets[name] = [FacetCount(str(k), n) for k, n in ranked[:FACET_LIMIT]]
        return facets

    def _suggest(self, s, qstring: str) -> str | None:  # type: ignore[no-untyped-def]
        return suggest_query(s, qstring)

    def get_story(self, story_id: str) -> Story | None:
        if story_id.startswith(LEXICON_ID_PREFIX):
            return None
        fields = self.searcher().document(id=story_id)
        return story_from_fields(fields) if fields else None

    def more_like_this(self, story_id: str, limit: int = 5) -> list[Hit]:
        s = self.searcher()
        docnum = s.document_number(id=story_id)
        if docnum is None:
            return []
        results = s.more_like(docnum, "body", top=limit)
        return [self._hit(hit) for hit in results]

    def stats(self) -> IndexStats:
        """Counts for the front page, computed once per index version."""
        s = self.searcher()
        key = (self._generation, s.reader().generation(), s.doc_count_all())
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

"""From a user's query string to Whoosh queries: parsing, fallbacks, shaping, filters.

Whoosh's parser does the syntax; this module gives it the meaning users expect
(metadata clauses must match, all words rank first in short queries, a malformed
query becomes plain words, an all-capitals headline is words, not operators) and
keeps costly constructs out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from whoosh import query, sorting
from whoosh.qparser import GtLtPlugin, MultifieldParser, QueryParserError

from .analysis import COMPOUND_JOINERS
from .index import MISSING_DATE
from .patches import expanded_terms
from .querytext import (
    FILTER_FIELDS,
    MIN_WILDCARD_PREFIX,
    QUERY_FIELDS,
    QUERY_STOP_WORDS,
    SYNTAX_CHARS_RE,
    is_strict_and,
    plain_words,
    trim_query,
)
from .querytext import LOOSE_NOTICE as LOOSE_NOTICE  # re-exported: searching and tests read it here
from .querytext import OPERATOR_WORDS_RE as OPERATOR_WORDS_RE
from .querytext import prepare_text as prepare_text
from .ranking import DEFAULT_RANKING, Ranking, count_weight
from .search import SORT_NEWEST

# Words a prefix* or wildcard may stand for before it is refused, and all of a
# query's prefixes together: each word is one more posting list walked in Python.
MAX_EXPANSIONS = 128
MAX_QUERY_EXPANSIONS = 2 * MAX_EXPANSIONS


@dataclass(frozen=True)
class QueryPlan:
    """How to run a query: `strict` first; then, when it runs short, `loose`
    (stories with only some of the words), ranked below every strict match."""

    strict: query.Query
    loose: query.Query | None = None
    words: tuple[query.Query, ...] = ()  # the word clauses, in query order (for proximity)

    @property
    def everything(self) -> query.Query:
        """The query whose matches are all the results (for counts and sorting)."""
        return self.loose if self.loose is not None else self.strict


def make_parser(schema) -> MultifieldParser:  # type: ignore[no-untyped-def]
    """The query parser: words, phrases, AND/OR/NOT, fields, ranges, prefix*."""
    qp = MultifieldParser(list(QUERY_FIELDS), schema)
    qp.add_plugin(GtLtPlugin())
    return qp


def is_field_filter(q: query.Query) -> bool:
    """True for a clause that restricts by metadata (agency:, place:, date:...)."""
    leaves = list(q.leaves()) or [q]
    return all(getattr(leaf, "fieldname", None) in FILTER_FIELDS for leaf in leaves)


def is_stop_clause(node: query.Query, stop_terms: frozenset[str]) -> bool:
    """True for a word clause every term of which is a query stop word."""
    leaves = list(node.leaves()) or [node]
    return all(isinstance(leaf, query.Term) and leaf.text in stop_terms for leaf in leaves)


@dataclass(frozen=True)
class WordStats:
    """What planning knows of a query's words beyond its tree, from the index."""

    share: Callable[[query.Query], float] = lambda clause: 0.0  # share of stories a clause matches
    stop_terms: frozenset[str] = frozenset()  # QUERY_STOP_WORDS as the index analyses them
    counts: Mapping[str, int] = field(default_factory=dict)  # analysed term -> times typed


def plan_query(
    q: query.Query, qstring: str, ranking: Ranking = DEFAULT_RANKING, stats: WordStats | None = None
) -> QueryPlan:
    """Give an implicit conjunction its meaning: metadata clauses and NOTs must
    hold; function words are dropped; a word typed twice weighs twice; in a short
    query stories with all the (uncommon) words come first, then stories with some.
    """
    stats = stats or WordStats()
    if not isinstance(q, query.And) or is_strict_and(qstring):
        return QueryPlan(q)  # a single clause, an OR, or the user asked for strict AND
    required = [sub for sub in q.subqueries if is_field_filter(sub) or isinstance(sub, query.Not)]
    words = [sub for sub in q.subqueries if sub not in required]
    if ranking.query_stop_words:
        words = [w for w in words if not is_stop_clause(w, stats.stop_terms)] or words
    if ranking.query_term_counts:
        words = [weigh_by_count(w, stats.counts, ranking.query_term_k3) for w in words]
    if len(words) < 2:
        single = query.And([*words, *required]) if required else words[0] if words else q
        return QueryPlan(single, words=tuple(words))
    loose = query.And([query.Or(words), *required]) if required else query.Or(words)
    if len(words) > ranking.tier_max_words:
        return QueryPlan(loose, words=tuple(words))
    must = [w for w in words if stats.share(w) <= ranking.tier_common_share]
    if not must:
        return QueryPlan(loose, words=tuple(words))
    strict: query.Query = query.And([*must, *required])
    if len(must) < len(words):
        strict = query.AndMaybe(strict, query.Or([w for w in words if w not in must]))
    return QueryPlan(strict, loose, tuple(words))


def query_stop_terms(schema) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """QUERY_STOP_WORDS as the index's analyzer writes them (stemmed)."""
    analyzer = schema["body"].analyzer
    return frozenset(t.text for word in sorted(QUERY_STOP_WORDS) for t in analyzer(word))


def weigh_by_count(clause: query.Query, counts: Mapping[str, int], k3: float | None = None) -> query.Query:
    """A word clause boosted by how often the query repeats it (BM25's query term
    frequency: a long question names its subject more than once)."""
    leaves = list(clause.leaves()) or [clause]
    times = max((counts.get(str(leaf.text), 1) for leaf in leaves if isinstance(leaf, query.Term)), default=1)
    if times <= 1:
        return clause
    boosted = clause.copy()
    boosted.boost = clause.boost * count_weight(times, k3)
    return boosted


def count_terms(schema, text: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many times the query text names each analysed term."""
    counts: dict[str, int] = {}
    for token in schema["body"].analyzer(text):
        counts[token.text] = counts.get(token.text, 0) + 1
    return counts


def loose_reading(q: query.Query) -> query.Query | None:
    """The query's words OR-ed, phrases as their words, operators ignored; metadata
    clauses and NOTs still hold. None when it has no words."""
    words: dict[tuple[str, object], query.Query] = {}

    def collect(node: query.Query) -> None:
        if isinstance(node, query.Not) or is_field_filter(node):
            return
        if isinstance(node, query.Phrase):
            for w in node.words:
                words.setdefault((node.fieldname, w), query.Term(node.fieldname, w))
        elif node.is_leaf():
            if getattr(node, "fieldname", None) in QUERY_FIELDS:
                words.setdefault((node.fieldname, repr(node)), node)
        else:
            for child in node.children():
                collect(child)

    collect(q)
    if not words:
        return None
    tops = q.subqueries if isinstance(q, query.And) else []
    required = [sub for sub in tops if isinstance(sub, query.Not) or is_field_filter(sub)]
    loose = query.Or(list(words.values()))
    return query.And([loose, *required]) if required else loose


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
    text, notice = trim_query(qstring)
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
    # Whoosh raises a bare Exception for a date it cannot read ("date:[a TO b]").
    except Exception as e:  # noqa: BLE001
        notice = (
            "Dates are written 2024, 2024-02 or 2024-02-19: searched for the words instead."
            if "parseable date" in str(e)
            else "The query syntax was not understood: searched for the words instead."
        )
        text = plain_words(text)
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


def limit_expansions(q: query.Query, reader) -> tuple[query.Query, str | None]:  # type: ignore[no-untyped-def]
    """Replace a prefix or wildcard that stands for too many words by its letters.

    Each expanded word is one more posting list walked in Python: "co*" is
    thousands of words and took seconds.
    """
    too_broad: list[str] = []
    budget = [MAX_QUERY_EXPANSIONS]

    def limit(node: query.Query) -> query.Query:
        if not isinstance(node, query.Prefix | query.Wildcard):
            return node
        expansions = sum(1 for _ in itertools.islice(expanded_terms(node, reader), MAX_EXPANSIONS + 1))
        if expansions <= min(MAX_EXPANSIONS, budget[0]):
            budget[0] -= expansions
            return node
        literal = re.split(r"[*?]", str(node.text), maxsplit=1)[0]
        too_broad.append(literal)
        return query.Term(node.fieldname, literal)

    limited = q.accept(limit)
    if not too_broad:
        return q, None
    words = ", ".join(f"{w}*" for w in sorted(set(too_broad)))
    return limited, f"{words} matches over {MAX_EXPANSIONS} words: add letters to narrow it."


def _has_error(q: query.Query) -> bool:
    # the parser marks what it could not read with an `error` attribute
    return any(getattr(node, "error", None) for node in [q, *q.leaves()])


def date_facet(sort: str) -> sorting.FacetType:
    """Sort by date, newest or oldest first; undated stories last either way."""
    if sort == SORT_NEWEST:
        # the column holds 2**64-1 for "no date", which would sort first when reversed
        newest = sorting.TranslateFacet(lambda v: -v if v != MISSING_DATE else 1, sorting.FieldFacet("date"))
        return newest
    return sorting.FieldFacet("date")

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
from .limits import MAX_QUERY_TERMS
from .patches import expanded_terms
from .ranking import DEFAULT_RANKING, Ranking, count_weight
from .search import SORT_NEWEST

QUERY_FIELDS = ("title", "body")
# Fields a user may name in a query; anything else ("foo:bar") is read as words.
USER_FIELDS = {"title", "body", "agency", "place", "date", "year", "agency_inferred"}
# Fields whose clauses restrict rather than rank: they must match.
FILTER_FIELDS = {"agency", "place", "date", "year", "agency_inferred"}
# Characters of query syntax; a query that fails to parse is retried without them.
SYNTAX_CHARS_RE = re.compile(r"[\"()\[\]{}:^~*?+\-!\\/<>=]")
OPERATOR_WORDS_RE = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b")
# Boolean operators; TO only means something inside a [range], so it is left alone.
BOOLEAN_WORDS_RE = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
EXPLICIT_AND_RE = re.compile(r"\bAND\b")
# A ? ending a word is a question mark ("what is INDUS-X?"), not a wildcard.
QUESTION_MARK_RE = re.compile(r"(?<=\w)\?+(?=[\s\"').,;:!]|$)")
# Letters a wildcard needs before its first * or ?; "a*" would scan the lexicon.
MIN_WILDCARD_PREFIX = 2
# Words a prefix* or wildcard may stand for before it is refused, and all of a
# query's prefixes together: each word is one more posting list walked in Python.
MAX_EXPANSIONS = 128
MAX_QUERY_EXPANSIONS = 2 * MAX_EXPANSIONS
QUERY_WORD_RE = re.compile(r"\w+")
WORD_SLASH_RE = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")
LOOSE_NOTICE = "No story has all of it as written: showing stories with some of its words."
# Function words a question or a pasted sentence carries ("what are the effects
# of ..."): left out of queries that have other words. The Snowball English list,
# less the words the index already drops and the negations that carry meaning.
QUERY_STOP_WORDS = frozenset(
    """
    i me my myself our ours ourselves you're you've you'll you'd yours yourself yourselves he him
    his himself she she's her hers herself it's its itself they them their theirs themselves what
    which who whom whose these those am was were been being has had having do does did doing
    because until while about against between into through during before after above below
    up down out off over under again further then once here there where why how all any both
    each few more most other some such only own same so than too very s t just don should now
    d ll m o re ve y also would could might must shall whether upon within without among
    """.split()
)


def has_lower_case(qstring: str) -> bool:
    """True when the query has a lower-case letter: then AND/OR/NOT are operators."""
    return any(c.islower() for c in qstring)


def operators_as_words(qstring: str) -> str:
    """An all-capitals query's AND/OR/NOT as words: headlines are not boolean queries."""
    if has_lower_case(qstring):
        return qstring
    return BOOLEAN_WORDS_RE.sub(lambda m: m.group(0).lower(), qstring)


def prepare_text(qstring: str) -> str:
    """The query as the parser should read it: capitals, slashes, question marks."""
    text = WORD_SLASH_RE.sub(" ", qstring.strip())  # "Mergers/Acquisitions" is two words
    text = QUESTION_MARK_RE.sub(" ", text)
    return operators_as_words(text)


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


def is_strict_and(qstring: str) -> bool:
    """True when the user wrote AND as an operator: then every word must match."""
    return has_lower_case(qstring) and EXPLICIT_AND_RE.search(qstring) is not None


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
    notice = None
    text = prepare_text(qstring)
    words = list(QUERY_WORD_RE.finditer(text))
    if len(words) > MAX_QUERY_TERMS:
        # each word is a posting list to score: a pasted page would take seconds
        text = text[: words[MAX_QUERY_TERMS - 1].end()]
        notice = f"Long query: searched for its first {MAX_QUERY_TERMS} words."
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

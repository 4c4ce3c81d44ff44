"""From a user's query string to Whoosh queries: parsing, fallbacks, shaping, filters.

Whoosh's parser does the syntax; this module gives it the meaning users expect
(metadata clauses must match, all words rank first, a malformed query becomes
plain words) and keeps costly constructs out.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from whoosh import query, sorting
from whoosh.qparser import GtLtPlugin, MultifieldParser, QueryParserError

from .analysis import COMPOUND_JOINERS
from .index import MISSING_DATE
from .limits import MAX_QUERY_TERMS

QUERY_FIELDS = ("title", "body")
# Fields a user may name in a query; anything else ("foo:bar") is read as words.
USER_FIELDS = {"title", "body", "agency", "place", "date", "year", "agency_inferred"}
# Fields whose clauses restrict rather than rank: they must match.
FILTER_FIELDS = {"agency", "place", "date", "year", "agency_inferred"}
# Characters of query syntax; a query that fails to parse is retried without them.
SYNTAX_CHARS_RE = re.compile(r"[\"()\[\]{}:^~*?+\-!\\/<>=]")
OPERATOR_WORDS_RE = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b")
EXPLICIT_AND_RE = re.compile(r"\bAND\b")
# Letters a wildcard needs before its first * or ?; "a*" would scan the lexicon.
MIN_WILDCARD_PREFIX = 2
# Words a prefix* or wildcard may stand for before it is refused, and all of a
# query's prefixes together: each word is one more posting list walked in Python.
MAX_EXPANSIONS = 128
MAX_QUERY_EXPANSIONS = 2 * MAX_EXPANSIONS
QUERY_WORD_RE = re.compile(r"\w+")
WORD_SLASH_RE = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")


@dataclass(frozen=True)
class QueryPlan:
    """How to run a query: `strict` first; then, when it runs short, `loose`
    (stories with only some of the words), ranked below every strict match."""

    strict: query.Query
    loose: query.Query | None = None

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


def plan_query(q: query.Query, qstring: str) -> QueryPlan:
    """Give an implicit conjunction its meaning: metadata clauses and NOTs must
    hold; stories with all the words come first, then stories with some."""
    if not isinstance(q, query.And) or EXPLICIT_AND_RE.search(qstring):
        return QueryPlan(q)  # a single clause, an OR, or the user asked for strict AND
    required = [sub for sub in q.subqueries if is_field_filter(sub) or isinstance(sub, query.Not)]
    words = [sub for sub in q.subqueries if sub not in required]
    if len(words) < 2:
        return QueryPlan(q)
    loose = query.And([query.Or(words), *required]) if required else query.Or(words)
    return QueryPlan(q, loose)


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
        expansions = sum(1 for _ in itertools.islice(node._btexts(reader), MAX_EXPANSIONS + 1))
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
    if sort == "newest":
        # the column holds 2**64-1 for "no date", which would sort first when reversed
        newest = sorting.TranslateFacet(lambda v: -v if v != MISSING_DATE else 1, sorting.FieldFacet("date"))
        return newest
    return sorting.FieldFacet("date")

"""A user's query as text: the rules of its reading that hold for every engine.

Capitals make a headline of words (AND/OR/NOT are operators only in a query with
lower-case letters), slashes and question marks are not syntax, unknown fields and
malformed syntax become plain words, function words drop out. indexer.queries gives
these meanings to Whoosh's parser, indexer.sphinxql to Sphinx's extended syntax.
"""

from __future__ import annotations

import re

from .limits import MAX_QUERY_TERMS

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
QUERY_WORD_RE = re.compile(r"\w+")
WORD_SLASH_RE = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")
LOOSE_NOTICE = "No story has all of it as written: showing stories with some of its words."
# The words the index drops from text and queries: Whoosh's default list, given to
# analysis.py's StopFilter and written into the Sphinx config, so both engines drop the same.
INDEX_STOP_WORDS = frozenset(
    """
    a an and are as at be by can for from have if in is it may not of on or tbd that the this to
    us we when will with yet you your
    """.split()
)
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


def has_unknown_field(qstring: str) -> bool:
    """True when the query names a field users cannot search ("foo:bar")."""
    return any(m.group(1).lower() not in USER_FIELDS for m in re.finditer(r"(?<![\w:])(\w+):(?=\S)", qstring))


def plain_words(qstring: str) -> str:
    """A query reduced to its words: the fallback for malformed syntax."""
    words = SYNTAX_CHARS_RE.sub(" ", OPERATOR_WORDS_RE.sub(" ", qstring))
    return " ".join(words.split())


def is_strict_and(qstring: str) -> bool:
    """True when the user wrote AND as an operator: then every word must match."""
    return has_lower_case(qstring) and EXPLICIT_AND_RE.search(qstring) is not None


def trim_query(qstring: str) -> tuple[str, str | None]:
    """The query prepared for a parser, cut to MAX_QUERY_TERMS words and read as plain
    words when it names an unknown field; with the notice saying so."""
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
    return text, notice

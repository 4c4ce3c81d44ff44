"""Marking a query's words in story text: the only place story text becomes markup.

The text is split around the matches and every piece is escaped on its own, so
only the <mark> tags we add are markup (escaping the whole text first and then
searching it could match inside an entity such as "&amp;").
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Fields whose values are not words of the text (filters, dates, ids).
NON_TEXT_FIELDS = {"agency", "place", "date", "year", "id"}
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
# One query token: an optional - and field:, then a "phrase", a [range], a {range} or a word.
TOKEN_RE = re.compile(
    r"(?P<neg>-)?(?:(?P<field>\w+):)?"
    r"(?P<value>\"[^\"]*\"?|\[[^\]]*\]?|\{[^}]*\}?|[^\s\"]+)"
)
WORD_RE = re.compile(r"\w+\*?")
# Simple inflections, so "summit" also marks "summits" (the index stems; this only approximates it).
SUFFIXES = r"(?:s|es|ed|ing|['’]s)?"
MIN_WORD_CHARS = 2


def query_words(q: str) -> list[str]:
    """The words of a query worth marking; a trailing * keeps prefix meaning."""
    words: list[str] = []
    negate_next = False
    for m in TOKEN_RE.finditer(q):
        value, field = m["value"], (m["field"] or "").lower()
        if value in OPERATORS and not field:
            negate_next = value == "NOT"
            continue
        skip = negate_next or m["neg"] or field in NON_TEXT_FIELDS or value[:1] in "[{"
        negate_next = False
        if skip:
            continue
        if field and field not in ("title", "body"):
            words.append(field)  # an unknown field is searched as a word
        words.extend(w for w in WORD_RE.findall(value) if len(w.rstrip("*")) >= MIN_WORD_CHARS)
    return list(dict.fromkeys(w.lower() for w in words))


def words_pattern(words: list[str]) -> re.Pattern[str] | None:
    alternatives = [
        re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) + SUFFIXES
        for w in sorted(words, key=len, reverse=True)
    ]
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def mark_text(text: str, pattern: re.Pattern[str] | None) -> Markup:
    """`text` escaped, with each match of `pattern` in <mark>."""
    if pattern is None:
        return escape(text)
    parts: list[Markup] = []
    end = 0
    for m in pattern.finditer(text):
        parts.append(escape(text[end : m.start()]))
        parts.append(Markup("<mark>{}</mark>").format(m.group(0)))
        end = m.end()
    parts.append(escape(text[end:]))
    return Markup("").join(parts)


def split_paragraphs(body: str) -> list[str]:
    """Paragraphs separated by blank lines, inner line breaks folded."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]


def mark_paragraphs(body: str, q: str = "") -> list[Markup]:
    """A story body as paragraphs of safe HTML, the query's words in <mark>."""
    pattern = words_pattern(query_words(q))
    return [mark_text(p, pattern) for p in split_paragraphs(body)]

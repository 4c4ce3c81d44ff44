"""Text analysis for the index: how story text and queries become terms.

Imports whoosh; only indexer.index uses it.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)

# Words joined by hyphens, dots or ampersands stay one token ("INDUS-X", "U.S",
# "AT&T"); CompoundFilter then adds their parts so "indus" finds "INDUS-X" too.
TOKEN_PATTERN = r"\w+(?:[-&.]\w+)*"
COMPOUND_JOINERS = "-&."


class CompoundFilter(Filter):
    """Index a compound and its parts at one position; queries keep the compound.

    A query for "INDUS-X" then matches exactly that compound (and highlights the
    whole of it), while a query for "indus" matches its part.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if t.mode == "query" or not any(c in text for c in COMPOUND_JOINERS):
                yield t
                continue
            startchar = getattr(t, "startchar", None)
            parts = [p for p in _split_compound(text)]
            yield t
            offset = 0
            for part in parts:
                offset = text.find(part, offset)
                t.text = part
                if startchar is not None:
                    t.startchar = startchar + offset
                    t.endchar = t.startchar + len(part)
                offset += len(part)
                yield t


def _split_compound(text: str) -> list[str]:
    parts = [text]
    for joiner in COMPOUND_JOINERS:
        parts = [piece for part in parts for piece in part.split(joiner)]
    return [p for p in parts if p]


def story_analyzer() -> Analyzer:
    """Stemmed English analysis for title and body, compounds kept whole too."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter()
        | CompoundFilter()
        | StopFilter(renumber=False)
        | StemFilter(cachesize=100_000)
    )


def spelling_analyzer() -> Analyzer:
    """Plain lower-cased words, for "Did you mean" suggestions that are real words."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter()


def keyword_analyzer() -> Analyzer:
    """Lower-cased words for agency and place lookups ("place:delhi")."""
    return RegexTokenizer(r"\w+") | LowercaseFilter()

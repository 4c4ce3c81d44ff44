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

from .querytext import INDEX_STOP_WORDS

# Words joined by hyphens, dots or ampersands stay one token ("INDUS-X", "U.S",
# "AT&T"); CompoundFilter then adds their parts so "indus" finds "INDUS-X" too.
TOKEN_PATTERN = r"\w+(?:[-&.]\w+)*"
COMPOUND_JOINERS = "-&."


class CompoundFilter(Filter):
    """Index a compound whole and as parts; queries match it whole or as a phrase.

    "cost-effective" is indexed as the term "cost-effective" plus "cost" and
    "effective" at consecutive positions, the compound sharing the first part's
    position. A query of the single word "INDUS-X" keeps the compound (it matches,
    and is highlighted, whole); inside a phrase ("cost-effective plan") it becomes
    its parts, so the phrase lines up with "cost effective plan" too.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        buffered = None
        for t in tokens:
            if t.mode == "query":
                if buffered is None:
                    buffered = []
                buffered.append(t.copy())
                continue
            if hasattr(t, "pos"):
                t.pos += shift
            whole = t.text
            parts = _split_compound(whole) if any(c in whole for c in COMPOUND_JOINERS) else []
            # read before yielding: later filters (stemming) change the shared token
            start_pos = getattr(t, "pos", 0)
            startchar = getattr(t, "startchar", None)
            yield t
            if not parts:
                continue
            offset = 0
            for i, part in enumerate(parts):
                offset = whole.find(part, offset)
                t.text = part
                if hasattr(t, "pos"):
                    t.pos = start_pos + i
                if startchar is not None:
                    t.startchar = startchar + offset
                    t.endchar = t.startchar + len(part)
                offset += len(part)
                yield t
            shift += len(parts) - 1
        if buffered:
            yield from _query_tokens(buffered)


def _query_tokens(tokens: list[Token]) -> Iterator[Token]:
    if len(tokens) == 1:
        yield tokens[0]  # a single word: the compound itself
        return
    pos = 0
    for t in tokens:
        for part in _split_compound(t.text) or [t.text]:
            out = t.copy()
            out.text, out.pos = part, pos
            pos += 1
            yield out


def _split_compound(text: str) -> list[str]:
    """Parts of a compound worth indexing (stop words and single letters dropped)."""
    parts = [text]
    for joiner in COMPOUND_JOINERS:
        parts = [piece for part in parts for piece in part.split(joiner)]
    return [p for p in parts if len(p) > 1 and p not in INDEX_STOP_WORDS]


def story_analyzer() -> Analyzer:
    """Stemmed English analysis for title and body, compounds kept whole too."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=INDEX_STOP_WORDS)
        | CompoundFilter()
        | StemFilter(cachesize=100_000)
    )


def spelling_analyzer() -> Analyzer:
    """Plain lower-cased words, for "Did you mean" suggestions that are real words."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter()


def keyword_analyzer() -> Analyzer:
    """Lower-cased words for agency and place lookups ("place:delhi")."""
    return RegexTokenizer(r"\w+") | LowercaseFilter()

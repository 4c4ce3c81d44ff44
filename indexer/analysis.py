"""Text analysis for the index: how story text and queries become terms.

Imports whoosh; only indexer.index uses it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterator
from itertools import accumulate

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.formats import Characters, Positions
from whoosh.lang.porter import stem as porter_stem

from .postcodec import count_varints, decode_varints, encode_varints
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


# --- indexing fast path ---------------------------------------------------------------------


def index_occurrences(text: str) -> dict[str, list[tuple[int, int, int]]]:
    """(position, start, end) of every term story_analyzer() yields when indexing `text`.

    The same tokens, positions and offsets as the filter chain (tokenizer, lower case,
    stop words with positions renumbered, compounds and their parts, Porter stems) in
    one loop over the regex matches: the chain passes a Token object through five
    generators per word, which was most of the index-time analysis cost.
    """
    seen: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # no empty list a word
    stem = _stem
    pos = -1  # the stop filter's renumbering: the first kept word keeps its own position
    shift = 0  # positions the compound parts before this word added
    for i, match in enumerate(_TOKEN_RE.finditer(text)):
        word = match.group().lower()
        if len(word) < 2 or word in _STOPS:
            continue
        pos = i if pos < 0 else pos + 1
        at = pos + shift
        start, end = match.span()
        seen[stem(word)].append((at, start, end))
        # one regex search, not any() over a generator: this runs for every word
        parts = _split_compound(word) if _has_joiner(word) else []
        offset = 0
        for k, part in enumerate(parts):
            offset = word.find(part, offset)
            seen[stem(part)].append((at + k, start + offset, start + offset + len(part)))
            offset += len(part)
        if parts:
            shift += len(parts) - 1
    return seen


def index_positions(text: str) -> dict[str, list[int]]:
    """The positions of every term `index_occurrences(text)` gives, in its order.

    Indexing keeps positions only (StoryPositions), so ASCII text, whose lower case
    keeps every token, is split and stemmed by C loops (findall, map over the stem
    cache); positions are the first kept word's index plus the rank of each kept
    word, as the stop filter renumbers them, shifted after a compound's parts.
    """
    if not text.isascii():
        return {term: [o[0] for o in found] for term, found in index_occurrences(text).items()}
    words = _TOKEN_RE.findall(text.lower())
    kept = [w for w in words if len(w) > 1 and w not in _STOPS]
    if not kept:
        return {}
    first = words.index(kept[0])  # an earlier copy of that word would have been kept
    stems = list(map(_stem, kept))
    seen: dict[str, list[int]] = defaultdict(list)
    # a word with a joiner is never alphanumeric (isalnum: one C call, no regex a word)
    compounds = {j for j, w in enumerate(kept) if not w.isalnum() and _has_joiner(w)}
    if not compounds:
        for at, term in enumerate(stems, first):
            seen[term].append(at)
        return seen
    shift = 0
    for j, term in enumerate(stems):
        at = first + j + shift
        seen[term].append(at)
        if j in compounds:
            parts = _split_compound(kept[j])
            for k, part in enumerate(parts):
                seen[_stem(part)].append(at + k)
            if parts:
                shift += len(parts) - 1
    return seen


def story_values(text: str, boost: float) -> list[tuple[str, int, float, bytes]]:
    """(term, frequency, weight, value) a term of a story field: StoryPositions'
    word_values at index time, as one list."""
    # the chain sums a boost of 1.0 an occurrence: the same float
    return [
        (term, len(positions), float(len(positions)) * boost, encode_positions(positions))
        for term, positions in index_positions(text).items()
    ]


def encode_positions(positions: list[int]) -> bytes:
    """A StoryPositions value: the positions' deltas as varints."""
    if len(positions) == 1 and positions[0] < len(_ONE_POSITION):
        return _ONE_POSITION[positions[0]]  # most terms of a story occur once
    return encode_varints([b - a for a, b in zip([0, *positions], positions, strict=False)])


def term_spans(text: str, wanted: Collection[str]) -> dict[str, list[tuple[int, int]]]:
    """(start, end) of each occurrence of the terms in `wanted` (a snippet's matched
    words), in text order: the spans `index_occurrences(text)` gives them.

    Snippets and marked paragraphs need spans, not positions, so the words are split
    and stemmed by C loops (split, comprehensions) and only the wanted ones located;
    a Python loop over every word, keeping its position, was most of a snippet's cost.
    """
    if not text.isascii():  # lower case can change lengths there: the exact loop
        found = index_occurrences(text)
        return {w: [(start, end) for _, start, end in found[w]] for w in wanted if w in found}
    # ASCII: lower case keeps the tokens and offsets; split gives gap, word, gap, word, ...
    pieces = _SPLIT_RE.split(text.lower())
    words = pieces[1::2]
    # A Porter stem keeps its word's first letter (its rules rewrite suffixes only; true of
    # all 67,786 words and parts of Reuters-21578), so only words starting as a wanted
    # term starts are stemmed: a fresh process's stem cache is empty, and a stem is ~10 us.
    initials = {term[:1] for term in wanted}
    candidates = [i for i, w in enumerate(words) if w[:1] in initials]
    compounds = [i for i, w in enumerate(words) if "-" in w or "." in w or "&" in w]  # COMPOUND_JOINERS
    if compounds:
        candidates = sorted({*candidates, *compounds})
    seen: dict[str, list[tuple[int, int]]] = {}
    offsets: list[int] = []
    for i in candidates:
        word = words[i]
        if len(word) < 2 or word in _STOPS:
            continue
        matched = []
        if word[:1] in initials and (term := _stem(word)) in wanted:
            matched.append((term, 0, len(word)))
        if _has_joiner(word):
            offset = 0
            for part in _split_compound(word):
                offset = word.find(part, offset)
                if part[:1] in initials and (term := _stem(part)) in wanted:
                    matched.append((term, offset, offset + len(part)))
                offset += len(part)
        if matched:
            offsets = offsets or list(accumulate(map(len, pieces)))  # offsets[2i]: word i's start
            start = offsets[2 * i]
            for term, lo, hi in matched:
                seen.setdefault(term, []).append((start + lo, start + hi))
    return seen


class _StemCache(dict[str, str]):
    """Porter stems, remembered (pure; bounded like the chain's own cache)."""

    LIMIT = 100_000

    def __missing__(self, word: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        found = self[word] = porter_stem(word)
        return found


_stem = _StemCache().__getitem__
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_SPLIT_RE = re.compile(f"({TOKEN_PATTERN})")
_has_joiner = re.compile(f"[{re.escape(COMPOUND_JOINERS)}]").search
_STOPS = INDEX_STOP_WORDS
# encode_positions' values for one position below 4096, built once
_ONE_POSITION = [encode_varints([at]) for at in range(4096)]
_FAST = story_analyzer()


class StoryPositions(Positions):
    """The title and body format: each posting's positions as varint deltas, no character spans.

    Snippets get the spans of the shown hits from `term_spans` over the stored text
    (patches._load_chars), the same spans as indexing, so the postings need not
    carry them. Story text is analysed through `index_positions` when the
    analyzer is `story_analyzer()`.
    """

    VARINT_POSITIONS = True  # patches.posting_positions decodes these values in numpy

    def word_values(self, value, analyzer, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("mode") != "index" or not isinstance(value, str) or not _is_story_analyzer(analyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        yield from story_values(value, self.field_boost)

    def postings(self, value, analyzer):  # type: ignore[no-untyped-def]
        """FieldType.index(value) as a list, or None where word_values would not take
        the fast path (the bulk writer's shortcut past two generators a posting)."""
        if not isinstance(value, str) or not _is_story_analyzer(analyzer):
            return None
        return [(t.encode("utf-8"), n, w, v) for t, n, w, v in story_values(value, self.field_boost)]

    def encode(self, poslist):  # type: ignore[no-untyped-def]
        return encode_positions(poslist)

    def decode_positions(self, valuestring):  # type: ignore[no-untyped-def]
        deltas = decode_varints(valuestring, count_varints(valuestring))[0]
        return list(accumulate(deltas))

    def decode_frequency(self, valuestring):  # type: ignore[no-untyped-def]
        return count_varints(valuestring)


class StoryCharacters(Characters):
    """The title and body format before StoryPositions (character spans in every posting).

    Kept so the table of contents of an index built with it still loads, and
    index.open_index can ask for a rebuild instead of failing on the unpickling.
    """


_checked: list[Analyzer] = []


def _is_story_analyzer(analyzer: Analyzer) -> bool:
    if _checked and analyzer is _checked[0]:
        return True
    if analyzer == _FAST:
        _checked[:] = [analyzer]
        return True
    return False


def spelling_analyzer() -> Analyzer:
    """Plain lower-cased words, for "Did you mean" suggestions that are real words."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter()


def keyword_analyzer() -> Analyzer:
    """Lower-cased words for agency and place lookups ("place:delhi")."""
    return RegexTokenizer(r"\w+") | LowercaseFilter()

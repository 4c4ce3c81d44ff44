"""Spelling suggestions ("Did you mean"): unknown words replaced by close words of the index.

The distances are pure (`spelling.py`); this part asks the index which words it
knows and which corrections occur together.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from whoosh import query

from .limits import MAX_SPELL_WORD_CHARS
from .queries import OPERATOR_WORDS_RE, QUERY_FIELDS
from .spelling import Vocabulary, close_words, edit_distance, rank_candidates

# Words a "Did you mean" looks at: letters only, not a field name ("place:").
SPELL_WORD_RE = re.compile(r"(?<![\w:*?&.-])[^\W\d_]{3,}(?![\w:*?]|[-&.]\w)")
MAX_CORRECTIONS = 3
# Close words fetched per unknown word before our own ranking picks among them.
SPELL_CANDIDATES = 500


def is_known_word(s, word: str) -> bool:  # type: ignore[no-untyped-def]
    """True when the word occurs as written (case aside) somewhere in the index."""
    return ("words", word.lower()) in s.reader()


def suggest_query(s, qstring: str, vocabulary: Callable[[], Vocabulary]) -> str | None:  # type: ignore[no-untyped-def]
    """ "Did you mean": each unknown word replaced by a close real word from the
    index, choosing among close words the combination found together most often.
    `vocabulary` gives the index's words (called only when a word is unknown)."""
    spans = [
        m
        for m in SPELL_WORD_RE.finditer(qstring)
        if len(m.group(0)) <= MAX_SPELL_WORD_CHARS
        and not OPERATOR_WORDS_RE.fullmatch(m.group(0))
        and not is_known_word(s, m.group(0))
    ][:MAX_CORRECTIONS]
    if not spans:
        return None
    known = vocabulary()
    choices = []
    for m in spans:
        typed = m.group(0).lower()
        candidates = close_words(typed, known, limit=SPELL_CANDIDATES)
        choices.append(rank_candidates(typed, candidates, limit=3 if len(spans) == 1 else 2))
    if not any(choices):
        return None
    # Among equally close words, prefer the combination that occurs together most.
    best, best_key = None, (float("inf"), 0, 0)
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
        # Words sharing a stem tie on count; how many lexicon documents hold the word
        # as written says which spelling is common ("international", not "internation").
        written = sum(s.doc_frequency("words", w) for w in combo)
        if count and (distance, -count, -written) < best_key:
            best, best_key = combo, (distance, -count, -written)
    if not best:
        return None
    out, last = [], 0
    for m, word in zip(spans, best, strict=True):
        out.append(qstring[last : m.start()] + word)
        last = m.end()
    return "".join(out) + qstring[last:]

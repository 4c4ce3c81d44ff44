"""Ranking: the BM25F weighting and the levers measured in bench/relevance.py.

`Ranking` bundles the levers (weighting, query stop words, the all-words-first
tier, proximity, pseudo-relevance feedback) so that the benchmark can score one
change at a time through the public WhooshSearch API; `DEFAULT_RANKING` holds
what measured best across every collection, not on one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from whoosh import query, scoring

from .storedfields import stored


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


@dataclass(frozen=True)
class Ranking:
    """How results are ordered; every field is a lever measured in bench/relevance.py."""

    weighting: scoring.WeightingModel = WEIGHTING
    # drop function words ("what", "between") from queries that have other words
    query_stop_words: bool = True
    # a word typed twice weighs more (BM25's query term frequency), saturating as
    # BM25's k3 does: (k3 + 1) n / (k3 + n); None weighs n times
    query_term_counts: bool = True
    query_term_k3: float | None = 8.0
    # the all-words-first tier applies to queries of at most this many words (0: never)
    tier_max_words: int = 0
    # words in more than this share of stories are not required by the tier
    tier_common_share: float = 0.05
    # boost of a bonus for two query words next to each other (0: off)
    proximity: float = 0.0
    proximity_slop: int = 3
    # pseudo-relevance feedback (RM3): stories read from the top, words added (0: off)
    feedback_docs: int = 3
    feedback_terms: int = 10
    feedback_weight: float = 0.3  # share of the score the added words may bring
    feedback_rerank: int = 30  # the top stories of the first ranking it re-ranks
    # feedback only for queries with at least this many content words (distinct
    # title/body terms after query stop words; 0: every query). Measured (bench/
    # relevance.py, N = 0 3 4 5 6 8): every N from 3 to 8 keeps each collection at or
    # above FTS5 and the mean at 1.06-1.07x it, as given and in capitals; from 4 on, no
    # query of the speed mix (1-3 words) or Reuters topic name pays for RM3 (cold p50
    # 33.7 -> 18.0 ms on the mix, 20.9 -> 7.2 ms on topics: no RM3's 17.8 and 7.3),
    # while 224 of 225 Cranfield, all CISI and 28 of 30 Medline queries keep it.
    # 4 is the smallest N at that cost, and the best mean nDCG@10 (0.561).
    feedback_min_words: int = 4


DEFAULT_RANKING = Ranking()


def count_weight(times: int, k3: float | None) -> float:
    """The weight of a word the query names `times` times."""
    return float(times) if k3 is None else (k3 + 1) * times / (k3 + times)


def proximity_bonus(words: Sequence[query.Query], ranking: Ranking) -> query.Query | None:
    """Phrases of neighbouring query words, with slop: a bonus for words close together."""
    if ranking.proximity <= 0 or len(words) < 2:
        return None
    pairs = []
    for left, right in zip(words, words[1:], strict=False):
        for fieldname in ("title", "body"):
            a, b = _field_term(left, fieldname), _field_term(right, fieldname)
            if a is not None and b is not None and a != b:
                slop, boost = ranking.proximity_slop, ranking.proximity
                pairs.append(query.Phrase(fieldname, [a, b], slop=slop, boost=boost))
    return query.Or(pairs) if pairs else None


def _field_term(node: query.Query, fieldname: str) -> str | None:
    """The text of a word clause's term in one field (None for phrases, prefixes)."""
    leaves = list(node.leaves()) or [node]
    texts = [leaf.text for leaf in leaves if isinstance(leaf, query.Term) and leaf.fieldname == fieldname]
    return str(texts[0]) if len(texts) == 1 else None


def content_words(q: query.Query, fields: Iterable[str] = ("title", "body")) -> int:
    """How many distinct words of `fields` a query scores (filters, e.g. agency:, not counted)."""
    wanted = set(fields)
    return len({str(text) for fieldname, text in q.iter_all_terms() if fieldname in wanted})


def uses_feedback(q: query.Query, ranking: Ranking) -> bool:
    """True when the RM3 stage runs for this (planned) query."""
    return ranking.feedback_docs > 0 and content_words(q) >= ranking.feedback_min_words


def feedback_query(
    searcher,  # type: ignore[no-untyped-def]
    top: Sequence[tuple[float, int]],
    known: set[str],
    ranking: Ranking,
) -> query.Query | None:
    """RM3: words weighted by their share of the top stories, each story by its score.

    `top` is (score, docnum) of the first ranking; `known` the query's own terms,
    which are left out (they already score). Interpolated as RM3 does: the query's
    own words keep weight 1 each, the added words share (1 - w) / w times as much.
    """
    if ranking.feedback_docs <= 0 or not top:
        return None
    analyzer = searcher.schema["body"].analyzer
    best = max(score for score, _ in top) or 1.0
    weights: dict[str, float] = {}
    total_docs = searcher.doc_count_all()
    for score, docnum in top[: ranking.feedback_docs]:
        fields = stored(searcher).of(docnum)
        counts = Counter(t.text for t in analyzer(f"{fields.get('title', '')}\n{fields.get('body', '')}"))
        length = sum(counts.values()) or 1
        # the relevance model's P(D|Q), from BM25 scores as Anserini's RM3 does
        doc_weight = score / best
        for text, tf in counts.items():
            weights[text] = weights.get(text, 0.0) + doc_weight * tf / length
    reader = searcher.reader()
    chosen = []
    for text, weight in sorted(weights.items(), key=lambda kv: -kv[1]):
        if text in known:
            continue
        df = reader.doc_frequency("body", text)
        # a word in most stories adds nothing; one in a single story is noise
        if 2 <= df <= total_docs // 10:
            chosen.append((text, weight))
        if len(chosen) == ranking.feedback_terms:
            break
    if not chosen:
        return None
    norm = sum(w for _, w in chosen)
    scale = ranking.feedback_weight / (1 - ranking.feedback_weight)
    share = scale * max(1, len(known))
    return query.Or([query.Term("body", text, boost=share * w / norm) for text, w in chosen])


def score_documents(searcher, terms: Sequence[query.Term], docnums: Iterable[int]) -> dict[int, float]:  # type: ignore[no-untyped-def]
    """Each document's score for `terms` (their BM25F sum, boosts applied), read by
    skipping to it in each posting list: for a hundred documents far cheaper than a
    search, which walks every posting of every term."""
    ordered = sorted(docnums)
    scores: dict[int, float] = {}
    context = searcher.context()
    for term in terms:
        if (term.fieldname, term.text) not in searcher.reader():
            continue
        m = term.matcher(searcher, context)
        for docnum in ordered:
            if not m.is_active():
                break
            if m.id() < docnum:
                m.skip_to(docnum)
            if m.is_active() and m.id() == docnum:
                scores[docnum] = scores.get(docnum, 0.0) + m.score()
    return scores

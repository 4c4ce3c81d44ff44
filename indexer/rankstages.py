"""The ranking stages run on a query plan: first ranking, tiers, proximity, RM3 re-ranking.

`ranking.py` holds the levers and what they compute; this applies them in order
to Whoosh searches. A stage reorders the matches and never adds any, so totals,
facets and snippets stay those of the query as typed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from whoosh import query

from .fastscore import PostingArrays, fast_search
from .limits import MAX_SEARCH_SECONDS
from .patches import search_until
from .queries import QueryPlan, date_facet
from .ranking import Ranking, feedback_query, proximity_bonus, score_documents, uses_feedback
from .search import SORT_RELEVANCE

# Seconds a search may rank before it answers with the best hits found by then.
RANKING_SECONDS = MAX_SEARCH_SECONDS / 2


def rank_plan(
    s: Any,
    plan: QueryPlan,
    ranking: Ranking,
    *,
    sort: str,
    need: int,
    allowed: set[int] | None,
    hidden: set[int],
    seconds: float | None = RANKING_SECONDS,
    fast: PostingArrays | None = None,
) -> list[Any]:
    """Whoosh results holding the first `need` hits in order: strict matches by score,
    then the loose ones (some of the words) by score; or all matches by date. Each
    search stops after `seconds` (None: exports and evaluation, which must be whole).
    With `fast`, an OR of words is scored by fastscore (the same hits, in numpy)."""
    if allowed is not None and not allowed:
        return []  # nothing passes the filters (Whoosh reads filter=set() as no filter at all)
    timed_search = functools.partial(search_until, seconds=seconds)
    if sort != SORT_RELEVANCE:
        by_date = date_facet(sort)
        return [timed_search(s, plan.everything, limit=need, sortedby=by_date, filter=allowed, mask=hidden)]
    feedback = uses_feedback(plan.everything, ranking)
    depth = max(need, ranking.feedback_rerank) if feedback else need
    first = tiers(s, with_proximity(plan, ranking), depth, allowed, hidden, timed_search, fast)
    return with_feedback(s, plan, first, need, ranking) if feedback else first


def tiers(
    s: Any,
    plan: QueryPlan,
    need: int,
    allowed: set[int] | None,
    hidden: set[int],
    timed_search: Callable[..., Any],
    fast: PostingArrays | None = None,
) -> list[Any]:
    """Whoosh results of the strict query, then of the loose one for the rest.

    Queries are normalized first: Whoosh scores an Or nested three deep wrongly
    (Or([Or([Or(...)]), Term]) gave the best story half its score).
    """
    strict = plan.strict.normalize()
    found = fast_search(s, strict, need, allowed, hidden, fast) if fast is not None else None
    if found is None:
        found = timed_search(s, strict, limit=need, filter=allowed, mask=hidden)
    results = [found]
    if plan.loose is not None and results[0].scored_length() < need:
        exclude = {docnum for _, docnum in results[0].top_n}
        more = need - len(exclude)
        results.append(
            timed_search(s, plan.loose.normalize(), limit=more, filter=allowed, mask=exclude | hidden)
        )
    return results


def with_proximity(plan: QueryPlan, ranking: Ranking) -> QueryPlan:
    """The plan with a bonus for query words close together, when that lever is on."""
    bonus = proximity_bonus(plan.words, ranking)
    if bonus is None:
        return plan

    def boosted(q: query.Query) -> query.Query:
        return query.AndMaybe(q, bonus)

    loose = boosted(plan.loose) if plan.loose is not None else None
    return QueryPlan(boosted(plan.strict), loose, plan.words)


def with_feedback(s: Any, plan: QueryPlan, first: list[Any], need: int, ranking: Ranking) -> list[Any]:
    """RM3 as a ranking stage: the first ranking's top stories re-ordered by their
    score plus that of the words its best stories share; no story is added.

    Only the added words are scored, and only for the stories re-ranked: scoring
    the whole query a second time took 4x the query time, a search for the added
    words alone 5x.
    """
    top = [(score, docnum) for r in first for score, docnum in r.top_n]
    if top:
        known = {str(text) for _, text in plan.everything.iter_all_terms()}
        words = feedback_query(s, top, known, ranking)
        # the same stories re-ranked however deep the caller reads, so page 1 of
        # search() and the top of a deeper listing (iter_hits) agree
        pool = {docnum for _, docnum in top[: ranking.feedback_rerank]}
        if words is not None:
            bonus = score_documents(s, [t for t in words.leaves() if isinstance(t, query.Term)], pool)
            for r in first:
                head = [(sc + bonus.get(d, 0.0), d) for sc, d in r.top_n if d in pool]
                head.sort(key=lambda h: (-h[0], h[1]))
                r.top_n = head + [(sc, d) for sc, d in r.top_n if d not in pool]
    left = need
    for r in first:
        r.top_n, left = r.top_n[:left], max(0, left - len(r.top_n))
    return first

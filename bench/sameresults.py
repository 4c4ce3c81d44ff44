"""Results identical before and after a change: our top 10 and totals saved, then compared.

`make bench-speed` with `--save-results F` before a speed change and
`--compare-results F` after it says whether any query of the mix (and 200 distinct
ones) lost or gained a story in its top 10, changed a score, changed its total, or
changed the snippet HTML of a story it shows.

Stories with equal scores are ordered by document number, which a parallel build
assigns in whichever order its workers finish, so two builds of one corpus can order
a tie differently: the check compares the scores in order and, for each score, the
set of stories having it (at the tenth place, where a tie may run past the page,
only the score and how many stories have it on the page).
"""

from __future__ import annotations

from itertools import groupby

from .common import BenchQuery, WireEngine

SCORE_DIGITS = 5


def results_snapshot(engine: WireEngine, queries: list[BenchQuery]) -> dict[str, dict[str, object]]:
    """Top 10 (id, score), the total and the shown snippets of each query, computed (no result cache)."""
    from indexer.search import SearchRequest

    out: dict[str, dict[str, object]] = {}
    for q in queries:
        request = SearchRequest(q.text, date_from=q.date_from, date_to=q.date_to)
        found = engine.uncached.search(request)  # type: ignore[union-attr]
        key = f"{q.text} [{q.date_from} {q.date_to}]" if q.date_from else q.text
        out[key] = {
            "total": found.total,
            "hits": [[h.id, round(h.score, SCORE_DIGITS)] for h in found.hits],
            "snippets": {h.id: h.snippet for h in found.hits},
        }
    return out


def same_top(before: list[list[object]], now: list[list[object]]) -> bool:
    """The same scores in order, and the same stories for each score but the last one's."""
    if [score for _, score in before] != [score for _, score in now]:
        return False
    groups = [
        ({i for i, _ in a}, {i for i, _ in b})
        for (_, a), (_, b) in zip(
            groupby(before, key=lambda h: h[1]), groupby(now, key=lambda h: h[1]), strict=True
        )
    ]
    return all(a == b for a, b in groups[:-1])


def snippets_changed(before: dict[str, str] | None, now: dict[str, str]) -> list[str]:
    """Ids of stories shown in both runs whose snippet HTML differs (none saved: none)."""
    if before is None:
        return []
    return sorted(i for i in now.keys() & before.keys() if now[i] != before[i])


def compare_snapshots(saved: dict, now: dict) -> list[str]:  # type: ignore[type-arg]
    """Lines naming each query whose top 10 or total differs from the saved run."""
    lines = []
    for label, queries in now.items():
        before = saved.get(label)
        if before is None:
            lines.append(f"{label}: not in the saved results")
            continue
        for key, found in queries.items():
            old = before.get(key)
            if old is None:
                continue
            same = same_top(old["hits"], found["hits"])
            if old["total"] != found["total"] or not same:
                lines.append(f"{label}: {key!r}: total {old['total']} -> {found['total']}, "
                             f"top 10 {'same' if same else 'changed'}")  # fmt: skip
            changed = snippets_changed(old.get("snippets"), found["snippets"])
            if changed:
                lines.append(f"{label}: {key!r}: snippet of {', '.join(changed)} changed")
        missing = set(before) - set(queries)
        if missing:
            lines.append(f"{label}: {len(missing)} saved queries not run now")
    return lines

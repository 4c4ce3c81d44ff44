"""The numpy scorer (indexer/fastscore.py) beside Whoosh's matchers: same results, time saved.

    .venv/bin/python -m bench.fastscore INDEX [--stories N] [--distinct N] [--reps R]

INDEX is a built index of the Reuters stories (the default) or of the scaled
corpus of bench/speed.py with N stories (`--stories N`) (regenerated here, seed 1987, for
its query mix and distinct queries). Two cold backends (`result_cache_size=0`) on the
same index, one with `fast_scoring=False`: every query's hits (ids and scores, in
order) and total must be equal, bit for bit; then each query is timed on both, back to
back, so the machine's other load falls on both alike, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .common import BenchQuery, format_table, load_reuters_stories, percentile
from .httpload import distinct_queries
from .speed import query_mix, scaled_corpus


def request_of(q: BenchQuery, facets: bool):  # type: ignore[no-untyped-def]
    from indexer.search import SearchRequest

    return SearchRequest(q.text, date_from=q.date_from, date_to=q.date_to, facets=facets, spelling=facets)


def fast_share(backend, queries: list[BenchQuery]) -> int:  # type: ignore[no-untyped-def]
    """How many queries the numpy scorer takes (an OR of words after planning)."""
    from indexer.fastscore import plain_terms

    r = backend._pool.reading()
    taken = 0
    for q in queries:
        plan = backend._plan(r, request_of(q, False))
        taken += plan is not None and plain_terms(plan.strict.normalize()) is not None
    return taken


def answer(backend, q: BenchQuery, facets: bool) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    found = backend.search(request_of(q, facets))
    return (found.total, [(h.id, h.score) for h in found.hits], found.facets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--stories", type=int, default=0, help="the scaled corpus's size (0: Reuters)")
    parser.add_argument("--distinct", type=int, default=200)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    from indexer.searching import WhooshSearch

    base = load_reuters_stories()
    stories = list(scaled_corpus(base, args.stories)) if args.stories else base
    sets = {
        "mix": query_mix([s.date for s in stories if s.date]),
        "distinct": distinct_queries(stories, args.distinct),
    }
    whoosh = WhooshSearch(args.index, result_cache_size=0, fast_scoring=False)
    fast = WhooshSearch(args.index, result_cache_size=0)
    rows, differ = [], 0
    for label, queries in sets.items():
        taken = fast_share(fast, queries)
        for facets in (False, True):
            for q in queries:  # warm both (columns, vocabulary, posting arrays of the mix)
                before, now = answer(whoosh, q, facets), answer(fast, q, facets)
                if before != now:
                    differ += 1
                    print(f"DIFFERENT: {q} facets={facets}:\n  {before}\n  {now}", file=sys.stderr)
            times: dict[str, list[float]] = {"whoosh": [], "fast": []}
            for _ in range(args.reps):
                for q in queries:
                    for name, backend in (("whoosh", whoosh), ("fast", fast)):
                        started = time.perf_counter()
                        backend.search(request_of(q, facets))
                        times[name].append((time.perf_counter() - started) * 1000)
            w50, w95 = percentile(times["whoosh"], 50), percentile(times["whoosh"], 95)
            f50, f95 = percentile(times["fast"], 50), percentile(times["fast"], 95)
            rows.append([
                label, len(queries), f"{taken}/{len(queries)}", "yes" if facets else "no",
                f"{w50:.1f} / {w95:.1f}", f"{f50:.1f} / {f95:.1f}", f"{f50 / w50:.2f}x / {f95 / w95:.2f}x",
                f"{sum(times['whoosh']) / sum(times['fast']):.2f}x",
            ])  # fmt: skip
    header = ["queries", "n", "fast path", "facets+spelling", "whoosh p50/p95 ms", "fast p50/p95 ms",
              "ratio p50/p95", "speed-up (total)"]  # fmt: skip
    print(f"{args.index} ({len(stories)} stories), {args.reps} timed passes, interleaved")
    print(format_table(header, rows))
    print(f"results identical (total, ids, scores bit for bit, facets): {'PASS' if not differ else 'FAIL'}"
          f" ({differ} differ)")  # fmt: skip
    whoosh.close()
    fast.close()
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

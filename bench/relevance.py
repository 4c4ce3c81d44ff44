"""Relevance benchmark: nDCG@10 and MAP on five collections, queries as given and in capitals.

Systems, side by side on the same documents (title + body):
  wire (ours)   indexer.index.build_index + WhooshSearch.iter_hits (the path of search())
  sqlite fts5   bm25(), porter tokenizer, words OR-ed
  plain BM25    k1=0.9, b=0.4, no stemming: the reference baseline of the data README

Collections: Reuters-21578 topics.* (all 21,578 stories indexed) and modapte_test.*
(the 3,299 test stories), with topic labels as judgments and topic names as queries;
CISI, Cranfield and Medline (shared data ir/), with human judgments and
natural-language queries. Every collection is scored twice: its queries as given,
and upper-cased (wire headlines are often in capitals). MAP is over the top 1000.

Then the ranking levers (indexer.ranking.Ranking), one change at a time from
DEFAULT_RANKING, each a WhooshSearch(index_dir, ranking=...) over the same indexes.

    .venv/bin/python -m bench.relevance [--json results.json] [--no-levers] [--collections cisi,cran]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.index import build_index
from indexer.ranking import DEFAULT_RANKING, Ranking, WireBM25F
from indexer.searching import WhooshSearch
from indexer.story import Story

from .common import (
    EvaluationRequest,
    Fts5Engine,
    PlainBM25,
    cache_dir,
    format_table,
    load_reuters_stories,
    machine_info,
    ranked_ids,
    reuters_dir,
    shared_data_dir,
    words_of,
)

REUTERS_COLLECTIONS = ("topics", "modapte_test")
IR_COLLECTIONS = ("cisi", "cran", "med")
COLLECTIONS = REUTERS_COLLECTIONS + IR_COLLECTIONS
DEPTH = 1000  # MAP is computed over this many ranked stories
LEVER_DEPTH = 100  # levers: MAP over the top 100, which is 3x faster to run
NDCG_DEPTH = 10
# How queries are typed: as the collection gives them, and all in capitals.
CASES: dict[str, Callable[[str], str]] = {"as given": lambda q: q, "CAPITALS": str.upper}

Ranker = Callable[[str], list[str]]
# Ranking.feedback_min_words values the levers measure (the default is one of them)
FEEDBACK_MIN_WORDS_SWEEP = (0, 3, 4, 5, 6, 8)


@dataclass(frozen=True)
class Collection:
    name: str
    stories: list[Story]
    queries: list[tuple[str, str]]  # (query id, text)
    qrels: dict[str, set[str]]  # query id -> relevant story ids


def read_qrels(path: Path, prefix: str = "") -> dict[str, set[str]]:
    """TREC qrels (`query 0 doc rel`), relevant when rel > 0."""
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text().splitlines():
        if line.strip():
            topic, _, doc, rel = line.split()
            if int(rel) > 0:
                qrels[topic].add(f"{prefix}{doc}")
    return dict(qrels)


def read_queries(path: Path) -> list[tuple[str, str]]:
    rows = [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(qid, text.strip()) for qid, text in rows]


def load_reuters_collection(name: str, all_stories: list[Story]) -> Collection:
    folder = reuters_dir() / "relevance"
    stories = all_stories
    docids = folder / f"{name}.docids"
    if docids.exists():
        keep = {f"reuters-{n.strip()}" for n in docids.read_text().split()}
        stories = [s for s in all_stories if s.id in keep]
    queries = read_queries(folder / f"{name}.queries.tsv")
    return Collection(name, stories, queries, read_qrels(folder / f"{name}.qrels", "reuters-"))


def ir_dir() -> Path:
    return shared_data_dir() / "ir"


def load_ir_collection(name: str) -> Collection:
    """A classic test collection of shared data ir/: docs.jsonl, queries.tsv, qrels."""
    folder = ir_dir() / name
    stories = []
    with (folder / "docs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            stories.append(
                Story(id=f"{name}-{doc['id']}", title=doc.get("title", ""), body=doc.get("text", ""))
            )
    return Collection(
        name, stories, read_queries(folder / "queries.tsv"), read_qrels(folder / "qrels", f"{name}-")
    )


def load_collections(names: Sequence[str]) -> list[Collection]:
    """The named collections whose data is present (a missing one is reported, not fatal)."""
    colls = []
    reuters = [n for n in names if n in REUTERS_COLLECTIONS]
    if reuters and (reuters_dir() / "relevance").is_dir():
        stories = load_reuters_stories()
        colls += [load_reuters_collection(n, stories) for n in reuters]
    elif reuters:
        print(f"skipped {', '.join(reuters)}: no {reuters_dir() / 'relevance'}", file=sys.stderr)
    for name in names:
        if name in IR_COLLECTIONS:
            if (ir_dir() / name / "qrels").exists():
                colls.append(load_ir_collection(name))
            else:
                print(f"skipped {name}: no {ir_dir() / name}", file=sys.stderr)
    return colls


# --- metrics -------------------------------------------------------------------------------


def ndcg(ranked: Sequence[str], relevant: set[str], k: int = NDCG_DEPTH) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def average_precision(ranked: Sequence[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked, 1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def evaluate(
    coll: Collection, rank: Ranker, case: Callable[[str], str] = CASES["as given"]
) -> dict[str, float]:
    """Mean nDCG@10 and MAP over the collection's queries (with at least one relevant story)."""
    ndcgs, aps = [], []
    started = time.perf_counter()
    for topic, text in coll.queries:
        relevant = coll.qrels.get(topic)
        if not relevant:
            continue
        ranked = rank(case(text))
        ndcgs.append(ndcg(ranked, relevant))
        aps.append(average_precision(ranked, relevant))
    return {
        "ndcg10": sum(ndcgs) / len(ndcgs),
        "map": sum(aps) / len(aps),
        "queries": len(ndcgs),
        "seconds": time.perf_counter() - started,
    }


# --- our index and its ranking variants ---------------------------------------------------


def wire_index_dir(coll: Collection) -> Path:
    """Our index of the collection, built once per indexer source."""
    folder = cache_dir("relevance", coll.name, "wire")
    if not (folder / "CURRENT").exists():
        started = time.perf_counter()
        build_index(folder, coll.stories, expected=len(coll.stories))
        print(f"  built {folder} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return folder


def wire_ranker(backend: WhooshSearch, depth: int = DEPTH) -> Ranker:
    """Our library's own ranking, `depth` deep (bench.common.ranked_ids)."""
    return lambda text: ranked_ids(backend, text, limit=depth)


@dataclass(frozen=True)
class Lever:
    name: str
    ranking: Ranking


def make_levers() -> list[Lever]:
    """DEFAULT_RANKING first, then one lever moved at a time (all through the public API)."""
    base = DEFAULT_RANKING
    w = base.weighting

    def moved(name: str, **changes: object) -> Lever:
        return Lever(name, dataclasses.replace(base, **changes))  # type: ignore[arg-type]

    def bm25(**params: float) -> WireBM25F:
        current = {"K1": w.K1, "B": w.B, "title_B": w._field_B.get("title", w.B)}  # type: ignore[attr-defined]
        current.update(params)
        return WireBM25F(**current)

    return [
        Lever("default (DEFAULT_RANKING)", base),
        moved("no query stop words", query_stop_words=False),
        moved("no query term counts", query_term_counts=False),
        moved("query term counts linear", query_term_k3=None),
        moved("tier: up to 4 words", tier_max_words=4),
        moved("tier: always", tier_max_words=1000),
        moved("tier: up to 4 words, every word required", tier_max_words=4, tier_common_share=1.0),
        moved("BM25 K1=1.5", weighting=bm25(K1=1.5)),
        moved("BM25 B=0.3 (body)", weighting=bm25(B=0.3)),
        moved("BM25 B=0.75 (body)", weighting=bm25(B=0.75)),
        moved("BM25 title_B=0.75", weighting=bm25(title_B=0.75)),
        moved("proximity 0.3, slop 3", proximity=0.3),
        moved("no RM3", feedback_docs=0),
        moved("RM3 from 10 docs", feedback_docs=10),
        moved("RM3 weight 0.5", feedback_weight=0.5),
        *[moved(f"RM3 from {n} content words", feedback_min_words=n) for n in FEEDBACK_MIN_WORDS_SWEEP],
    ]


# --- running -----------------------------------------------------------------------------


def fts5_ranker(coll: Collection, tokenizer: str = "porter unicode61") -> Ranker:
    folder = cache_dir("relevance", coll.name, "fts5-" + tokenizer.replace(" ", "-"))
    engine = Fts5Engine(folder, tokenizer=tokenizer)
    if not engine.path.exists():
        engine.build(coll.stories)
    engine.open()

    def rank(text: str) -> list[str]:
        sql = "SELECT id FROM stories WHERE stories MATCH ? ORDER BY bm25(stories) LIMIT ?"
        # repeated words kept, as the data README's FTS5 figures do (FTS5 weighs them)
        match = " OR ".join(f'"{w}"' for w in words_of(text))
        return [row[0] for row in engine.db.execute(sql, (match, DEPTH))] if match else []

    return rank


def check_library_agrees(backend: WhooshSearch, coll: Collection) -> int:
    """ranked_ids must start with WhooshSearch.search's own top 10, every copy listed
    (search collapses syndicated copies by default, ranked_ids does not); returns
    disagreements."""
    differing = 0
    for _, text in coll.queries[:20]:
        request = EvaluationRequest(text, pagelen=10, collapse=False)
        library = [h.id for h in backend.search(request).hits]
        if library != ranked_ids(backend, text, limit=10):
            differing += 1
    return differing


WIRE = "wire (ours)"
FTS5 = "sqlite fts5 porter"
BM25 = "plain BM25"
SYSTEMS = (WIRE, FTS5, BM25)

Scores = dict[str, dict[str, dict[str, dict[str, float]]]]  # system -> collection -> case -> scores


def run_systems(colls: list[Collection]) -> Scores:
    """Every system on every collection, queries as given and in capitals."""
    scores: Scores = {name: defaultdict(dict) for name in SYSTEMS}
    for coll in colls:
        print(f"{coll.name}: {len(coll.stories)} stories, {len(coll.queries)} queries", file=sys.stderr)
        backend = WhooshSearch(wire_index_dir(coll))
        differing = check_library_agrees(backend, coll)
        if differing:
            print(f"  warning: {differing}/20 queries differ from WhooshSearch.search", file=sys.stderr)
        rankers = {
            WIRE: wire_ranker(backend),
            FTS5: fts5_ranker(coll),
            BM25: PlainBM25(coll.stories).ranked_ids,
        }
        for case_name, case in CASES.items():
            for system, rank in rankers.items():
                scores[system][coll.name][case_name] = evaluate(coll, rank, case)
        backend.close()
    return scores


def run_levers(
    colls: list[Collection], only: Sequence[str] = (), cases: Sequence[str] = ("as given",)
) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """lever -> collection -> case -> scores (the default first, then the chosen levers)."""
    scores: dict[str, dict[str, dict[str, dict[str, float]]]] = defaultdict(lambda: defaultdict(dict))
    levers = make_levers()
    levers = levers[:1] + [lv for lv in levers[1:] if not only or any(o in lv.name for o in only)]
    for coll in colls:
        folder = wire_index_dir(coll)
        for lever in levers:
            backend = WhooshSearch(folder, ranking=lever.ranking)
            started = time.perf_counter()
            for case in cases:
                scores[lever.name][coll.name][case] = evaluate(
                    coll, wire_ranker(backend, LEVER_DEPTH), CASES[case]
                )
            backend.close()
            print(f"  {coll.name}: {lever.name} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return scores


def run_costs(colls: list[Collection], only: Sequence[str] = ()) -> dict[str, dict[str, dict[str, float]]]:
    """Query time of each lever on Reuters (topics: 21,578 stories), cold, through search(),
    top 10 with snippets: lever -> workload -> timings, the workloads bench/speed.py's
    query mix (short news-style queries), 40 topic names, and both together."""
    from .common import BenchQuery, WireEngine
    from .speed import query_mix, time_queries

    coll = next((c for c in colls if c.name == "topics"), None)
    if coll is None:
        return {}
    folder = wire_index_dir(coll)
    dates = [s.date for s in coll.stories if s.date]
    mix = query_mix(dates)
    topics = [BenchQuery("topic", text) for _, text in coll.queries[:40]]
    workloads = {"speed mix": mix, "topics": topics, "both": mix + topics}
    costs: dict[str, dict[str, dict[str, float]]] = {}
    levers = make_levers()
    for lever in levers[:1] + [lv for lv in levers[1:] if not only or any(o in lv.name for o in only)]:
        engine = WireEngine(folder, ranking=lever.ranking)
        engine.open()
        costs[lever.name] = {
            name: time_queries(engine, qs, reps=2, cold=True) for name, qs in workloads.items()
        }
        engine.close()
        both = costs[lever.name]["both"]
        print(f"  cost: {lever.name}: p50 {both['p50_ms']:.1f} ms", file=sys.stderr)
    return costs


def costs_table(costs: dict[str, dict[str, dict[str, float]]]) -> str:
    base = next(iter(costs.values()))["both"]
    header = ["lever (Reuters, 21,578 stories, cold)"]
    for workload in ("speed mix", "topics", "both"):
        header += [f"{workload} p50 ms", "p95 ms"]
    header += ["both p50 x", "both p95 x"]
    rows = []
    for name, by_load in costs.items():
        row: list[object] = [name]
        for workload in ("speed mix", "topics", "both"):
            row += [by_load[workload]["p50_ms"], by_load[workload]["p95_ms"]]
        row += [
            _ratio(by_load["both"]["p50_ms"], base["p50_ms"]),
            _ratio(by_load["both"]["p95_ms"], base["p95_ms"]),
        ]
        rows.append(row)
    return format_table(header, rows)


def systems_table(scores: Scores, colls: list[str]) -> str:
    """One row per collection and query case: each system's nDCG@10 and MAP, ours against FTS5."""
    header = ["collection", "queries"]
    for system in SYSTEMS:
        header += [f"{system} nDCG@10", "MAP"]
    header += ["nDCG vs fts5", "nDCG vs BM25"]
    rows = []
    for case in CASES:
        for c in colls:
            row: list[object] = [c, case]
            for system in SYSTEMS:
                row += [scores[system][c][case]["ndcg10"], scores[system][c][case]["map"]]
            ours = scores[WIRE][c][case]["ndcg10"]
            row += [
                _ratio(ours, scores[FTS5][c][case]["ndcg10"]),
                _ratio(ours, scores[BM25][c][case]["ndcg10"]),
            ]
            rows.append(row)
        means = [_mean(scores[s], colls, case, "ndcg10") for s in SYSTEMS]
        row = ["mean", case]
        for system, m in zip(SYSTEMS, means, strict=True):
            row += [m, _mean(scores[system], colls, case, "map")]
        row += [_ratio(means[0], means[1]), _ratio(means[0], means[2])]
        rows.append(row)
    return format_table(header, rows)


def levers_table(
    scores: dict[str, dict[str, dict[str, dict[str, float]]]], colls: list[str], case: str = "as given"
) -> str:
    """One row per lever: nDCG@10 per collection (queries as `case`), means, change from the default."""
    base = next(iter(scores.values()))
    header = [
        f"lever ({case})",
        *[f"{c} nDCG@10" for c in colls],
        "mean",
        f"mean MAP@{LEVER_DEPTH}",
        "d mean nDCG",
    ]
    rows = []
    for name, by_coll in scores.items():
        mean = _mean(by_coll, colls, case, "ndcg10")
        rows.append(
            [
                name,
                *[by_coll[c][case]["ndcg10"] for c in colls],
                mean,
                _mean(by_coll, colls, case, "map"),
                f"{mean - _mean(base, colls, case, 'ndcg10'):+.3f}",
            ]
        )
    return format_table(header, rows)


def _mean(by_coll, colls: list[str], case: str, metric: str) -> float:  # type: ignore[no-untyped-def]
    return sum(by_coll[c][case][metric] for c in colls) / len(colls)


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--no-levers", action="store_true", help="skip the ranking-lever experiment")
    parser.add_argument("--no-systems", action="store_true", help="skip the systems table")
    parser.add_argument("--cost", action="store_true", help="also time each lever's queries on Reuters")
    parser.add_argument("--collections", default=",".join(COLLECTIONS), help="comma-separated subset")
    parser.add_argument("--capitals", action="store_true", help="levers also with queries in capitals")
    parser.add_argument("--levers", help="only the levers whose names contain one of these (comma-separated)")
    args = parser.parse_args(argv)
    colls = load_collections([n.strip() for n in args.collections.split(",") if n.strip()])
    if not colls:
        print(f"no relevance data under {shared_data_dir()} (set WIRE_SHARED_DATA)", file=sys.stderr)
        return 2
    names = [c.name for c in colls]
    output: dict[str, object] = {"machine": machine_info(), "depth": DEPTH}
    if not args.no_systems:
        systems = run_systems(colls)
        print(systems_table(systems, names))
        output["systems"] = systems
    if not args.no_levers:
        cases = tuple(CASES) if args.capitals else ("as given",)
        levers = run_levers(colls, [o.strip() for o in (args.levers or "").split(",") if o.strip()], cases)
        for case in cases:
            print()
            print(levers_table(levers, names, case))
        output["levers"] = levers
    if args.cost:
        costs = run_costs(colls, [o.strip() for o in (args.levers or "").split(",") if o.strip()])
        print()
        print(costs_table(costs))
        output["costs"] = costs
    if args.json:
        args.json.write_text(json.dumps(output, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

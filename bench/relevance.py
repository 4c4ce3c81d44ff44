"""Relevance benchmark: nDCG@10 and MAP on the Reuters-21578 topic relevance set.

Systems, side by side on the same cleaned stories (title + body):
  wire (ours)   indexer.index.build_index + WhooshSearch.ranked_ids (the path of search())
  sqlite fts5   bm25(), porter tokenizer (and unicode61, unstemmed), words OR-ed
  plain BM25    k1=0.9, b=0.4, no stemming: the reference baseline of the data README

Collections: topics.* (all 21,578 stories indexed) and modapte_test.* (only the
3,299 test stories indexed). Queries are the description column, typed as a user
would ("Mergers/Acquisitions"). MAP is over the top 1000.

Then ranking variants of our Whoosh setup (idf, K1/B) are scored on both
collections, each a WhooshSearch(index_dir, weighting=...) over the same index.

    .venv/bin/python -m bench.relevance [--json results.json] [--no-variants]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import scoring

from indexer.index import build_index
from indexer.search import SearchRequest
from indexer.searching import WEIGHTING, WhooshSearch, WireBM25F
from indexer.story import Story

from .common import (
    Fts5Engine,
    PlainBM25,
    cache_dir,
    format_table,
    fts5_or_query,
    load_reuters_stories,
    machine_info,
    reuters_dir,
)

COLLECTIONS = ("topics", "modapte_test")
DEPTH = 1000  # MAP is computed over this many ranked stories
NDCG_DEPTH = 10

Ranker = Callable[[str], list[str]]


@dataclass(frozen=True)
class Collection:
    name: str
    stories: list[Story]
    queries: list[tuple[str, str]]  # (topic code, description)
    qrels: dict[str, set[str]]  # topic -> relevant story ids


def load_collection(name: str, all_stories: list[Story]) -> Collection:
    folder = reuters_dir() / "relevance"
    queries = [
        tuple(line.split("\t", 1))
        for line in (folder / f"{name}.queries.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    qrels: dict[str, set[str]] = defaultdict(set)
    for line in (folder / f"{name}.qrels").read_text().splitlines():
        topic, _, newid, rel = line.split()
        if int(rel) > 0:
            qrels[topic].add(f"reuters-{newid}")
    stories = all_stories
    docids = folder / f"{name}.docids"
    if docids.exists():
        keep = {f"reuters-{n.strip()}" for n in docids.read_text().split()}
        stories = [s for s in all_stories if s.id in keep]
    return Collection(name, stories, [(c, d.strip()) for c, d in queries], dict(qrels))


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


def evaluate(coll: Collection, rank: Ranker) -> dict[str, float]:
    """Mean nDCG@10 and MAP over the collection's queries (with at least one relevant story)."""
    ndcgs, aps = [], []
    started = time.perf_counter()
    for topic, text in coll.queries:
        relevant = coll.qrels.get(topic)
        if not relevant:
            continue
        ranked = rank(text)
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


def wire_ranker(backend: WhooshSearch) -> Ranker:
    """Our library's own ranking, DEPTH deep: WhooshSearch.ranked_ids."""
    return lambda text: backend.ranked_ids(text, limit=DEPTH)


@dataclass(frozen=True)
class Variant:
    name: str
    weighting: scoring.WeightingModel


def make_variants() -> list[Variant]:
    """The current weighting first, then one change at a time (all through the public API)."""
    variants = [Variant("current (WEIGHTING: RSJ idf, K1=1.2 B=0.4 title_B=0.4)", WEIGHTING)]
    variants.append(Variant("whoosh default idf, same K1/B", scoring.BM25F(B=0.4, K1=1.2, title_B=0.4)))
    variants.append(Variant("whoosh BM25F() defaults (K1=1.2 B=0.75)", scoring.BM25F()))
    for k1, b in ((0.9, 0.4), (1.5, 0.4), (2.0, 0.4), (1.2, 0.3), (1.2, 0.75)):
        variants.append(Variant(f"K1={k1} B={b} title_B={b}", WireBM25F(B=b, K1=k1, title_B=b)))
    return variants


# --- running -----------------------------------------------------------------------------


def fts5_ranker(coll: Collection, tokenizer: str) -> Ranker:
    folder = cache_dir("relevance", coll.name, "fts5-" + tokenizer.replace(" ", "-"))
    engine = Fts5Engine(folder, tokenizer=tokenizer)
    if not engine.path.exists():
        engine.build(coll.stories)
    engine.open()

    def rank(text: str) -> list[str]:
        sql = "SELECT id FROM stories WHERE stories MATCH ? ORDER BY bm25(stories) LIMIT ?"
        return [row[0] for row in engine.db.execute(sql, (fts5_or_query(text), DEPTH))]

    return rank


def check_library_agrees(backend: WhooshSearch, coll: Collection) -> int:
    """ranked_ids must start with WhooshSearch.search's own top 10; returns disagreements."""
    differing = 0
    for _, text in coll.queries[:20]:
        library = [h.id for h in backend.search(SearchRequest(text, pagelen=10)).hits]
        if library != backend.ranked_ids(text, limit=10):
            differing += 1
    return differing


def run_systems(colls: list[Collection]) -> dict[str, dict[str, dict[str, float]]]:
    """system -> collection -> scores."""
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for coll in colls:
        print(f"{coll.name}: {len(coll.stories)} stories, {len(coll.queries)} queries", file=sys.stderr)
        backend = WhooshSearch(wire_index_dir(coll))
        differing = check_library_agrees(backend, coll)
        if differing:
            print(f"  warning: {differing}/20 queries differ from WhooshSearch.search", file=sys.stderr)
        scores["wire (ours)"][coll.name] = evaluate(coll, wire_ranker(backend))
        backend.close()
        for tokenizer in ("porter unicode61", "unicode61"):
            name = "sqlite fts5 " + tokenizer.split()[0]
            scores[name][coll.name] = evaluate(coll, fts5_ranker(coll, tokenizer))
        scores["plain BM25 (k1=0.9 b=0.4)"][coll.name] = evaluate(coll, PlainBM25(coll.stories).ranked_ids)
    return dict(scores)


def run_variants(colls: list[Collection]) -> dict[str, dict[str, dict[str, float]]]:
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for coll in colls:
        folder = wire_index_dir(coll)
        for v in make_variants():
            backend = WhooshSearch(folder, weighting=v.weighting)
            scores[v.name][coll.name] = evaluate(coll, wire_ranker(backend))
            backend.close()
    return dict(scores)


REFERENCE = "sqlite fts5 porter"


def systems_table(scores: dict[str, dict[str, dict[str, float]]], colls: list[str]) -> str:
    header = ["system"]
    for c in colls:
        header += [f"{c} nDCG@10", "MAP", "nDCG/fts5", "MAP/fts5"]
    rows = []
    for system, by_coll in scores.items():
        row: list[object] = [system]
        for c in colls:
            s, ref = by_coll[c], scores[REFERENCE][c]
            row += [
                s["ndcg10"],
                s["map"],
                f"{s['ndcg10'] / ref['ndcg10']:.2f}x",
                f"{s['map'] / ref['map']:.2f}x",
            ]
        rows.append(row)
    return format_table(header, rows)


def variants_table(scores: dict[str, dict[str, dict[str, float]]], colls: list[str]) -> str:
    base = next(iter(scores.values()))
    header = ["variant"]
    for c in colls:
        header += [f"{c} nDCG@10", "MAP"]
    header += ["mean dnDCG", "mean dMAP"]
    rows = []
    for name, by_coll in scores.items():
        row: list[object] = [name]
        for c in colls:
            row += [by_coll[c]["ndcg10"], by_coll[c]["map"]]
        dn = sum(by_coll[c]["ndcg10"] - base[c]["ndcg10"] for c in colls) / len(colls)
        dm = sum(by_coll[c]["map"] - base[c]["map"] for c in colls) / len(colls)
        row += [f"{dn:+.3f}", f"{dm:+.3f}"]
        rows.append(row)
    return format_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--no-variants", action="store_true", help="skip the ranking-variant experiment")
    args = parser.parse_args(argv)
    if not (reuters_dir() / "relevance").is_dir():
        print(f"no relevance set at {reuters_dir() / 'relevance'} (set WIRE_SHARED_DATA)", file=sys.stderr)
        return 2
    stories = load_reuters_stories()
    colls = [load_collection(name, stories) for name in COLLECTIONS]
    names = [c.name for c in colls]
    systems = run_systems(colls)
    print(systems_table(systems, names))
    output: dict[str, object] = {"machine": machine_info(), "depth": DEPTH, "systems": systems}
    if not args.no_variants:
        variants = run_variants(colls)
        print()
        print(variants_table(variants, names))
        output["variants"] = variants
    if args.json:
        args.json.write_text(json.dumps(output, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scale benchmark: the embedded Whoosh index against two Sphinx shards behind a distributed searchd.

The same stories (bench.speed's scaled corpus of Reuters-21578 paragraphs) and the
same query mix on both, in one run:
  build       stories/s through each backend's writer (clustering included), index size
  query       the mix, top 10 with snippets, one thread, cold: p50 / p95 ms
  add         one story added until a search finds it (ms)
  http        `wire serve` (2 workers, 8 threads) with 16 clients on /api/search, distinct queries
  relevance   nDCG@10 and MAP of the Sphinx backend beside Whoosh and SQLite FTS5 on the
              bench-relevance collections (queries as given)

    .venv/bin/python -m bench.scale [--stories 50000] [--http-queries 400] [--json FILE]
                                    [--collections modapte_test,cisi,cran,med] [--no-relevance]
                                    [--backends whoosh,sphinx]

Sphinx servers: the WIRE_SPHINX_* ones when set, else three searchd started in a
temporary folder (tests/sphinxd.py) and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.backends import BackendConfig
from tests import sphinxd

from .common import (
    BenchQuery,
    SphinxEngine,
    WireEngine,
    format_table,
    load_reuters_stories,
    machine_info,
)
from .httpload import api_path, distinct_queries, free_port, peak_worker_mb, run_load, running
from .speed import (
    folder_bytes,
    query_mix,
    scaled_corpus,
    time_adds,
    time_queries,
)

HTTP_CLIENTS = 16
HTTP_WARM_UP = 50  # distinct queries before the timed ones
SERVE_OPTIONS = ("--workers", "2", "--threads", "8")
RELEVANCE_COLLECTIONS = ("modapte_test", "cisi", "cran", "med")


@contextmanager
def sphinx_servers(work: Path) -> Iterator[BackendConfig]:
    """Running servers: the configured ones, or three started here."""
    search, shards = os.environ.get("WIRE_SPHINX_SEARCH"), os.environ.get("WIRE_SPHINX_SHARDS")
    if search and shards:
        yield BackendConfig("sphinx", search, shards)
        return
    servers = sphinxd.start_servers(work / "sphinxd")
    try:
        yield BackendConfig("sphinx", servers.search, ",".join(servers.shards))
    finally:
        sphinxd.stop_servers(work / "sphinxd")


def sphinx_bytes(config: BackendConfig, root: Path | None) -> int | None:
    """Disk bytes of the live generation on every shard, after flushing RAM chunks; None
    when the shards' folders are not ours to read (servers started elsewhere)."""
    from indexer.sphinxdb import Connections, Pointer, SphinxConfig

    sc = SphinxConfig.parse(config.sphinx_search, config.sphinx_shards)
    conns = Connections()
    index = Pointer(conns, sc.shards[0]).live_index()
    for shard in sc.shards:
        conns.query(shard, f"FLUSH RTINDEX {index}")
    conns.close()
    if root is None:
        return None
    return sum(p.stat().st_size for p in (root / "sphinxd").glob(f"shard*/{index}.*") if p.is_file())


def time_http(index_dir: Path, queries: list[BenchQuery], config: BackendConfig) -> dict:
    """`wire serve` (2 workers, 8 threads) answering distinct queries (no cache helps)
    from HTTP_CLIENTS clients, after HTTP_WARM_UP others: req/s, p50, p95."""
    port = free_port()
    wire = [str(Path(sys.executable).with_name("wire"))]
    if config.backend == "sphinx":
        wire += ["--backend", "sphinx", "--sphinx-search", config.sphinx_search]
        wire += ["--sphinx-shards", config.sphinx_shards]
    cmd = [*wire, "serve", "--index", str(index_dir), "--port", str(port), *SERVE_OPTIONS]
    paths = [api_path(q) for q in queries]
    with running(cmd, port) as server:
        run_load(port, paths[:HTTP_WARM_UP], HTTP_CLIENTS)
        row = run_load(port, paths[HTTP_WARM_UP:], HTTP_CLIENTS)
        return {**row, "worker_peak_mb": peak_worker_mb(server.pid)}


def run_scale(
    n: int, work: Path, config: BackendConfig, http_queries: int, own_servers: bool, backends: list[str]
) -> dict:
    """The backends on the same n stories: build, size, queries, add, HTTP."""
    stories = list(scaled_corpus(load_reuters_stories(), n))
    raw_mb = sum(len(s.title.encode()) + len(s.body.encode()) for s in stories) / 1e6
    queries = query_mix([s.date for s in stories if s.date])
    out: dict[str, dict] = {}
    for name in backends:
        folder = work / f"index-{name}"
        engine = WireEngine(folder) if name == "whoosh" else SphinxEngine(folder, config)
        print(f"[{n}] {name}: building", file=sys.stderr)
        started = time.perf_counter()
        engine.build(stories, expected=len(stories))
        seconds = time.perf_counter() - started
        root = work if own_servers else None
        size = folder_bytes(folder) if name == "whoosh" else sphinx_bytes(config, root)
        r: dict[str, object] = {"build_rate": n / seconds, "index_mb": size / 1e6 if size else None}
        engine.open()
        print(f"[{n}] {name}: queries", file=sys.stderr)
        r.update(time_queries(engine, queries, reps=3, cold=True))
        r.update(time_adds(engine, stories[len(stories) // 2], reps=3))
        engine.close()
        if http_queries > 0:
            print(f"[{n}] {name}: http", file=sys.stderr)
            served = config if name == "sphinx" else BackendConfig()
            r["http"] = time_http(folder, distinct_queries(stories, HTTP_WARM_UP + http_queries), served)
        out[name] = r
    return {"stories": n, "raw_mb": raw_mb, "engines": out}


def run_relevance(names: list[str], work: Path, config: BackendConfig) -> dict:
    """nDCG@10 and MAP (queries as given) of Whoosh, FTS5 and Sphinx on each collection."""
    from indexer.searching import WhooshSearch

    from .relevance import evaluate, fts5_ranker, load_collections, wire_index_dir

    scores: dict[str, dict] = {}
    for coll in load_collections(names):
        print(f"relevance {coll.name}: {len(coll.stories)} stories", file=sys.stderr)
        whoosh = WhooshSearch(wire_index_dir(coll))
        sphinx = SphinxEngine(work / f"rel-{coll.name}", config)
        sphinx.build(coll.stories, expected=len(coll.stories))
        sphinx.open()
        rankers = {
            "whoosh": lambda text, w=whoosh: w.ranked_ids(text, limit=1000),
            "sqlite fts5": fts5_ranker(coll),
            "sphinx": lambda text, s=sphinx.backend: s.ranked_ids(text, limit=1000),  # type: ignore[union-attr]
        }
        scores[coll.name] = {name: evaluate(coll, rank) for name, rank in rankers.items()}
        whoosh.close()
        sphinx.close()
    return scores


def print_report(report: dict) -> None:
    scale = report.get("scale")
    if scale:
        text = f"{scale['stories']:,} stories ({scale['raw_mb']:.0f} MB of text)"
        print(f"\n{text}, {HTTP_CLIENTS} HTTP clients")
        rows = []
        for name, r in scale["engines"].items():
            http = r.get("http", {})
            size = f"{r['index_mb']:.0f} MB" if r["index_mb"] else "n/a"
            rows.append(
                [
                    name,
                    f"{r['build_rate']:,.0f}",
                    size,
                    f"{r['p50_ms']:.1f}",
                    f"{r['p95_ms']:.1f}",
                    f"{r['add_ms']:.0f}",
                    f"{http.get('rps', 0):.0f}",
                    f"{http.get('p95_ms', 0):.0f}",
                    f"{http['worker_peak_mb']:.0f}" if http.get("worker_peak_mb") else "n/a",
                ]
            )
        header = ["backend", "build stories/s", "index", "p50 ms", "p95 ms", "add ms"]
        header += ["HTTP req/s", "HTTP p95 ms", "server peak MB a process"]
        print(format_table(header, rows))
    for coll, systems in report.get("relevance", {}).items():
        cells = ", ".join(f"{s} {v['ndcg10']:.3f}/{v['map']:.3f}" for s, v in systems.items())
        print(f"{coll} nDCG@10/MAP: {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--http-queries", type=int, default=400, help="distinct queries timed over HTTP")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--collections", default=",".join(RELEVANCE_COLLECTIONS))
    parser.add_argument("--no-relevance", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--backends", default="whoosh,sphinx", help="comma-separated subset of whoosh,sphinx")
    args = parser.parse_args(argv)
    report: dict[str, object] = {"machine": machine_info()}
    own = not (os.environ.get("WIRE_SPHINX_SEARCH") and os.environ.get("WIRE_SPHINX_SHARDS"))
    with tempfile.TemporaryDirectory(prefix="wire-bench-scale-") as tmp, sphinx_servers(Path(tmp)) as config:
        work = Path(tmp)
        if not args.no_scale:
            backends = [b for b in args.backends.split(",") if b in ("whoosh", "sphinx")]
            report["scale"] = run_scale(args.stories, work, config, args.http_queries, own, backends)
        if not args.no_relevance:
            report["relevance"] = run_relevance([c for c in args.collections.split(",") if c], work, config)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Research views on all of Reuters-21578: export time and memory, timeline latency.

    .venv/bin/python -m bench.research [--work DIR] [--reps N] [--json FILE]

The corpus is made the way a user makes it, `wire import reut2-*.sgm` into a
temporary corpus (kept in the bench cache between runs); then:
- `wire export` of every story as CSV, JSON Lines and CSV with bodies, each a
  fresh process: wall time, rows, size, peak memory (RSS of that process);
- GET /export?format=csv from `wire serve`: time to the first byte and to the last
  (a streamed export starts at once);
- `WhooshSearch.timeline()` over the speed benchmark's query mix and every story:
  cold (caches cleared each time) and warm, plus /api/timeline over HTTP.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from indexer.search import SearchRequest
from indexer.searching import WhooshSearch

from .common import BenchQuery, cache_dir, format_table, machine_info, percentile, reuters_dir
from .httpload import free_port, wait_for_server
from .speed import query_mix

WIRE = Path(sys.executable).with_name("wire")
EXPORTS = (
    ("CSV", ["--format", "csv"]),
    ("JSON Lines", ["--format", "jsonl"]),
    ("CSV with bodies", ["--format", "csv", "--body"]),
)


def build_corpus(work: Path) -> tuple[Path, float | None]:
    """Corpus and index of Reuters-21578 by `wire import`; seconds when built now."""
    index = work / "index"
    if (index / "CURRENT").exists():
        return index, None
    files = sorted(str(p) for p in reuters_dir().glob("reut2-*.sgm"))
    if not files:
        raise SystemExit(f"no reut2-*.sgm in {reuters_dir()} (set WIRE_SHARED_DATA)")
    started = time.perf_counter()
    subprocess.run(
        [str(WIRE), "import", "--corpus", str(work / "corpus"), "--index", str(index), *files],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return index, time.perf_counter() - started


def run_measured(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one command in its own process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss * 1024


def count_rows(path: Path) -> int:
    """Records in an export (CSV cells may hold line breaks; its header is not a row)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        if path.suffix == ".jsonl":
            return sum(1 for _ in f)
        return sum(1 for _ in csv.reader(f)) - 1


def time_cli_exports(index: Path, out: Path) -> list[dict[str, object]]:
    rows = []
    for label, options in EXPORTS:
        target = out / ("export.jsonl" if "jsonl" in options else "export.csv")
        seconds, rss = run_measured([str(WIRE), "export", "--index", str(index), *options, "-o", str(target)])
        count = count_rows(target)
        rows.append(
            {
                "export": label,
                "rows": count,
                "seconds": seconds,
                "rows_per_s": count / seconds,
                "mb": target.stat().st_size / 1e6,
                "peak_rss_mb": rss / 1e6,
            }
        )
    # the process does nothing but start and search: the floor under every export
    seconds, rss = run_measured([str(WIRE), "search", "--index", str(index), "zzznothing"])
    rows.append({"export": "(start-up: wire search, no match)", "seconds": seconds, "peak_rss_mb": rss / 1e6})
    return rows


def time_http_export(index: Path) -> dict[str, float]:
    """Time to first byte and to the end of /export?format=csv for every story."""
    port = free_port()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [str(WIRE), "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        wait_for_server(port, server, log)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/")
        conn.getresponse().read()
        started = time.perf_counter()
        conn.request("GET", "/export?format=csv")
        response = conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - started
        size = len(first)
        while chunk := response.read(65536):
            size += len(chunk)
        total = time.perf_counter() - started
        timeline_ms = time_http_timeline(conn, query_texts(index))
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    return {
        "first_byte_ms": ttfb * 1000,
        "seconds": total,
        "mb": size / 1e6,
        "api_timeline_p50_ms": percentile(timeline_ms, 50),
        "api_timeline_p95_ms": percentile(timeline_ms, 95),
    }


def time_http_timeline(conn: http.client.HTTPConnection, queries: list[BenchQuery]) -> list[float]:
    """/api/timeline per query, the server's caches warm after a first pass."""
    paths = ["/api/timeline?" + urllib.parse.urlencode(params_of(q)) for q in queries]
    latencies = []
    for rep in range(2):
        for path in paths:
            started = time.perf_counter()
            conn.request("GET", path)
            conn.getresponse().read()
            if rep:
                latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def params_of(q: BenchQuery) -> dict[str, str]:
    params = {"q": q.text}
    if q.date_from:
        params["from"] = q.date_from.isoformat()
    if q.date_to:
        params["to"] = q.date_to.isoformat()
    return params


def query_texts(index: Path) -> list[BenchQuery]:
    """The speed benchmark's mix (its dates from this index) and every story (no query)."""
    backend = WhooshSearch(index)
    try:
        stats = backend.stats()
    finally:
        backend.close()
    dates = [d for d in (stats.first_date, stats.last_date) if d]
    return [BenchQuery("every story", ""), *query_mix(dates)]


def time_timelines(index: Path, reps: int) -> list[dict[str, object]]:
    """timeline() per query: cold (a backend without a result cache) and warm, in milliseconds."""
    backend = WhooshSearch(index)
    uncached = WhooshSearch(index, result_cache_size=0)
    rows = []
    try:
        for warming in (backend, uncached):
            warming.timeline(SearchRequest("warm up the searcher and columns"))
        for q in query_texts(index):
            request = SearchRequest(q.text, date_from=q.date_from, date_to=q.date_to)
            cold, warm = [], []
            backend.timeline(request)  # remembered from now on
            for _ in range(reps):
                started = time.perf_counter()
                timeline = uncached.timeline(request)
                cold.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                backend.timeline(request)
                warm.append((time.perf_counter() - started) * 1000)
            rows.append(
                {
                    "kind": q.kind,
                    "query": q.text or "(none)",
                    "matches": timeline.total,
                    "unit": timeline.unit,
                    "bars": len(timeline.buckets),
                    "cold_ms": percentile(cold, 50),
                    "warm_ms": percentile(warm, 50),
                }
            )
    finally:
        backend.close()
        uncached.close()
    return rows


def summary(rows: list[dict[str, object]]) -> dict[str, float]:
    cold = [float(r["cold_ms"]) for r in rows]  # type: ignore[arg-type]
    warm = [float(r["warm_ms"]) for r in rows]  # type: ignore[arg-type]
    return {
        "cold_p50_ms": percentile(cold, 50),
        "cold_p95_ms": percentile(cold, 95),
        "cold_max_ms": max(cold),
        "warm_p50_ms": percentile(warm, 50),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="corpus and index folder (default: in the bench cache)")
    parser.add_argument("--reps", type=int, default=5, help="timeline runs per query")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    work = args.work or cache_dir("research-reuters")
    work.mkdir(parents=True, exist_ok=True)
    index, import_seconds = build_corpus(work)
    with tempfile.TemporaryDirectory() as out:
        exports = time_cli_exports(index, Path(out))
    http = time_http_export(index)
    timelines = time_timelines(index, args.reps)
    report = {
        "machine": machine_info(),
        "import_seconds": import_seconds,
        "exports": exports,
        "http_export": http,
        "timelines": timelines,
        "timeline_summary": summary(timelines),
    }
    print("wire export of every Reuters-21578 story (a fresh process each):")
    header = ["export", "rows", "seconds", "rows_per_s", "mb", "peak_rss_mb"]
    print(format_table(header, [[r.get(h) for h in header] for r in exports]))
    print(
        f"\nGET /export?format=csv (wire serve): first byte {http['first_byte_ms']:.0f} ms, "
        f"all {http['mb']:.1f} MB in {http['seconds']:.1f} s"
    )
    print("\ntimeline() per query, median of", args.reps, "runs:")
    header = ["kind", "query", "matches", "unit", "bars", "cold_ms", "warm_ms"]
    print(format_table(header, [[r[h] for h in header] for r in timelines]))
    s = report["timeline_summary"]
    print(
        f"\ntimeline cold p50 {s['cold_p50_ms']:.1f} ms, p95 {s['cold_p95_ms']:.1f} ms, "
        f"max {s['cold_max_ms']:.1f} ms; warm p50 {s['warm_p50_ms']:.2f} ms; "
        f"/api/timeline over HTTP p50 {http['api_timeline_p50_ms']:.1f} ms, "
        f"p95 {http['api_timeline_p95_ms']:.1f} ms"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

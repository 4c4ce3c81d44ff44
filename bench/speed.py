"""Speed benchmark: this project against SQLite FTS5, tantivy and tutorial-style Whoosh.

Identical workloads for every engine, on the 21,578 Reuters-21578 stories and on a
scaled corpus made from them (see bench/README.md for the method):
  build    full index build in a fresh process: stories/s, peak RSS of the process
           tree, index size on disk (and its ratio to the raw title+body text)
  add      one story added to the built index until a search finds it (ms)
  query    a fixed mix (words, phrases, a field, a date range, a misspelling),
           top 10 with snippets, single thread: p50 / p95 ms
  http     `wire serve` with 4 concurrent clients on /api/search (ours only)

    .venv/bin/python -m bench.speed [--stories 200000] [--quick] [--json FILE] [--engines wire,fts5,...]
                                    [--profile DIR] [--tutorial-cap 20000]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.story import Story

from .common import (
    BenchQuery,
    Fts5Engine,
    TantivyEngine,
    TutorialWhooshEngine,
    WireEngine,
    format_table,
    load_reuters_stories,
    machine_info,
    median,
    percentile,
    read_stories,
    reuters_dir,
    write_stories,
)

ENGINES = {
    "wire": WireEngine,
    "fts5": Fts5Engine,
    "tantivy": TantivyEngine,
    "tutorial": TutorialWhooshEngine,
}
REFERENCE = "fts5"
# Tutorial Whoosh's default writer spills and merges slowly: it is built on at most this many stories.
TUTORIAL_CAP = 20_000
SCALED_SEED = 1987
SCALED_YEARS = 10  # synthetic stories are spread over 1987..1996
HTTP_CLIENTS = 4
# The targets of issue 5 (at 200k stories, 2 cores).
TARGET_P95_MS = 50
TARGET_P95_VS_FTS5 = 3.0
TARGET_VS_TUTORIAL = 10.0
TARGET_HTTP_RPS = 100
TARGET_HTTP_P95_MS = 150
TARGET_BUILD_RATE = 1000
TARGET_ADD_MS = 1000
TARGET_SIZE_VS_RAW = 2.0


# --- corpora -------------------------------------------------------------------------------


def story_topics() -> dict[str, str]:
    """story id -> its first topic label (from topics.qrels)."""
    topics: dict[str, str] = {}
    for line in (reuters_dir() / "relevance" / "topics.qrels").read_text().splitlines():
        topic, _, newid, _ = line.split()
        topics.setdefault(f"reuters-{newid}", topic)
    return topics


def scaled_corpus(base: list[Story], n: int, seed: int = SCALED_SEED) -> Iterator[Story]:
    """The real stories, then synthetic ones up to n (method in bench/README.md).

    A synthetic story keeps a real story's title, lead paragraph, agency and place,
    and its number of paragraphs; the other paragraphs are drawn from stories of the
    same topic (stories without a topic: the same day). Fresh id; same day and month
    in a year drawn from 1987..1996.
    """
    rng = random.Random(seed)
    topics = story_topics()
    groups: dict[str, list[str]] = defaultdict(list)
    for story in base:
        for para in story.body.split("\n\n")[1:]:
            groups[_group(story, topics)].append(para)
    yield from base[:n]
    for i in range(len(base), n):
        model = base[rng.randrange(len(base))]
        paras = model.body.split("\n\n")
        pool = groups.get(_group(model, topics)) or paras
        body = "\n\n".join([paras[0], *(rng.choice(pool) for _ in paras[1:])])
        date = model.date.replace(year=1987 + rng.randrange(SCALED_YEARS)) if model.date else None
        yield model.replace(id=f"synth-{i:06d}", body=body, date=date, path="")


def _group(story: Story, topics: dict[str, str]) -> str:
    return topics.get(story.id) or f"day:{story.date}"


def query_mix(stories_dates: list[dt.date]) -> list[BenchQuery]:
    """The fixed workload: what people type into a wire archive's search box."""
    lo, hi = min(stories_dates), max(stories_dates)
    span = (hi - lo).days
    start = lo + dt.timedelta(days=int(span * 0.4))
    end = start + dt.timedelta(days=max(7, span // 10))
    return [
        BenchQuery("word", "oil"),
        BenchQuery("word", "coffee"),
        BenchQuery("word", "bundesbank"),
        BenchQuery("two words", "interest rates"),
        BenchQuery("two words", "wheat exports"),
        BenchQuery("two words", "japan tariffs"),
        BenchQuery("three words", "crude oil prices"),
        BenchQuery("three words", "central bank intervention"),
        BenchQuery("three words", "quarterly net profit"),
        BenchQuery("phrase", '"trade deficit"'),
        BenchQuery("phrase", '"money supply"'),
        BenchQuery("field", "title:gold"),
        BenchQuery("field", "title:dividend"),
        BenchQuery("date range", "wheat", start, end),
        BenchQuery("date range", "bank rate", start, end),
        BenchQuery("misspelling", "goverment"),
        BenchQuery("misspelling", "acquisiton"),
    ]


# --- build (in a fresh process, with its peak memory) -------------------------------------


def build_worker(engine: str, corpus: Path, folder: Path, limit: int | None) -> None:
    """Child-process entry: build one engine's index and print its timing as JSON."""
    count = sum(1 for _ in read_stories(corpus, limit))
    started = time.perf_counter()
    ENGINES[engine](folder).build(read_stories(corpus, limit), expected=count)
    print(json.dumps({"seconds": time.perf_counter() - started, "stories": count}))


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, todo = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(p, []))
    return total


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_build(engine: str, corpus: Path, folder: Path, limit: int | None) -> dict[str, float]:
    """Build in a subprocess; poll the process tree's RSS for the peak."""
    cmd = [sys.executable, "-m", "bench.speed", "--build-worker", engine, str(corpus), str(folder)]
    if limit:
        cmd += ["--limit", str(limit)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.2)
    out = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode:
        raise RuntimeError(f"{engine} build failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(peak_rss_mb=peak / 1e6, index_mb=folder_bytes(folder) / 1e6)
    result["rate"] = result["stories"] / result["seconds"]
    return result


# --- query, add, http ---------------------------------------------------------------------


def time_queries(engine, queries: list[BenchQuery], reps: int, cold: bool = False, **options):  # type: ignore[no-untyped-def]
    """p50/p95 ms over reps passes of the mix (after one warm-up pass).

    cold: our result cache is emptied before every timed query (untimed), so each
    one is computed; otherwise a repeated query of ours is answered from the cache.
    """
    for q in queries:
        engine.search(q, **options)
    samples: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    empty = 0
    for _ in range(reps):
        for q in queries:
            if cold:
                engine.forget_results()
            started = time.perf_counter()
            found = engine.search(q, **options)
            ms = (time.perf_counter() - started) * 1000
            samples.append(ms)
            by_kind[q.kind].append(ms)
            empty += not found
    return {
        "p50_ms": percentile(samples, 50),
        "p95_ms": percentile(samples, 95),
        "empty_results": empty // reps,
        "by_kind_p50_ms": {k: median(v) for k, v in by_kind.items()},
    }


def time_adds(engine, model: Story, reps: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """ms from adding one new story to the first search that finds it."""
    samples = []
    for k in range(reps):
        token = f"zqxadd{k}{os.getpid()}"
        story = model.replace(id=f"bench-add-{k}-{os.getpid()}", body=f"{model.body}\n\n{token}")
        started = time.perf_counter()
        engine.add(story)
        found = engine.search(BenchQuery("added", token))
        samples.append((time.perf_counter() - started) * 1000)
        if not any(f.id == story.id for f in found):
            raise RuntimeError(f"{engine.name}: the added story was not found")
    return {"add_ms": median(samples), "add_max_ms": max(samples)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_path(q: BenchQuery) -> str:
    params = {"q": q.text}
    if q.date_from:
        params["from"] = q.date_from.isoformat()
    if q.date_to:
        params["to"] = q.date_to.isoformat()
    return "/api/search?" + urllib.parse.urlencode(params)


# `wire serve` with the result cache off: every request is computed (cold).
SERVE_UNCACHED = (
    "import indexer.searching as s; s.RESULT_CACHE_SIZE = 0; from indexer.cli import main; main()"
)


def time_http(index_dir: Path, queries: list[BenchQuery], seconds: float, cold: bool) -> dict[str, float]:
    """`wire serve --threads 4` driven by 4 client threads for `seconds`: req/s and p95.

    cold: the server runs with RESULT_CACHE_SIZE = 0; warm: the stock server, whose
    cache answers the repeated mix after the warm-up pass.
    """
    port = free_port()
    args = ["serve", "--index", str(index_dir), "--port", str(port), "--threads", "4"]
    if cold:
        cmd = [sys.executable, "-c", SERVE_UNCACHED, *args]
    else:
        cmd = [str(Path(sys.executable).with_name("wire")), *args]
    return drive_http(cmd, port, queries, seconds, HTTP_CLIENTS)


def drive_http(
    cmd: list[str], port: int, queries: list[BenchQuery], seconds: float, clients: int, warmups: int = 1
) -> dict[str, float]:
    """Start the server `cmd` (listening on `port`), warm it up, then drive it with
    `clients` threads for `seconds`: req/s, p50, p95, errors."""
    # stderr to a file, not a pipe: nobody reads a pipe during the run, and once waitress's
    # "Task queue depth" warnings fill it, every server thread blocks on its next write.
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    try:
        _wait_for_server(port, server, log)
        paths = [api_path(q) for q in queries]
        for p in paths * warmups:  # warm-up: every thread's searcher and caches
            _get(port, p)
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            runs = list(pool.map(lambda i: _client(port, paths[i:] + paths[:i], deadline), range(clients)))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(20)
        log.close()
    latencies = [ms for run, _ in runs for ms in run]
    errors = sum(e for _, e in runs)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies, default=float("nan")),
        "seconds": elapsed,
        "requests": len(latencies),
        "errors": errors,
    }


def _wait_for_server(port: int, server: subprocess.Popen, log) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if server.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")
            raise RuntimeError(f"wire serve exited: {err[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("wire serve did not start listening")


def _get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> int:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def _client(port: int, paths: list[str], deadline: float) -> tuple[list[float], int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, errors, i = [], 0, 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            status = _get(port, paths[i % len(paths)], conn)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status = 0
        latencies.append((time.perf_counter() - started) * 1000)
        errors += status != 200
        i += 1
    conn.close()
    return latencies, errors


# --- one corpus ----------------------------------------------------------------------------


@dataclass
class Settings:
    reps: int
    add_reps: int
    http_seconds: float
    engines: list[str]
    profile_dir: Path | None = None
    tutorial_cap: int = TUTORIAL_CAP  # 0: tutorial Whoosh on the whole corpus
    extra: dict[str, object] = field(default_factory=dict)


def run_corpus(label: str, stories: list[Story], work: Path, settings: Settings) -> dict[str, dict]:
    """Every workload on every engine over one corpus; engine -> measurements."""
    corpus = work / f"{label}.jsonl"
    write_stories(corpus, stories)
    raw_mb = sum(len(s.title.encode()) + len(s.body.encode()) for s in stories) / 1e6
    queries = query_mix([s.date for s in stories if s.date])
    results: dict[str, dict] = {}
    for name in settings.engines:
        cap = settings.tutorial_cap
        limit = cap if name == "tutorial" and 0 < cap < len(stories) else None
        folder = work / f"{label}-{name}"
        print(f"[{label}] {name}: building{f' on {limit} stories' if limit else ''}", file=sys.stderr)
        r: dict[str, object] = run_build(name, corpus, folder, limit)
        sub_raw = raw_mb if not limit else sum(len(s.title) + len(s.body) for s in stories[:limit]) / 1e6
        r["size_vs_raw"] = r["index_mb"] / sub_raw
        engine = ENGINES[name](folder)
        engine.open()
        print(f"[{label}] {name}: queries", file=sys.stderr)
        r.update(time_queries(engine, queries, settings.reps, cold=name == "wire"))
        if name == "wire":
            api = {"facets": True, "spelling": True}  # as /api/search asks
            r["warm"] = time_queries(engine, queries, settings.reps)
            r["facets_spelling"] = time_queries(engine, queries, settings.reps, cold=True, **api)
            r["facets_spelling_warm"] = time_queries(engine, queries, settings.reps, **api)
            if settings.profile_dir:
                profile_queries(engine, queries, settings.profile_dir / f"{label}-query.txt")
        r.update(time_adds(engine, stories[len(stories) // 2], settings.add_reps))
        engine.close()
        if name == "wire" and settings.http_seconds > 0:
            print(f"[{label}] {name}: http", file=sys.stderr)
            for key, cold in (("http", True), ("http_warm", False)):
                try:
                    r[key] = time_http(folder, queries, settings.http_seconds, cold)
                except RuntimeError as e:
                    r[key] = {"error": str(e)}
        if limit:
            r["note"] = f"built and queried on the first {limit:,} stories only"
        results[name] = r
        shutil.rmtree(folder, ignore_errors=True)
    corpus.unlink()
    return {"stories": len(stories), "raw_mb": raw_mb, "engines": results}


def profile_queries(engine: WireEngine, queries: list[BenchQuery], out: Path) -> None:
    from pyinstrument import Profiler

    out.parent.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(5):
            for q in queries:
                engine.forget_results()
                engine.search(q)
    out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))


# --- report ---------------------------------------------------------------------------------


def corpus_table(data: dict) -> str:
    engines = data["engines"]
    ref = engines.get(REFERENCE, {})
    header = [
        "engine", "stories", "build s", "stories/s", "x fts5", "peak RSS MB", "index MB", "x raw",
        "add ms", "q p50 ms", "q p95 ms", "p95 x fts5", "http req/s", "http p95 ms",
    ]  # fmt: skip
    rows = []
    for name, r in engines.items():
        http = r.get("http") or {}
        label = ENGINES[name].name + (", cold" if name == "wire" else "")
        rows.append([
            label, r["stories"], r["seconds"], r["rate"],
            _ratio(r["rate"], ref.get("rate")), r["peak_rss_mb"], r["index_mb"], r["size_vs_raw"],
            r["add_ms"], r["p50_ms"], r["p95_ms"], _ratio(r["p95_ms"], ref.get("p95_ms")),
            http.get("rps"), http.get("p95_ms"),
        ])  # fmt: skip
        # our further query rows: (label, query timings, http timings)
        extra = [
            ("  ours, warm (repeated mix, result cache)", r.get("warm"), r.get("http_warm")),
            ("  ours + facets + spelling, cold", r.get("facets_spelling"), None),
            ("  ours + facets + spelling, warm", r.get("facets_spelling_warm"), None),
        ]
        for text, t, h in extra:
            if t:
                h = h or {}
                ratio = _ratio(t["p95_ms"], ref.get("p95_ms"))
                rows.append([text, "", "", "", "", "", "", "", "",
                             t["p50_ms"], t["p95_ms"], ratio, h.get("rps"), h.get("p95_ms")])  # fmt: skip
    return format_table(header, rows)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def check_targets(data: dict) -> list[tuple[str, float | None, bool | None]]:
    """(target, measured, passed) for issue 5's targets."""
    e = data["engines"]
    ours, fts5, tut = e.get("wire", {}), e.get("fts5", {}), e.get("tutorial", {})
    http = ours.get("http") or {}
    p95 = ours.get("p95_ms")

    def check(name: str, value: float | None, ok: bool) -> tuple[str, float | None, bool | None]:
        return (name, value, ok if value is not None else None)

    rows = [
        check(f"query+snippets p95 (cold) <= {TARGET_P95_MS} ms", p95, (p95 or 1e9) <= TARGET_P95_MS),
        check("p95 (cold) within 3x of FTS5 (ratio)", _div(p95, fts5.get("p95_ms")),
              (_div(p95, fts5.get("p95_ms")) or 1e9) <= TARGET_P95_VS_FTS5),
        check("p95 (cold) >= 10x faster than tutorial Whoosh (speed-up)", _div(tut.get("p95_ms"), p95),
              (_div(tut.get("p95_ms"), p95) or 0) >= TARGET_VS_TUTORIAL),
        check(f"HTTP (cold) >= {TARGET_HTTP_RPS} req/s", http.get("rps"),
              (http.get("rps") or 0) >= TARGET_HTTP_RPS),
        check(f"HTTP (cold) p95 < {TARGET_HTTP_P95_MS} ms", http.get("p95_ms"),
              (http.get("p95_ms") or 1e9) < TARGET_HTTP_P95_MS),
        check(f"full reindex >= {TARGET_BUILD_RATE} stories/s", ours.get("rate"),
              (ours.get("rate") or 0) >= TARGET_BUILD_RATE),
        check(f"add one story searchable < {TARGET_ADD_MS} ms", ours.get("add_ms"),
              (ours.get("add_ms") or 1e9) < TARGET_ADD_MS),
        check(f"index size within {TARGET_SIZE_VS_RAW}x of raw text", ours.get("size_vs_raw"),
              (ours.get("size_vs_raw") or 1e9) <= TARGET_SIZE_VS_RAW),
    ]  # fmt: skip
    return rows


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def print_report(report: dict) -> None:
    m = report["machine"]
    print(
        f"machine: {m['cpus']} cpus ({m['cpu']}), Python {m['python']}, {m['platform']}, sqlite {m['sqlite']}"
    )
    for label, data in report["corpora"].items():
        print(f"\n== {label}: {data['stories']:,} stories, {data['raw_mb']:.1f} MB raw title+body text ==")
        print(corpus_table(data))
        for name, r in data["engines"].items():
            if r.get("note"):
                print(f"  {ENGINES[name].name}: {r['note']}")
            for key in ("http", "http_warm"):
                if isinstance(r.get(key), dict) and r[key].get("error"):
                    print(f"  {ENGINES[name].name}: {key} failed: {r[key]['error'][:300]}")
        print("\ntargets (context; defined at 200k stories):")
        for name, value, ok in check_targets(data):
            verdict = "n/a" if ok is None else ("PASS" if ok else "FAIL")
            print(f"  {verdict:4}  {name}: {'-' if value is None else f'{value:,.2f}'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=200_000, help="size of the scaled corpus")
    parser.add_argument("--quick", action="store_true", help="the 21,578 Reuters stories only, fewer reps")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset")
    parser.add_argument("--profile", type=Path, help="write pyinstrument profiles of our queries here")
    parser.add_argument(
        "--tutorial-cap",
        type=int,
        default=TUTORIAL_CAP,
        help="build tutorial Whoosh on at most this many stories (0: all; slow at 200k)",
    )
    parser.add_argument(
        "--build-worker", nargs=3, metavar=("ENGINE", "CORPUS", "FOLDER"), help=argparse.SUPPRESS
    )
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_worker:
        engine, corpus, folder = args.build_worker
        build_worker(engine, Path(corpus), Path(folder), args.limit)
        return 0
    settings = Settings(
        reps=3 if args.quick else 5,
        add_reps=3 if args.quick else 5,
        http_seconds=8 if args.quick else 20,
        engines=[e for e in args.engines.split(",") if e],
        profile_dir=args.profile,
        tutorial_cap=args.tutorial_cap,
    )
    base = load_reuters_stories()
    report: dict[str, object] = {"machine": machine_info(), "corpora": {}}
    with tempfile.TemporaryDirectory(prefix="wire-bench-speed-") as tmp:
        work = Path(tmp)
        corpora = [("reuters", base)]
        if not args.quick and args.stories != len(base):
            corpora = [("reuters", base), (f"scaled-{args.stories}", list(scaled_corpus(base, args.stories)))]
        for label, stories in corpora:
            report["corpora"][label] = run_corpus(label, stories, work, settings)
            if args.json:
                args.json.write_text(json.dumps(report, indent=2, default=str))
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

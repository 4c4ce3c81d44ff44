"""Speed benchmark: this project against SQLite FTS5, tantivy and tutorial-style Whoosh.

Identical workloads for every engine, on the 21,578 Reuters-21578 stories and on a
scaled corpus made from them (see bench/README.md for the method):
  build    full index build in a fresh process: stories/s, peak RSS of the process
           tree, index size on disk (and its ratio to the raw title+body text)
  add      one story added to the built index until a search finds it (ms)
  query    a fixed mix (words, phrases, a field, a date range, a misspelling),
           top 10 with snippets, single thread: p50 / p95 ms
  http     `wire serve` beside the FTS5 app (bench/fts5app.py) behind the same server, on
           distinct queries each sent once, at 1, 4 and 16 clients (bench/httpload.py);
           and `wire serve` on the repeated mix (its result cache answering)
  same     top 10 and totals of the mix and 200 distinct queries, saved to or compared
           with a file: results identical before and after a change

    .venv/bin/python -m bench.speed [--stories 200000] [--quick] [--json FILE] [--engines wire,fts5,...]
                                    [--profile DIR] [--tutorial-cap 20000] [--http-scale 1.0]
                                    [--save-results F | --compare-results F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.story import Story

from .common import (
    ENGINES,
    BenchQuery,
    WireEngine,
    load_reuters_stories,
    machine_info,
    median,
    percentile,
    read_stories,
    story_topics,
    write_stories,
)
from .fts5app import build_database
from .httpload import (
    HTTP_PLAN,
    WARM_UP_QUERIES,
    distinct_queries,
    free_port,
    fts5_command,
    repeated_load,
    running,
    side_by_side,
    wire_command,
)
from .sameresults import compare_snapshots, results_snapshot
from .speedreport import print_report

# Tutorial Whoosh's default writer spills and merges slowly: it is built on at most this many stories.
TUTORIAL_CAP = 20_000
SCALED_SEED = 1987
SCALED_YEARS = 10  # synthetic stories are spread over 1987..1996
HTTP_CLIENTS = 4  # the repeated-mix row
SAME_RESULTS_QUERIES = 200  # distinct queries checked besides the mix


# --- corpora -------------------------------------------------------------------------------


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

    cold: ours is asked through its backend without a result cache, so each query is
    computed; otherwise a repeated query of ours is answered from the cache.
    """
    if cold:
        options = {**options, "cached": False}
    for q in queries:
        engine.search(q, **options)
    samples: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    empty = 0
    for _ in range(reps):
        for q in queries:
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


# --- one corpus ----------------------------------------------------------------------------


@dataclass
class Settings:
    reps: int
    add_reps: int
    http_seconds: float  # the repeated-mix row; 0: no HTTP rows at all
    engines: list[str]
    http_plan: tuple[tuple[int, int], ...] = HTTP_PLAN  # (clients, distinct queries) per row
    profile_dir: Path | None = None
    tutorial_cap: int = TUTORIAL_CAP  # 0: tutorial Whoosh on the whole corpus
    extra: dict[str, object] = field(default_factory=dict)


def http_side_by_side(stories: list[Story], corpus: Path, index: Path, work: Path, settings: Settings):  # type: ignore[no-untyped-def]
    """`wire serve` and the FTS5 app on the same distinct queries: server -> rows."""
    db = work / f"{corpus.stem}-fts5app.db"
    build_database(db, read_stories(corpus))
    need = WARM_UP_QUERIES + sum(n for _, n in settings.http_plan)
    # different from the queries checked for identical results (another seed)
    queries = distinct_queries(stories, need, seed=1987)
    servers = {"wire": functools.partial(wire_command, index), "fts5": functools.partial(fts5_command, db)}
    try:
        return side_by_side(servers, queries, settings.http_plan)
    finally:
        db.unlink(missing_ok=True)


def run_corpus(
    label: str,
    stories: list[Story],
    work: Path,
    settings: Settings,
    same: dict[str, dict],  # type: ignore[type-arg]
) -> dict[str, dict]:  # type: ignore[type-arg]
    """Every workload on every engine over one corpus; engine -> measurements. Our
    results snapshot goes into `same[label]`."""
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
            same[label] = results_snapshot(engine, queries + distinct_queries(stories, SAME_RESULTS_QUERIES))
            api = {"facets": True, "spelling": True}  # as /api/search asks
            r["warm"] = time_queries(engine, queries, settings.reps)
            r["facets_spelling"] = time_queries(engine, queries, settings.reps, cold=True, **api)
            r["facets_spelling_warm"] = time_queries(engine, queries, settings.reps, **api)
            if settings.profile_dir:
                distinct = distinct_queries(stories, 200, seed=7)
                profile_queries(engine, queries, distinct, settings.profile_dir / f"{label}-query.txt")
        r.update(time_adds(engine, stories[len(stories) // 2], settings.add_reps))
        engine.close()
        if name == "wire" and settings.http_seconds > 0:
            print(f"[{label}] {name}: http", file=sys.stderr)
            try:
                r["http_side"] = http_side_by_side(stories, corpus, folder, work, settings)
                with running(wire_command(folder, port := free_port()), port):
                    r["http_warm"] = repeated_load(port, queries, HTTP_CLIENTS, settings.http_seconds)
            except (RuntimeError, ValueError) as e:
                r["http_error"] = str(e)
        if limit:
            r["note"] = f"built and queried on the first {limit:,} stories only"
        results[name] = r
        shutil.rmtree(folder, ignore_errors=True)
    corpus.unlink()
    return {"stories": len(stories), "raw_mb": raw_mb, "engines": results}


def profile_queries(
    engine: WireEngine, queries: list[BenchQuery], distinct: list[BenchQuery], out: Path
) -> None:
    """pyinstrument text profiles: the mix five times, then distinct queries as /api/search
    asks them (facets and "Did you mean"), each computed (no result cache)."""
    from pyinstrument import Profiler

    out.parent.mkdir(parents=True, exist_ok=True)
    workloads = {
        "mix": (queries * 5, {}),
        "api-distinct": (distinct, {"facets": True, "spelling": True}),
    }
    for name, (qs, options) in workloads.items():
        profiler = Profiler(interval=0.0005)
        with profiler:
            for q in qs:
                engine.search(q, cached=False, **options)  # type: ignore[arg-type]
        path = out.with_name(f"{out.stem}-{name}.txt")
        path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))


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
    parser.add_argument("--save-results", type=Path, help="save our top 10 and totals to this file")
    parser.add_argument(
        "--compare-results", type=Path, help="check our top 10 and totals are those saved in this file"
    )
    parser.add_argument(
        "--http-scale",
        type=float,
        default=1.0,
        help="scale the distinct queries of each HTTP row (0: no HTTP)",
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
        http_seconds=(8 if args.quick else 20) if args.http_scale > 0 else 0,
        http_plan=tuple(
            (c, max(c, round(n * args.http_scale * (0.5 if args.quick else 1)))) for c, n in HTTP_PLAN
        ),
        engines=[e for e in args.engines.split(",") if e],
        profile_dir=args.profile,
        tutorial_cap=args.tutorial_cap,
    )
    base = load_reuters_stories()
    report: dict[str, object] = {"machine": machine_info(), "corpora": {}}
    same: dict[str, dict] = {}  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory(prefix="wire-bench-speed-") as tmp:
        work = Path(tmp)
        corpora = [("reuters", base)]
        if not args.quick and args.stories != len(base):
            corpora = [("reuters", base), (f"scaled-{args.stories}", list(scaled_corpus(base, args.stories)))]
        for label, stories in corpora:
            report["corpora"][label] = run_corpus(label, stories, work, settings, same)  # type: ignore[index]
            if args.json:
                args.json.write_text(json.dumps(report, indent=2, default=str))
    if args.save_results:
        args.save_results.write_text(json.dumps(same, indent=1, sort_keys=True))
    if args.compare_results:
        differences = compare_snapshots(json.loads(args.compare_results.read_text()), same)
        queries = sum(len(q) for q in same.values())
        report["same_results"] = {
            "file": str(args.compare_results),
            "queries": queries,
            "differences": differences,
        }
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

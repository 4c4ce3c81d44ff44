"""Full reindex speed: Whoosh's own posting pool against the bulk writer, interleaved.

    .venv/bin/python -m bench.buildspeed [--stories 21577] [--rounds 2] [--corpus FILE]
                                         [--writers bulk,whoosh] [--procs 2]

Each build runs `build_index` (clustering included) in a fresh process on the speed
benchmark's corpus (Reuters-21578 recombined to N stories, bench/speed.py; or a JSON
Lines file of stories), the two writers alternating so a busy machine slows both alike.
Prints stories/s, CPU seconds a story (the process and its writer processes: steadier
than wall time on a shared machine), peak RSS and the load average before each build.
Issue 12's target: 2,000 stories/s at 200,000 stories on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import load_reuters_stories, read_stories, write_stories

TARGET_RATE = 2000


def build_worker(corpus: Path, folder: Path, writer: str, procs: int) -> None:
    """Child-process entry: one build; prints its timings as JSON."""
    from indexer.index import build_index

    stories = list(read_stories(corpus))
    started, cpu = time.perf_counter(), time.process_time()
    build_index(folder, iter(stories), procs=procs, expected=len(stories), whoosh_writer=writer == "whoosh")
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "stories": len(stories),
                "wall": wall,
                "cpu_main": time.process_time() - cpu,
                "cpu_writers": children.ru_utime + children.ru_stime,
                "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_writer_mb": children.ru_maxrss / 1024,
            }
        )
    )


def run_build(corpus: Path, folder: Path, writer: str, procs: int) -> dict[str, float]:
    load = os.getloadavg()[0]
    cmd = [sys.executable, "-m", "bench.buildspeed", "--worker", str(corpus), str(folder), writer, str(procs)]
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = load
    return result


def corpus_file(stories: int, given: Path | None, work: Path) -> Path:
    if given:
        return given
    from .speed import scaled_corpus

    path = work / f"corpus-{stories}.jsonl"
    write_stories(path, scaled_corpus(load_reuters_stories(), stories))
    return path


def report_row(writer: str, r: dict[str, float]) -> str:
    n = r["stories"]
    cpu = r["cpu_main"] + r["cpu_writers"]
    return (
        f"| {writer} | {n:,.0f} | {r['wall']:.1f} s | {n / r['wall']:,.0f} | {cpu / n * 1000:.2f} ms"
        f" ({r['cpu_main'] / n * 1000:.2f} main) | {max(r['rss_main_mb'], r['rss_writer_mb']):,.0f} MB"
        f" | {r['load']:.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--worker":
        build_worker(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stories", type=int, default=21577)
    parser.add_argument("--corpus", type=Path, help="a JSON Lines file of stories (bench/common.py)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--writers", default="whoosh,bulk")
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="buildspeed-") as tmp:
        work = Path(tmp)
        corpus = corpus_file(args.stories, args.corpus, work)
        print("| writer | stories | wall | stories/s | CPU a story | peak RSS (a process) | load avg |")
        print("|---|---|---|---|---|---|---|")
        for _ in range(args.rounds):
            for writer in args.writers.split(","):
                folder = work / f"index-{writer}"
                result = run_build(corpus, folder, writer, args.procs)
                shutil.rmtree(folder, ignore_errors=True)
                print(report_row(writer, result), flush=True)
    print(f"target: {TARGET_RATE:,} stories/s at 200,000 stories on 2 cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

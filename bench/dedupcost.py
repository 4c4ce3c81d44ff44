"""What clustering costs at scale: the bulk pass of a reindex and placing one new story.

    .venv/bin/python -m bench.dedupcost [--stories 200000]

On the speed benchmark's corpus (Reuters-21578 recombined to N stories, bench/speed.py):
the time and peak memory of `clusterstore.label_stream` (fingerprint, spool, cluster,
save the state) alone, to set beside a full reindex's time from `make bench-speed`;
then, on the saved state, one `wire add`'s clustering work: load the state, place a
copy of a story (candidates, exact check), save the state. With `--add-to INDEX` (an
index built from the same corpus), `wire add page.html` end to end: a fresh `wire`
process per page, timed from its start until a search finds the page's story.

    .venv/bin/python -m bench.dedupcost --stories 200000 --add-to /tmp/index-200k [--no-bulk]

With `--server` as well, the same six pages through a running `wire serve --accept-pages`
(the resident writer): POST /api/pages until /api/search on that server finds the story,
then six more with `wire add --server` (the process, and until the server finds it).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import load_reuters_stories, reuters_dir
from bench.speed import scaled_corpus
from indexer import clusterstore
from indexer.index import BUILD_PROCS
from indexer.story import Story


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stories", type=int, default=200_000)
    parser.add_argument("--add-to", type=Path, help="an index of the same corpus: time `wire add` on it")
    parser.add_argument("--no-bulk", action="store_true", help="skip the bulk clustering pass")
    parser.add_argument("--server", action="store_true", help="with --add-to: through `wire serve` only")
    args = parser.parse_args(argv)
    if not reuters_dir().is_dir():
        print(f"skipped: no Reuters-21578 at {reuters_dir()}")
        return 0
    base = load_reuters_stories()
    stories = list(scaled_corpus(base, args.stories))
    if not args.no_bulk:
        bulk_and_one_add(stories)
    if args.add_to and args.server:
        time_server_add(args.add_to, stories)
    elif args.add_to:
        time_wire_add(args.add_to, stories)
    return 0


ADD_PAGES = 3


def time_wire_add(index_dir: Path, stories: list[Story]) -> None:
    """`wire add page.html` in a fresh process, until the story is searchable (ms).

    Three clocks: the process alone (with its CPU time, steadier on a busy machine),
    until a searcher opened afterwards in this process finds it (a fresh reader, the
    worst case), and until the searcher a running `wire serve` would hold, opened
    before the add, finds it (it reopens only what changed).
    """
    from indexer.search import SearchRequest
    from indexer.searching import WhooshSearch

    wire = Path(sys.executable).with_name("wire")
    fresh, running, process, cpu = [], [], [], []
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for k, (page, token) in enumerate(bench_pages(Path(tmp), stories, 2 * ADD_PAGES, "page")):
            warm = k % 2 == 1
            if warm:  # a server's searcher, open and used before the add
                backend = WhooshSearch(index_dir)
                backend.search(SearchRequest("zqxwarmup", collapse=False))
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(
                [str(wire), "add", "--corpus", str(corpus), "--index", str(index_dir), str(page)],
                check=True,
                capture_output=True,
            )
            process.append(1000 * (time.perf_counter() - started))
            done = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(1000 * (done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime))
            if not warm:
                backend = WhooshSearch(index_dir)
            found = backend.search(SearchRequest(token, collapse=False)).hits
            (running if warm else fresh).append(1000 * (time.perf_counter() - started))
            backend.close()
            if not found:
                raise RuntimeError(f"the added page {page.name} was not found")

    loads = f"load average {load_before} before, {load_average()} after"
    print(f"wire add page.html at {len(stories):,} stories ({loads}):")
    print(f"  the wire process alone: {listed(process)}")
    print(f"  CPU time of the wire process (user + system): {listed(cpu)}")
    print(f"  until a searcher opened afterwards finds it: {listed(fresh)}")
    print(f"  until a running server's searcher finds it: {listed(running)}")


def bench_pages(folder: Path, stories: list[Story], n: int, tag: str) -> list[tuple[Path, str]]:
    """`n` outlet pages of stories spread over the corpus: (file, its unique word)."""
    pages = []
    for k in range(n):
        story = stories[(k + 1) * len(stories) // (n + 2)]
        token = f"zqx{tag}{k}{time.time_ns() % 10**6}"
        page = folder / f"{tag}{k}.html"
        page.write_text(outlet_page(story, token), encoding="utf-8")
        pages.append((page, token))
    return pages


def found_on(port: int, token: str) -> bool:
    """Does the server's /api/search (collapsed, as people search) find the word?"""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q={token}", timeout=60) as r:
        return json.loads(r.read())["total"] > 0


def until_found(port: int, token: str, started: float) -> float:
    """ms from `started` until the server finds `token` (polled; at most 10 s)."""
    while not found_on(port, token):
        if time.perf_counter() - started > 10:
            raise RuntimeError(f"the server did not find {token} in 10 s")
    return 1000 * (time.perf_counter() - started)


def time_server_add(index_dir: Path, stories: list[Story]) -> None:
    """Pages added through a running `wire serve --accept-pages` (default workers)."""
    from bench.httpload import free_port, running, wire_command

    wire = Path(sys.executable).with_name("wire")
    posted, post_found, process, process_found = [], [], [], []
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        cmd = wire_command(index_dir, port) + ["--accept-pages", "--corpus", str(corpus)]
        with running(cmd, port):
            for k in range(8):  # every worker's searcher opened and used, as a running server's is
                found_on(port, f"zqxwarmup{k}")
            load_before = load_average()
            for page, token in bench_pages(Path(tmp), stories, 2 * ADD_PAGES, "post"):
                started = time.perf_counter()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/pages", data=page.read_bytes(), method="POST"
                )
                with urllib.request.urlopen(request, timeout=120) as r:
                    assert json.loads(r.read())["added"], page
                posted.append(1000 * (time.perf_counter() - started))
                post_found.append(until_found(port, token, started))
            for page, token in bench_pages(Path(tmp), stories, 2 * ADD_PAGES, "cli"):
                started = time.perf_counter()
                subprocess.run(
                    [str(wire), "add", "--server", f"http://127.0.0.1:{port}", str(page)],
                    check=True,
                    capture_output=True,
                )
                process.append(1000 * (time.perf_counter() - started))
                process_found.append(until_found(port, token, started))
    loads = f"load average {load_before} before, {load_average()} after"
    print(f"pages through a running wire serve --accept-pages at {len(stories):,} stories ({loads}):")
    print(f"  POST /api/pages answered: {listed(posted)}")
    print(f"  POST until /api/search on the server finds it: {listed(post_found)}")
    print(f"  the wire add --server process: {listed(process)}")
    print(f"  wire add --server until the server finds it: {listed(process_found)}")


def listed(samples: list[float]) -> str:
    """Samples in ms and their median."""
    ms = ", ".join(f"{s:.0f}" for s in samples)
    return f"{ms} ms (median {sorted(samples)[len(samples) // 2]:.0f} ms)"


def load_average() -> str:
    """The machine's 1-minute load average: other work slows a fresh process's wall time."""
    return f"{os.getloadavg()[0]:.1f}"


def outlet_page(story: Story, token: str) -> str:
    """A news site's page carrying a copy of `story`, plus a word found nowhere else."""
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in story.body.split("\n\n"))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(story.title)}</title>"
        "<meta property='og:site_name' content='Bench Times'></head><body><nav>Home World</nav>"
        f"<article><h1>{html.escape(story.title)}</h1>{paras}<p>Reported by {token}.</p></article>"
        "<footer>Copyright Bench Times</footer></body></html>"
    )


def bulk_and_one_add(stories: list[Story]) -> None:
    """The bulk pass alone, then one add's clustering work on its saved state."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        clusters: dict[str, int] = {}
        for item in clusterstore.label_stream(iter(stories), folder, BUILD_PROCS):
            if not isinstance(item, tuple):
                clusters[item.cluster] = clusters.get(item.cluster, 0) + 1
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        clusterstore.tag_state(folder, 1)
        multi = sum(1 for n in clusters.values() if n > 1)
        print(
            f"{len(stories):,} stories: bulk clustering {seconds:.1f} s "
            f"({1e6 * seconds / len(stories):.0f} us a story), peak RSS {peak:.0f} MB with the corpus "
            f"in memory ({peak - before:.0f} MB above it); "
            f"{multi:,} clusters of 2 or more"
        )
        story = stories[len(stories) // 2]
        copy = story.replace(id="bench-copy", body=story.body + "\n\nAlso read: more news")
        bodies = {s.id: s.body for s in stories}
        started = time.perf_counter()
        state = clusterstore.load_state(folder, 1)
        loaded = time.perf_counter() - started
        assert state is not None
        labelled, changed = clusterstore.place_stories(state, [copy], bodies.get)
        placed = time.perf_counter() - started - loaded
        clusterstore.save_state(folder, state, 2)
        total = time.perf_counter() - started
        print(
            f"one add: load state {1000 * loaded:.0f} ms, place {1000 * placed:.0f} ms, save "
            f"{1000 * (total - loaded - placed):.0f} ms, total {1000 * total:.0f} ms "
            f"(joined {labelled[0].cluster}, {len(changed)} stored stories relabelled)"
        )


if __name__ == "__main__":
    sys.exit(main())

"""HTTP side by side: `wire serve` and the FTS5 app (bench/fts5app.py) under the same load.

Both run behind `webui.server.serve` (gunicorn, gthread, the app loaded before
forking, one worker per core, 4 threads each). The load is distinct queries, each
sent once, so no result cache helps either side; both servers get the same lists
in the same order. Clients are threads with keep-alive connections on this machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import itertools
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.story import Story

from .common import BenchQuery, percentile

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# (clients, distinct queries) per row; the first row's clients also warm every worker up.
HTTP_PLAN = ((1, 100), (4, 300), (16, 500))
WARM_UP_QUERIES = 48
WARM_UP_CLIENTS = 8  # every thread of both workers gets some
# Issue 12's targets, at 4 and 16 clients: wire's req/s and p95 against the FTS5 app's.
TARGET_RPS_VS_FTS5 = 0.5
TARGET_P95_VS_FTS5 = 3.0
TARGET_CLIENTS = (4, 16)
WORD_RE = re.compile(r"[a-z]+")
COMMON_WORDS = frozenset(
    "that this with from have will said year were their been also into over than".split()
)


# --- distinct queries -----------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """What the query makers draw from: the corpus's title words and dates."""

    vocab: list[str]  # words of at least 4 letters found in at least 3 titles
    titles: list[list[str]]  # each title's vocabulary words, in order
    pairs: list[tuple[str, str]]  # neighbouring vocabulary words of a title
    dates: list[dt.date]


def corpus_words(stories: Sequence[Story]) -> Words:
    titles = [WORD_RE.findall(s.title.lower()) for s in stories]
    df = Counter(w for words in titles for w in set(words))
    known = {w for w, k in df.items() if k >= 3 and len(w) >= 4 and w not in COMMON_WORDS}
    pairs = [(a, b) for words in titles for a, b in zip(words, words[1:], strict=False) if {a, b} <= known]
    return Words(
        vocab=sorted(known),
        titles=[t for t in ([w for w in words if w in known] for words in titles) if t],
        pairs=sorted(set(p for p in pairs if p[0] != p[1])),
        dates=sorted(s.date for s in stories if s.date),
    )


def distinct_queries(stories: Sequence[Story], n: int, seed: int = 12) -> list[BenchQuery]:
    """`n` different queries shaped like the speed mix, made of the corpus's own title words.

    Kinds in the mix's proportions: one word; two and three words of one title; a
    phrase (two neighbouring words of a title); `title:` a word; a word in a 30-day
    window; a misspelt word (a letter dropped).
    """
    rng = random.Random(seed)
    words = corpus_words(stories)
    makers = [_word, _words(2), _words(3), _phrase, _field, _date_range, _misspelling]
    weights = [3, 3, 3, 2, 2, 2, 2]  # as the 17 queries of speed.query_mix
    seen: set[BenchQuery] = set()
    out: list[BenchQuery] = []
    for _ in range(n * 50):
        if len(out) == n:
            break
        q = rng.choices(makers, weights)[0](rng, words)
        if q is not None and q not in seen:
            seen.add(q)
            out.append(q)
    return out


def _word(rng: random.Random, words: Words) -> BenchQuery:
    return BenchQuery("word", rng.choice(words.vocab))


def _words(k: int) -> Callable[[random.Random, Words], BenchQuery | None]:
    def make(rng: random.Random, words: Words) -> BenchQuery | None:
        title = list(dict.fromkeys(rng.choice(words.titles)))
        return BenchQuery(f"{k} words", " ".join(rng.sample(title, k))) if len(title) >= k else None

    return make


def _phrase(rng: random.Random, words: Words) -> BenchQuery:
    return BenchQuery("phrase", '"{} {}"'.format(*rng.choice(words.pairs)))


def _field(rng: random.Random, words: Words) -> BenchQuery:
    return BenchQuery("field", f"title:{rng.choice(words.vocab)}")


def _date_range(rng: random.Random, words: Words) -> BenchQuery:
    start = rng.choice(words.dates)
    return BenchQuery("date range", rng.choice(words.vocab), start, start + dt.timedelta(days=30))


def _misspelling(rng: random.Random, words: Words) -> BenchQuery | None:
    word = rng.choice(words.vocab)
    if len(word) < 6:
        return None
    i = rng.randrange(1, len(word) - 1)
    return BenchQuery("misspelling", word[:i] + word[i + 1 :])


def api_path(q: BenchQuery) -> str:
    """The /api/search address of a query (the same for both servers)."""
    params = {"q": q.text}
    if q.date_from:
        params["from"] = q.date_from.isoformat()
    if q.date_to:
        params["to"] = q.date_to.isoformat()
    return "/api/search?" + urllib.parse.urlencode(params)


# --- servers and load ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wire_command(index_dir: Path, port: int, threads: int | None = None) -> list[str]:
    """`wire serve` as a user starts it (default workers and threads)."""
    cmd = [
        str(Path(sys.executable).with_name("wire")),
        "serve",
        "--index",
        str(index_dir),
        "--port",
        str(port),
    ]
    return cmd + (["--threads", str(threads)] if threads else [])


def fts5_command(db: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "bench.fts5app", str(db), "--port", str(port)]


def peak_worker_mb(pid: int) -> float | None:
    """The largest peak resident memory (VmHWM) among a server process and its worker
    processes, in MB; None off Linux. Shared pages count in each, so it is an upper bound."""
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return None
    peaks = [_vm_hwm_kb(p) for p in pids]
    return max((kb for kb in peaks if kb is not None), default=0) / 1024 or None


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else None


@contextlib.contextmanager
def running(cmd: list[str], port: int) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    """A server process listening on `port` for the duration of the block."""
    # stderr to a file, not a pipe: nobody reads a pipe during the run, and a full
    # pipe blocks every server thread on its next write
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, cwd=PROJECT_ROOT)
        try:
            wait_for_server(port, server, log)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_for_server(port: int, server: subprocess.Popen, log) -> None:  # type: ignore[no-untyped-def,type-arg]
    for _ in range(600):
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start listening")


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def run_load(port: int, paths: Iterable[str], clients: int) -> dict[str, float]:
    """Every path sent once, by `clients` threads taking the next one as they finish."""
    todo = iter(paths)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                path = next(todo, None)
            if path is None:
                break
            started = time.perf_counter()
            try:
                ok = get(conn, path) == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                ok = False
            ms = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(ms)
                errors[0] += not ok
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies, default=float("nan")),
        "errors": errors[0],
    }


def side_by_side(
    servers: dict[str, Callable[[int], list[str]]],
    queries: Sequence[BenchQuery],
    plan: Sequence[tuple[int, int]] = HTTP_PLAN,
) -> dict[str, list[dict[str, float]]]:
    """Every server up at once (each on its own port, given as `command(port)`) and
    warmed up; then each row of `plan` on every server in turn, back to back, on the
    same slice of `queries`, so a change in the machine's other load between rows
    falls on both alike: server -> rows."""
    paths = [api_path(q) for q in queries]
    need = WARM_UP_QUERIES + sum(n for _, n in plan)
    if len(paths) < need:
        raise ValueError(f"{need} distinct queries needed, {len(paths)} given")
    ports = {name: free_port() for name in servers}
    out: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    pids: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        for name, command in servers.items():
            pids[name] = stack.enter_context(running(command(ports[name]), ports[name])).pid
        for name in servers:
            run_load(ports[name], paths[:WARM_UP_QUERIES], WARM_UP_CLIENTS)
        start = WARM_UP_QUERIES
        for clients, n in plan:
            for name in servers:
                print(f"  http: {name}, {clients} clients, {n} queries", file=sys.stderr)
                row = run_load(ports[name], paths[start : start + n], clients)
                out[name].append({**row, "worker_peak_mb": peak_worker_mb(pids[name]) or 0.0})
            start += n
    return out


def repeated_load(port: int, queries: Sequence[BenchQuery], clients: int, seconds: float) -> dict[str, float]:
    """The same queries over and over for `seconds`, after one pass: what a result cache gives."""
    paths = [api_path(q) for q in queries]
    run_load(port, paths, 1)
    deadline = time.perf_counter() + seconds

    def until_deadline() -> Iterator[str]:
        for i in itertools.count():
            if time.perf_counter() >= deadline:
                return
            yield paths[i % len(paths)]

    return run_load(port, until_deadline(), clients)


def http_targets(rows: dict[str, list[dict[str, float]]]) -> list[tuple[str, float | None, bool | None]]:
    """(target, measured ratio, passed) for issue 12's HTTP targets."""
    wire = {r["clients"]: r for r in rows.get("wire", [])}
    fts5 = {r["clients"]: r for r in rows.get("fts5", [])}
    out: list[tuple[str, float | None, bool | None]] = []
    for clients in TARGET_CLIENTS:
        w, f = wire.get(clients), fts5.get(clients)
        rps = w["rps"] / f["rps"] if w and f and f["rps"] else None
        p95 = w["p95_ms"] / f["p95_ms"] if w and f and f["p95_ms"] else None
        out.append((f"HTTP {clients} clients: req/s >= {TARGET_RPS_VS_FTS5}x FTS5 app's (ratio)", rps,
                    None if rps is None else rps >= TARGET_RPS_VS_FTS5))  # fmt: skip
        out.append((f"HTTP {clients} clients: p95 <= {TARGET_P95_VS_FTS5}x FTS5 app's (ratio)", p95,
                    None if p95 is None else p95 <= TARGET_P95_VS_FTS5))  # fmt: skip
    return out

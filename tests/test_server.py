"""`wire serve` as users run it: real processes on a free loopback port, real HTTP."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_browser import running_server
from tests.test_faults import process_alive


def children_of(pid: int) -> list[int]:
    """Live child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def serving(index_dir: Path, tmp_path: Path):
    """`wire serve --workers 2`; yields (base URL, the master process)."""
    with running_server(index_dir, tmp_path / "serve.log", "--workers", "2") as started:
        yield started


def wait_for_workers(pid: int, count: int, seconds: float = 20) -> list[int]:
    """The server's worker processes, once `count` have started (gunicorn boots them one by one)."""
    deadline = time.monotonic() + seconds
    while len(children_of(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return children_of(pid)


def fetch(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_workers_answer_concurrent_clients(serving):
    base, proc = serving
    assert len(wait_for_workers(proc.pid, 2)) == 2
    urls = [
        f"{base}/api/search?q=government+{word}" for word in ("monsoon", "election", "cricket", "shares") * 5
    ]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(fetch, urls))
    assert {status for status, _ in answers} == {200}
    assert all(data["total"] > 0 for _, data in answers)


def test_workers_die_with_a_killed_server(serving):
    _, proc = serving
    workers = wait_for_workers(proc.pid, 2)
    assert len(workers) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(process_alive, workers)):
        time.sleep(0.05)
    assert not any(map(process_alive, workers))

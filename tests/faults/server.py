"""A real `wire serve` on a free loopback port, and a timed HTTP client for it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import harness

READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Answer:
    url: str
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
    seconds: float
    body: bytes = b""
    error: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(base: str, path: str, timeout: float = 30.0) -> Answer:
    """GET one URL of the server: status, time, body; never raises."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as r:
            return Answer(path, r.status, time.monotonic() - started, r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        e.close()
        return Answer(path, e.code, time.monotonic() - started, body)
    except OSError as e:
        return Answer(path, 0, time.monotonic() - started, error=f"{type(e).__name__}: {e}")


@contextlib.contextmanager
def serving(index: Path, log: Path, threads: int = 4) -> Iterator[str]:
    """`wire serve` over `index`; yields its base URL once it answers."""
    port = free_port()
    proc = harness.start_wire(
        "serve", "--index", index, "--port", str(port), "--threads", str(threads), log=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while get(base, "/", timeout=5).status != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`wire serve` did not start: {Path(f'{log}.err').read_text()[-500:]}")
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a server that ignores SIGTERM is killed
            harness.kill_group(proc.pid)
            proc.wait()

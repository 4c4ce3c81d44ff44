"""Two shard searchd and one distributed searchd on free loopback ports, in a folder.

    python -m tests.sphinxd start DIR   # prints the WIRE_SPHINX_* settings to export
    python -m tests.sphinxd stop DIR

The pytest fixtures (tests/conftest.py) use start_servers/stop_servers directly.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.sphinxconf import search_config, shard_config

SHARDS = 2
HOST = "127.0.0.1"
ENV_FILE = "env.sh"
START_SECONDS = 20.0
# For the tests: the corpus each set of servers holds (see tests/conftest.py).
HOLDS: dict[str, Path] = {}


@dataclass(frozen=True)
class Servers:
    """Where the servers listen: the distributed SphinxQL endpoint and each shard's."""

    search: str
    shards: tuple[str, ...]
    folder: Path

    def env(self) -> dict[str, str]:
        # not WIRE_BACKEND: the suite runs on Whoosh; the Sphinx tests choose their backend
        return {
            "WIRE_SPHINX_SEARCH": self.search,
            "WIRE_SPHINX_SHARDS": ",".join(self.shards),
        }


def has_searchd() -> bool:
    return shutil.which("searchd") is not None


def free_ports(n: int) -> list[int]:
    """n distinct free loopback ports (bound together so they differ)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _wait_listening(port: int, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"searchd did not listen on {port}: {log.read_text()[-2000:] if log.exists() else ''}")


def _start(folder: Path, config: str, port: int) -> None:
    conf = folder / "sphinx.conf"
    conf.write_text(config)
    subprocess.run(["searchd", "--config", str(conf)], check=True, capture_output=True)
    _wait_listening(port, folder / "searchd.log")


def start_servers(root: Path) -> Servers:
    """Start the shards, then the distributed server over them; write DIR/env.sh."""
    root.mkdir(parents=True, exist_ok=True)
    ports = free_ports(2 * SHARDS + 1)
    shards, agents = [], []
    for n in range(SHARDS):
        sql, api = ports[2 * n], ports[2 * n + 1]
        folder = root / f"shard{n}"
        _start(folder, shard_config(folder, sql, api, host=HOST), sql)
        shards.append(f"{HOST}:{sql}")
        agents.append(f"{HOST}:{api}")
    folder = root / "search"
    _start(folder, search_config(folder, ports[-1], agents, host=HOST), ports[-1])
    servers = Servers(f"{HOST}:{ports[-1]}", tuple(shards), root)
    (root / ENV_FILE).write_text("".join(f"export {k}={v}\n" for k, v in servers.env().items()))
    return servers


def stop_servers(root: Path) -> None:
    """Stop every searchd started in `root` (the distributed one first)."""
    for conf in sorted(root.glob("*/sphinx.conf"), key=lambda p: p.parent.name != "search"):
        if (conf.parent / "searchd.pid").exists():
            subprocess.run(["searchd", "--config", str(conf), "--stopwait"], capture_output=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.sphinxd start|stop DIR", file=sys.stderr)
        return 2
    root = Path(argv[1]).resolve()
    if argv[0] == "start":
        servers = start_servers(root)
        for k, v in servers.env().items():
            print(f"export {k}={v}")
    else:
        stop_servers(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

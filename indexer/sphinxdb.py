"""The Sphinx side shared by searching and writing: endpoints, connections, rows, the live generation.

Talks SphinxQL (the MySQL wire protocol) through PyMySQL. Stories live on the
shard a stable hash of their id names; the distributed server fans searches out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pymysql

from .facets import place_key
from .search import BackendUnavailableError, IndexMissingError, SearchError
from .sphinxconf import GENERATIONS, META_INDEX, story_index_name
from .story import Story

CONNECT_SECONDS = 5
READ_SECONDS = 30
# How long a searcher trusts the live generation it read: a swap shows within this.
POINTER_SECONDS = 1.0


class SphinxUnavailableError(BackendUnavailableError):
    """A Sphinx server cannot be reached or refused the statement; the message says which."""


@dataclass(frozen=True)
class SphinxConfig:
    """Where the servers are: the distributed SphinxQL endpoint and each shard's."""

    search: str
    shards: tuple[str, ...]

    @classmethod
    def parse(cls, search: str, shards: str | Sequence[str]) -> SphinxConfig:
        """From "host:port" and "host:port,host:port"; a clear error when malformed."""
        listed = [s.strip() for s in shards.split(",")] if isinstance(shards, str) else list(shards)
        listed = [s for s in listed if s]
        for endpoint in [search, *listed]:
            split_endpoint(endpoint)
        if not listed:
            raise SearchError("the Sphinx backend needs its shards (WIRE_SPHINX_SHARDS=host:port,host:port)")
        return cls(search, tuple(listed))


def split_endpoint(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SearchError(f"not a host:port endpoint: {endpoint!r}")
    return host, int(port)


def connect(endpoint: str) -> Any:
    """A SphinxQL connection; SphinxUnavailableError when nothing answers there."""
    host, port = split_endpoint(endpoint)
    try:
        return pymysql.connect(
            host=host,
            port=port,
            autocommit=True,
            charset="utf8",
            connect_timeout=CONNECT_SECONDS,
            read_timeout=READ_SECONDS,
            write_timeout=READ_SECONDS,
        )
    except pymysql.err.OperationalError as e:
        raise SphinxUnavailableError(f"no Sphinx server answers at {endpoint}: {e.args[-1]}") from None


class Connections:
    """One connection per thread and endpoint (PyMySQL connections are not thread-safe)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Any] = []

    def get(self, endpoint: str) -> Any:
        conns = self._local.__dict__.setdefault("conns", {})
        conn = conns.get(endpoint)
        if conn is None or not conn.open:
            conn = conns[endpoint] = connect(endpoint)
            with self._lock:
                self._all.append(conn)
        return conn

    def query(self, endpoint: str, sql: str, args: Sequence[object] | None = None) -> list[tuple]:  # type: ignore[type-arg]
        """Rows of one statement; a dropped connection is reopened once."""
        for attempt in (1, 2):
            conn = self.get(endpoint)
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, args)
                    return list(cur.fetchall())
            except pymysql.err.OperationalError as e:
                conn.close()
                if attempt == 2:
                    raise SphinxUnavailableError(f"Sphinx at {endpoint} failed: {e.args[-1]}") from None
            except pymysql.err.MySQLError as e:
                raise SphinxUnavailableError(
                    f"Sphinx at {endpoint} refused a statement: {e.args[-1]}"
                ) from None
        return []

    def meta(self, endpoint: str) -> dict[str, str]:
        """SHOW META of this thread's last statement on `endpoint` (total_found...)."""
        return {str(k): str(v) for k, v in self.query(endpoint, "SHOW META")}

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass  # already closed by the server
            self._all.clear()
        self._local = threading.local()


# --- ids, shards, rows ------------------------------------------------------------------------


def doc_id(story_id: str) -> int:
    """Sphinx's document id for a story: a stable 63-bit hash of its id (never 0)."""
    digest = hashlib.blake2b(story_id.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") & (2**63 - 1)) or 1


def shard_of(cluster: str, shards: int) -> int:
    """The shard a story lives on, by a stable hash of its cluster id (its own id when
    carried once): the copies of one story share a shard, so per-shard COUNT(DISTINCT
    cluster), which the distributed server adds up, counts each story once."""
    return doc_id(cluster) % shards


COLUMNS = (
    "id",
    "title",
    "body",
    "agency",
    "place",
    "agency_inferred",
    "story_id",
    "data",
    "agency_facet",
    "place_facet",
    "place_key",
    "cluster",
    "outlet",
    "year",
    "day",
    "lead",
    "cluster_id",
)


def story_row(story: Story) -> tuple[object, ...]:
    """A story as the values of COLUMNS."""
    cluster = story.cluster or story.id
    data = json.dumps(story.to_dict(), ensure_ascii=False)
    return (
        doc_id(story.id),
        story.title,
        story.body,
        story.agency,
        story.place,
        story.agency_inferred,
        story.id,
        data,
        story.agency,
        story.place,
        place_key(story.place),
        cluster,
        story.source or story.agency or story.id,
        story.date.year if story.date else 0,
        story.date.toordinal() if story.date else 0,
        int(cluster == story.id),
        doc_id(cluster),
    )


def story_from_data(data: str) -> Story:
    """The Story stored in a row's `data` attribute."""
    fields = json.loads(data)
    when = fields.pop("date", None)
    return Story(**fields, date=dt.date.fromisoformat(when) if when else None)


def day_date(day: int) -> dt.date | None:
    return dt.date.fromordinal(day) if day > 0 else None


# --- the live generation -------------------------------------------------------------------------


class Pointer:
    """Which generation (a or b) searches read, kept on the first shard's meta index."""

    def __init__(self, conns: Connections, shard: str) -> None:
        self.conns, self.shard = conns, shard
        self._cached: tuple[float, str | None] = (0.0, None)

    def read(self, *, fresh: bool = False) -> str | None:
        at, value = self._cached
        if fresh or time.monotonic() - at > POINTER_SECONDS:
            rows = self.conns.query(self.shard, f"SELECT live FROM {META_INDEX} WHERE id = 1")
            value = str(rows[0][0]) if rows and rows[0][0] in GENERATIONS else None
            self._cached = (time.monotonic(), value)
        return value

    def live_index(self) -> str:
        """The live story index name; IndexMissingError before the first build."""
        live = self.read()
        if live is None:
            raise IndexMissingError(
                f"the Sphinx servers hold no index yet ({self.shard}): run `wire reindex`"
            )
        return story_index_name(live)

    def write(self, generation: str) -> None:
        self.conns.query(
            self.shard, f"REPLACE INTO {META_INDEX} (id, note, live) VALUES (1, '', %s)", (generation,)
        )
        self._cached = (time.monotonic(), generation)

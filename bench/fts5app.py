"""The HTTP anchor of the speed benchmark: a small SQLite FTS5 search app doing our page's work.

`GET /api/search?q=...[&from=YYYY-MM-DD&to=YYYY-MM-DD]` answers what wire's
`/api/search` answers for a results page: the bm25 top 10 with `<mark>` snippets,
the total, and agency, place and year facet counts (the top 20 of each, and how
many values each has). It is a Flask app served by `webui.server.serve`, the same
server software, worker processes and threads as `wire serve`, so the two differ
only in the search engine behind them. Each thread opens its own connection on its
first request (after gunicorn forks), as each wire worker opens its own searchers.

    .venv/bin/python -m bench.fts5app DB [--host 127.0.0.1] [--port 5001] [--workers N] [--threads 4]
    .venv/bin/python -m bench.fts5app DB --build STORIES.jsonl
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

from indexer.story import Story

from .common import Fts5Engine, read_stories

FACETS = ("agency", "place", "year")
FACET_LIMIT = 20  # values per facet, as wire's docsets.FACET_LIMIT
PAGELEN = 10
SNIPPET = "snippet(stories, 1, '<mark>', '</mark>', ' … ', 24)"


def build_database(path: Path, stories: Iterable[Story]) -> int:
    """The FTS5 table (title, body) and a metadata table sharing its rowids; the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE stories USING fts5(title, body, tokenize='porter unicode61')")
    db.execute(
        "CREATE TABLE meta (rowid INTEGER PRIMARY KEY, id TEXT, date TEXT, year TEXT, "
        "agency TEXT, place TEXT)"
    )
    n = 0
    with db:
        for n, s in enumerate(stories, 1):
            date = s.date.isoformat() if s.date else None
            db.execute("INSERT INTO stories(rowid, title, body) VALUES (?, ?, ?)", (n, s.title, s.body))
            db.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?)",
                (n, s.id, date, date[:4] if date else "", s.agency, s.place),
            )
    db.execute("CREATE INDEX meta_date ON meta(date)")
    db.execute("INSERT INTO stories(stories) VALUES('optimize')")
    db.commit()
    db.close()
    return n


class Fts5Search:
    """The page's queries on one database, one connection per thread."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    def db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(
                f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
            )
        return db

    def search(self, text: str, date_from: str | None, date_to: str | None) -> dict[str, Any]:
        """Top 10 with snippets, the total and the facet counts of one query."""
        started = time.perf_counter()
        match = Fts5Engine.match_string(text)
        if not match:
            return {"query": text, "total": 0, "results": [], "facets": {}, "facet_sizes": {}}
        # metadata joined by rowid with the FTS5 match driving (CROSS JOIN keeps that
        # order): filtering dates through an IN subquery took 0.5-2 s a query
        where = "FROM stories CROSS JOIN meta m ON m.rowid = stories.rowid WHERE stories MATCH ?"
        args = [match]
        if date_from or date_to:
            where += " AND m.date BETWEEN ? AND ?"
            args += [date_from or "0000-00-00", date_to or "9999-99-99"]
        db = self.db()
        top = db.execute(
            f"SELECT m.id, stories.title, m.date, m.agency, m.place, {SNIPPET}, bm25(stories) {where} "
            f"ORDER BY bm25(stories) LIMIT {PAGELEN}",
            args,
        ).fetchall()
        # one grouped pass for the three facets and the total (fetching every matching
        # row into Python instead cost 5-10x more on common words)
        groups = db.execute(
            f"SELECT m.agency, m.place, m.year, count(*) {where} GROUP BY 1, 2, 3", args
        ).fetchall()
        facets, sizes = facet_counts(groups)
        return {
            "query": text,
            "total": sum(row[3] for row in groups),
            "results": [
                {"id": i, "title": t, "date": d, "agency": a, "place": p, "snippet": s, "score": -score}
                for i, t, d, a, p, s, score in top
            ],
            "facets": facets,
            "facet_sizes": sizes,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }


def facet_counts(
    groups: list[tuple[str, str, str, int]],
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """The top values of each facet, most stories first, ties by name; and each facet's size."""
    facets, sizes = {}, {}
    for i, name in enumerate(FACETS):
        counts: Counter[str] = Counter()
        for row in groups:
            if row[i]:
                counts[row[i]] += row[3]
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_LIMIT]
        facets[name] = [{"value": v, "count": n} for v, n in ranked]
        sizes[name] = len(counts)
    return facets, sizes


def create_app(path: Path) -> Flask:
    """The FTS5 app over a database made by `build_database`."""
    app = Flask(__name__)
    engine = Fts5Search(path)

    @app.get("/api/search")
    def search():  # type: ignore[no-untyped-def]
        q = request.args.get("q", "")
        if not q.strip():
            return jsonify({"error": "The q parameter (the query) is required."}), 400
        return jsonify(engine.search(q, request.args.get("from"), request.args.get("to")))

    return app


def main(argv: list[str] | None = None) -> int:
    from webui.server import default_workers, serve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--build", type=Path, metavar="STORIES", help="build DB from stories (JSON Lines)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--workers", type=int, help="worker processes (default: one per core, as wire serve)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (wire serve's default)")
    args = parser.parse_args(argv)
    if args.build:
        print(f"built {build_database(args.db, read_stories(args.build))} stories into {args.db}")
        return 0
    if not args.db.exists():
        parser.error(f"no database at {args.db}: build it with --build STORIES.jsonl")
    workers = args.workers or default_workers()
    print(f"serving {args.db} at http://{args.host}:{args.port}/ ({workers} workers)", flush=True)
    serve(create_app(args.db), host=args.host, port=args.port, workers=workers, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())

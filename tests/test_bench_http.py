"""bench/fts5app.py and bench/httpload.py: the FTS5 app and the load generator, for real.

The speed benchmark's HTTP anchor must answer what our /api/search answers; a real
app on a real SQLite file behind the real server, driven over loopback HTTP.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import urllib.request
from pathlib import Path

import pytest

from bench.fts5app import build_database, create_app
from bench.httpload import (
    api_path,
    distinct_queries,
    free_port,
    fts5_command,
    peak_worker_mb,
    run_load,
    running,
)
from bench.sameresults import same_top
from indexer.story import Story

PROJECT = Path(__file__).resolve().parents[1]


def make_stories() -> list[Story]:
    day = dt.date(1987, 3, 2)
    return [
        Story(
            id="s1",
            title="Cocoa prices rise in Accra",
            body="Cocoa prices rose sharply on Monday.",
            date=day,
            agency="Reuters",
            place="Accra",
        ),  # fmt: skip
        Story(
            id="s2",
            title="Cocoa exports fall",
            body="Ghana cocoa exports fell in February.",
            date=day + dt.timedelta(days=40),
            agency="PTI",
            place="Accra",
        ),  # fmt: skip
        Story(
            id="s3", title="Wheat harvest", body="The wheat harvest was good.", date=None, agency="", place=""
        ),
    ]


@pytest.fixture
def fts5_db(tmp_path):
    db = tmp_path / "app.db"
    assert build_database(db, make_stories()) == 3
    return db


def test_the_app_answers_top_hits_snippets_total_and_facets(fts5_db):
    client = create_app(fts5_db).test_client()
    data = client.get("/api/search?q=cocoa").get_json()
    assert data["total"] == 2
    assert {hit["id"] for hit in data["results"]} == {"s1", "s2"}
    assert all("<mark>" in hit["snippet"].lower() for hit in data["results"])
    assert data["facets"]["place"] == [{"value": "Accra", "count": 2}]
    assert {f["value"] for f in data["facets"]["agency"]} == {"Reuters", "PTI"}
    assert data["facets"]["year"] == [{"value": "1987", "count": 2}]
    dated = client.get("/api/search?q=cocoa&from=1987-03-01&to=1987-03-31").get_json()
    assert [hit["id"] for hit in dated["results"]] == ["s1"] and dated["total"] == 1
    assert client.get("/api/search?q=").status_code == 400


def test_distinct_queries_are_distinct_and_shaped_like_the_mix():
    stories = make_stories() * 3  # every title word in at least three titles
    queries = distinct_queries(stories, 20)
    assert len(set(queries)) == len(queries) > 5
    assert {q.kind for q in queries} >= {"word", "field"}


def test_each_query_is_sent_once_to_the_app_behind_the_real_server(fts5_db):
    port = free_port()
    paths = [api_path(q) for q in distinct_queries(make_stories() * 3, 12)]
    with running(fts5_command(fts5_db, port), port) as server:
        row = run_load(port, paths, clients=4)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=wheat", timeout=30) as response:
            assert json.load(response)["total"] == 1
        # the largest of the master's and its workers' peak memory: a Python process holds megabytes
        assert 10 < (peak_worker_mb(server.pid) or 0) < 2000
    assert row["requests"] == len(paths) and row["errors"] == 0 and row["rps"] > 0


def test_ties_may_come_in_another_order_but_not_other_stories():
    before = [["a", 2.0], ["b", 1.0], ["c", 1.0]]
    assert same_top(before, [["a", 2.0], ["c", 1.0], ["b", 1.0]])
    assert not same_top(before, [["b", 2.0], ["a", 1.0], ["c", 1.0]])
    assert not same_top(before, [["a", 2.0], ["b", 1.5], ["c", 1.0]])


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (PROJECT / "bench").glob("*.py") if p.stem != "__init__")
)
def test_every_bench_module_imports(name):
    """A benchmark's imports break silently when a module it borrows from moves."""
    importlib.import_module(f"bench.{name}")

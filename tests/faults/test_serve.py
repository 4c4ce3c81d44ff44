"""The web app under concurrent clients while reindexes swap the index and an add
changes it: no 5xx, no failed request, every request within its time bound."""

from __future__ import annotations

import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from . import harness
from .harness import Trial
from .recovery import check_ran
from .server import Answer, get, serving

CLIENTS = 6
MAX_REQUESTS_PER_CLIENT = 400
REQUEST_BOUND_S = 5.0
REINDEXES = 2
QUERIES = [
    "oil",
    "wheat prices",
    '"crude oil"',
    "title:cocoa",
    "date:[1987-03-01 TO 1987-03-31]",
    "agency:reuters bank",
    "corn OR soybeans",
    "opec NOT saudi",
    "tradng",
]


def urls(story_id: str) -> list[str]:
    found = []
    for q in QUERIES:
        quoted = urllib.parse.quote(q)
        found += [f"/api/search?q={quoted}", f"/search?q={quoted}", f"/search?q={quoted}&page=2&sort=newest"]
    return [*found, "/", "/syntax", f"/story/{story_id}?q=oil", f"/api/story/{story_id}"]


def client(base: str, paths: list[str], offset: int, stop: threading.Event, answers: list[Answer]) -> None:
    for n in range(MAX_REQUESTS_PER_CLIENT):
        if stop.is_set():
            return
        answers.append(get(base, paths[(offset + n) % len(paths)]))


def test_serve_while_the_index_swaps(trial: Trial, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    small = request.getfixturevalue("small_template")
    pages = request.getfixturevalue("pages")
    corpus = harness.copy_tree(small["corpus"], tmp_path / "corpus")
    index = harness.copy_tree(small["index"], tmp_path / "index")
    where = ("--corpus", corpus, "--index", index)
    paths = urls(sorted(harness.corpus_ids(corpus))[0])
    answers: list[Answer] = []
    with serving(index, tmp_path / "serve") as base:
        stop = threading.Event()
        clients = [
            threading.Thread(target=client, args=(base, paths, n * 7, stop, answers), daemon=True)
            for n in range(CLIENTS)
        ]
        for t in clients:
            t.start()
        for _ in range(REINDEXES):
            check_ran(trial, harness.wire("reindex", *where), "a reindex under load")
            trial.fault()
        check_ran(trial, harness.wire("add", *where, pages["folder"]), "an add under load")
        trial.fault()
        time.sleep(1.0)
        stop.set()
        for t in clients:
            t.join(timeout=60)
        added = harness.page_ids(pages["files"])
        found = get(base, f"/api/story/{sorted(added)[0]}")
        trial.check(found.status == 200, f"an added story is not served after its add: {found.status}")

    trial.check(len(answers) >= CLIENTS, f"only {len(answers)} requests were made")
    failed = [a for a in answers if a.status == 0]
    errors = [a for a in answers if a.status >= 500]
    slow = sorted((a for a in answers if a.seconds > REQUEST_BOUND_S), key=lambda a: -a.seconds)
    trial.check(not failed, f"{len(failed)} of {len(answers)} requests got no answer, e.g. {failed[:1]}")
    trial.check(
        not errors, f"{len(errors)} of {len(answers)} requests got a 5xx, e.g. {[a.url for a in errors[:3]]}"
    )
    trial.check(
        not slow,
        f"{len(slow)} requests over {REQUEST_BOUND_S} s, slowest {slow[0].seconds:.1f} s {slow[0].url}"
        if slow
        else "",
    )
    trial.tally.notes["HTTP requests under a swapping index"] += len(answers)
    trial.verdict()

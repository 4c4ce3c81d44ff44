"""POST /api/pages and `wire add --server`: a real `wire serve --accept-pages` on a free
loopback port over a real index in tmp_path, real HTTP, the console script as a process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer.ingest import reindex
from indexer.limits import MAX_PAGE_BYTES
from tests.test_browser import free_port, running_server
from webui import create_app

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED_STORY = Path(__file__).parent / "fixtures" / "stories" / "reuters_cleveland_steel.txt"
WIRE = Path(sys.executable).parent / "wire"
HARBOUR = PAGES / "harbour-strike.html"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """A corpus of one text story with its index built."""
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(SEED_STORY, root / SEED_STORY.name)
    reindex(root, tmp_path / "index")
    return root, tmp_path / "index"


@pytest.fixture
def accepting(dirs, tmp_path):
    """`wire serve --accept-pages --workers 2` (gunicorn) over `dirs`: its base URL."""
    root, index = dirs
    options = ("--accept-pages", "--corpus", str(root), "--workers", "2")
    with running_server(index, tmp_path / "serve.log", *options) as (base, _):
        yield base


def post(base: str, body: bytes, **args: str) -> tuple[int, dict]:
    query = f"?{urllib.parse.urlencode(args)}" if args else ""
    request = urllib.request.Request(f"{base}/api/pages{query}", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def search(base: str, q: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/search?{urllib.parse.urlencode({'q': q})}", timeout=30) as r:
        return json.loads(r.read())


def copy_page(page: Path) -> bytes:
    """Another outlet's page carrying the same story (its own chrome and name)."""
    text = page.read_text(encoding="utf-8")
    return (
        text.replace("Example Wire", "Harbour Daily")
        .replace("news.example.com", "harbourdaily.example.org")
        .replace("Contact | Privacy", "Subscribe to Harbour Daily")
        .encode("utf-8")
    )


def test_posted_page_is_searchable_at_once_and_a_copy_joins_its_cluster(accepting, dirs):
    base = accepting
    assert search(base, "Rotterdam")["total"] == 0  # the workers' searchers are open and warm
    status, report = post(base, HARBOUR.read_bytes(), name="harbour.html")
    assert status == 200, report
    [story_id] = report["added"]
    assert report["duplicates"] == [] and report["skipped"] == []
    [hit] = search(base, "Rotterdam")["results"]
    assert hit["id"] == story_id and hit["copies"] == 1
    root, _ = dirs
    assert list(root.rglob(f"{story_id}.html.gz"))  # the raw page is kept for reindex

    status, report = post(base, copy_page(HARBOUR), url="https://harbourdaily.example.org/strike")
    assert status == 200, report
    [copy_id] = report["added"]
    assert copy_id != story_id
    found = search(base, "Rotterdam")
    [hit] = found["results"]  # one result for the story, carried by two outlets
    assert hit["copies"] == 2 and hit["cluster"] in {story_id, copy_id}

    status, report = post(base, HARBOUR.read_bytes(), name="again.html")
    assert (status, report["added"], report["duplicates"]) == (200, [], ["again.html"])


@pytest.mark.parametrize("workers", ["1", "2"], ids=["threads-of-one-process", "two-processes"])
def test_two_concurrent_posts_both_land(dirs, tmp_path, workers):
    root, index = dirs
    options = ("--accept-pages", "--corpus", str(root), "--workers", workers)
    with running_server(index, tmp_path / "serve.log", *options) as (base, _):
        check_concurrent_posts(base)


def check_concurrent_posts(base: str) -> None:
    """Two pages posted at once: the writer lock lets one write at a time, both land."""
    bodies = [HARBOUR.read_bytes(), (PAGES / "glacier-survey.htm").read_bytes()]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda body: post(base, body), bodies))
    assert [status for status, _ in answers] == [200, 200], answers
    assert all(len(report["added"]) == 1 for _, report in answers)
    assert search(base, "Rotterdam")["total"] == 1
    assert search(base, "glaciologists")["total"] == 1


@pytest.mark.parametrize(
    "body, status, reason",
    [
        (b"", 422, "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), 422, "PNG"),
        ((PAGES / "no-article.html").read_bytes(), 422, "no article text"),
        (b"<html>" + b"x" * MAX_PAGE_BYTES + b"</html>", 413, "larger than 20 MB"),
    ],
    ids=["empty", "png", "no-article", "over-20-mb"],
)
def test_a_bad_page_is_refused_with_its_reason(dirs, body, status, reason):
    root, index = dirs
    client = create_app({"INDEX": str(index), "CORPUS": str(root), "ACCEPT_PAGES": True}).test_client()
    response = client.post("/api/pages", data=body)
    assert response.status_code == status
    assert reason.lower() in response.get_json()["error"].lower()
    assert [p.name for p in root.rglob("*") if p.is_file()] == [SEED_STORY.name]  # nothing written


def test_pages_are_refused_unless_the_server_accepts_them(dirs, tmp_path):
    root, index = dirs
    with running_server(index, tmp_path / "serve.log", "--workers", "1") as (base, _):
        status, report = post(base, HARBOUR.read_bytes())
        assert status == 403
        assert "--accept-pages" in report["error"]
        assert search(base, "Rotterdam")["total"] == 0
    assert not list(root.rglob("*.html.gz"))


def run_wire(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WIRE), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_wire_add_server_prints_the_report(accepting, tmp_path):
    base = accepting
    bad = tmp_path / "blank.html"
    bad.write_text("   ")
    result = run_wire("add", "--server", base, HARBOUR, PAGES / "glacier-survey.htm", bad)
    assert result.returncode == 1, result.stderr  # one page was skipped
    assert result.stdout == "added 2, duplicates 0, skipped 1\n"
    assert result.stderr.startswith(f"skipped {bad}: ") and "empty" in result.stderr
    assert search(base, "glaciologists")["total"] == 1
    result = run_wire("add", "--server", base, HARBOUR)
    assert (result.returncode, result.stdout) == (0, "added 0, duplicates 1, skipped 0\n")


def test_wire_add_server_errors_are_one_line(dirs, tmp_path):
    result = run_wire("add", "--server", f"http://127.0.0.1:{free_port()}", HARBOUR)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()  # one line, no traceback
    assert line.startswith("Error: cannot reach http://127.0.0.1:")
    _, index = dirs
    with running_server(index, tmp_path / "serve.log", "--workers", "1") as (base, _):
        result = run_wire("add", "--server", base, HARBOUR)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {base} does not accept pages (403: This server does not accept pages: "
        "start it with `wire serve --accept-pages`.)"
    ]
    result = run_wire("add", "--server", "ftp://example.org", HARBOUR)
    assert result.stderr.strip() == "Error: --server wants an http:// address, not 'ftp://example.org'"

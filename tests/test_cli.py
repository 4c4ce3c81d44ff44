"""The `wire` command: through click's CliRunner, and once as the installed console script."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE = PROJECT / "corpus" / "000_622617eaaf54721c.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "stories"
SHARED_DATA = Path(os.environ.get("WIRE_SHARED_DATA", PROJECT.parent / "shared" / "data"))
REUT2_000 = SHARED_DATA / "reuters21578" / "reut2-000.sgm"
# The console script pyproject installs: wire = "indexer.cli:main"
WIRE = Path(sys.executable).parent / "wire"
HIT_KEYS = {"id", "path", "title", "date", "agency", "place", "url", "byline", "score", "snippet"} | {
    *("cluster", "copies", "outlets", "agency_inferred")
}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(EXAMPLE, root / EXAMPLE.name)
    for path in FIXTURES.glob("*.txt"):
        shutil.copy(path, root / path.name)
    return root


@pytest.fixture
def index(runner, corpus, tmp_path):
    index_dir = tmp_path / "index"
    result = runner.invoke(cli, ["reindex", "--corpus", str(corpus), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    return index_dir


def search_json(runner, index_dir: Path, *query: str) -> dict:
    result = runner.invoke(cli, ["search", "--index", str(index_dir), "--json", *query])
    assert result.exit_code == 0, result.output
    # exactly one JSON object on stdout, nothing else
    assert result.stdout.count("\n") == 1
    return json.loads(result.stdout)


def assert_acceptance(data: dict) -> None:
    assert set(data) == {"query", "total", "copies", "results"}
    assert data["query"] == "INDUS-X"
    first = data["results"][0]
    assert set(first) == HIT_KEYS
    assert first["id"] == "000_622617eaaf54721c"
    assert first["path"] == "000_622617eaaf54721c.txt"
    assert (first["date"], first["agency"], first["place"]) == ("2024-02-19", "PTI", "New Delhi")
    assert "<mark>INDUS-X</mark>" in first["snippet"]
    assert isinstance(first["score"], float)


# --- the acceptance test -----------------------------------------------------------------------


def test_acceptance_reindex_then_search_json(runner, corpus, tmp_path):
    index_dir = tmp_path / "index"
    result = runner.invoke(cli, ["reindex", "--corpus", str(corpus), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("indexed 7 stories, skipped 0, in ")
    assert_acceptance(search_json(runner, index_dir, "INDUS-X"))


def test_acceptance_as_a_real_process(tmp_path):
    assert WIRE.is_file(), f"console script missing: {WIRE} (pip install -e .)"
    index_dir = tmp_path / "index"
    run = subprocess.run(
        [str(WIRE), "reindex", "--corpus", "corpus", "--index", str(index_dir)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("indexed ")
    run = subprocess.run(
        [str(WIRE), "search", "--index", str(index_dir), "--json", "INDUS-X"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1
    assert_acceptance(json.loads(run.stdout))


def test_real_process_user_error_is_one_line(tmp_path):
    run = subprocess.run(
        [str(WIRE), "search", "--index", str(tmp_path / "nowhere"), "INDUS-X"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("Error: no index in ")


# --- search output -----------------------------------------------------------------------------------


def test_search_text_output(runner, index):
    result = runner.invoke(cli, ["search", "--index", str(index), "defence", "budget"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"3 stories match \(\d+ ms\)", lines[0])
    assert lines[2] == "1. Punjab to host defence budget consultation  [2024-01-01 · ANI · Amritsar]"
    assert "ani_amritsar_defence.txt" in result.stdout
    assert "<mark>" not in result.stdout


def test_search_text_output_unescapes_snippet(runner, index):
    result = runner.invoke(cli, ["search", "--index", str(index), "phish"])
    assert result.exit_code == 0, result.output
    assert '<script>alert("phish")</script>' in result.stdout


def test_search_limit(runner, index):
    data = search_json(runner, index, "--limit", "1", "defence", "OR", "summit")
    assert data["total"] > 1
    assert len(data["results"]) == 1


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "date:[x TO", "AND", "foo:bar", "*", "!!!", "(", "title:", "[2024 TO"],
)
def test_search_malformed_query_is_not_a_crash(runner, index, query):
    result = runner.invoke(cli, ["search", "--index", str(index), "--json", query])
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        data = json.loads(result.stdout)
        assert data["query"] == query
    else:
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ")
        assert result.stderr.count("\n") == 1


# --- reindex -----------------------------------------------------------------------------------------


def test_reindex_reports_skipped_files_and_goes_on(runner, corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "latin1.txt").write_bytes("Caf\u00e9 story.".encode("latin-1"))
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02\x03 binary")
    result = runner.invoke(cli, ["reindex", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert sorted(result.stderr.splitlines()) == [
        "skipped binary.txt: binary file (NUL bytes)",
        "skipped empty.txt: empty file",
        "skipped latin1.txt: not UTF-8 text (bad byte at offset 3)",
    ]
    assert result.stdout.startswith("indexed 7 stories, skipped 3, in ")
    assert search_json(runner, tmp_path / "index", "INDUS-X")["total"] == 1


def test_environment_names_corpus_and_index(runner, corpus, tmp_path):
    env = {"WIRE_CORPUS": str(corpus), "WIRE_INDEX": str(tmp_path / "env-index")}
    result = runner.invoke(cli, ["reindex"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env-index" / "CURRENT").is_file()
    result = runner.invoke(cli, ["search", "--json", "INDUS-X"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 1


def test_option_wins_over_environment(runner, index, tmp_path):
    env = {"WIRE_INDEX": str(tmp_path / "nowhere")}
    result = runner.invoke(cli, ["search", "--index", str(index), "--json", "INDUS-X"], env=env)
    assert result.exit_code == 0, result.output


# --- user errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "--index", "{tmp}/nowhere", "INDUS-X"], "Error: no index in {tmp}/nowhere"),
        (
            ["reindex", "--corpus", "{tmp}/no-corpus", "--index", "{tmp}/index"],
            "Error: corpus folder {tmp}/no-corpus does not exist",
        ),
        (
            ["import", "--corpus", "{tmp}/c", "--index", "{tmp}/i", "{tmp}/notes.csv"],
            "Error: {tmp}/notes.csv: not a",
        ),
    ],
)
def test_library_error_is_one_line(runner, tmp_path, args, message):
    (tmp_path / "notes.csv").write_text("a,b\n")
    args = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(message.format(tmp=tmp_path))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "args, option",
    [
        (["search", "--limit", "0", "INDUS-X"], "--limit"),
        (["search", "--limit", "101", "INDUS-X"], "--limit"),
        (["search", "--limit", "ten", "INDUS-X"], "--limit"),
        (["search", "--sort", "random", "INDUS-X"], "--sort"),
        (["search"], "QUERY"),
        (["import", "{tmp}/missing.jsonl"], "missing.jsonl"),
    ],
)
def test_usage_error_has_one_error_line(runner, tmp_path, args, option):
    args = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(cli, [*args[:1], "--index", str(tmp_path / "index"), *args[1:]])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    # click adds its "Usage:"/"Try --help" hint; the error itself is one line
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert option in errors[0]


# --- import -----------------------------------------------------------------------------------------


def test_import_json_lines_is_idempotent(runner, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "id": "ians-1",
                        "title": "Tractor sales rise",
                        "date": "2024-03-09",
                        "url": "https://example.com/tractor",
                        "body": "Ludhiana, March 9 (IANS) Tractor sales rose 12 per cent in March. -- IANS",
                    }
                ),
                '{"title": "broken", "body": "unterminated',
                json.dumps(
                    {"text": "Chennai, March 10 (PTI) Harbour traffic doubled. PTI ABC", "date": "2024-03-10"}
                ),
                json.dumps({"title": "No body here"}),
            ]
        )
        + "\n"
    )
    args = ["import", str(feed), "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == "imported 2, duplicates 0, skipped 2\n"
    skipped = first.stderr.splitlines()
    assert len(skipped) == 2
    assert "feed.jsonl:2" in skipped[0] and "not JSON" in skipped[0]
    assert "feed.jsonl:4" in skipped[1] and skipped[1].endswith("no body or text")
    assert (tmp_path / "corpus/2024/03/09/ians-1.txt").is_file()

    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert again.stdout == "imported 0, duplicates 2, skipped 2\n"
    assert sum(1 for _ in (tmp_path / "corpus").rglob("*.txt")) == 2

    data = search_json(runner, tmp_path / "index", "tractor")
    assert data["total"] == 1
    hit = data["results"][0]
    assert (hit["id"], hit["date"], hit["agency"], hit["place"]) == (
        "ians-1",
        "2024-03-09",
        "IANS",
        "Ludhiana",
    )
    assert hit["path"] == "2024/03/09/ians-1.txt"
    assert hit["url"] == "https://example.com/tractor"
    # what import indexed is what a reindex of the corpus indexes
    result = runner.invoke(
        cli, ["reindex", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]
    )
    assert result.stdout.startswith("indexed 2 stories, skipped 0")
    assert search_json(runner, tmp_path / "index", "tractor")["results"][0] == hit


@pytest.mark.skipif(
    not REUT2_000.is_file(), reason=f"Reuters-21578 not found at {REUT2_000} (set WIRE_SHARED_DATA)"
)
def test_import_reuters_file(runner, tmp_path):
    args = [
        "import",
        str(REUT2_000),
        "--corpus",
        str(tmp_path / "corpus"),
        "--index",
        str(tmp_path / "index"),
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 1000, duplicates 0, skipped 0\n"
    data = search_json(runner, tmp_path / "index", "title:bahia", "cocoa")
    first = data["results"][0]
    assert (first["id"], first["date"], first["place"], first["agency"]) == (
        "reuters-1",
        "1987-02-26",
        "Salvador",
        "Reuters",
    )
    assert first["path"] == "1987/02/26/reuters-1.txt"
    assert runner.invoke(cli, args).stdout == "imported 0, duplicates 1000, skipped 0\n"


# --- help and documentation -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_help_ends_with_an_example(runner, name):
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example: wire " + name in result.stdout


def test_every_command_is_documented_in_readme():
    readme = PROJECT / "README.md"
    assert readme.is_file(), "README.md is missing"
    text = readme.read_text(encoding="utf-8")
    undocumented = [name for name in sorted(cli.commands) if f"wire {name}" not in text]
    assert undocumented == []

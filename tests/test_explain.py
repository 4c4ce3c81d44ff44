"""`wire explain FILE`: every line of a story file and what became of it, then the fields."""

from pathlib import Path

from click.testing import CliRunner

from indexer.cli import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "000_622617eaaf54721c.txt"


def test_explain_the_example_story():
    result = CliRunner().invoke(cli, ["explain", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "header    date 2024-02-19"
    assert lines[1].startswith("dateline  New Delhi, Feb 19 (PTI) India and the US")
    assert lines[1].endswith("[New Delhi, Feb 19 (PTI)]")
    assert lines.count("dropped   Advertisment  [ad label]") == 4
    assert "dropped   PTI MPB KVK KVK  [sign-off]" in lines
    assert "agency:   PTI" in lines
    assert "place:    New Delhi" in lines
    assert "date:     2024-02-19" in lines


def test_explain_page_text(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "Skip to content\n\nIndia, US to hold summit\n\nBy Sajjad Hussain\n\n"
        "Updated: 03-04-2022 21:29 IST\n\n"
        "ISLAMABAD: Prime Minister Imran Khan said on Monday the summit opens soon.\n\nShare:\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["explain", str(page)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:6] == [
        "dropped   Skip to content  [page prompt]",
        "headline  India, US to hold summit",
        "byline    By Sajjad Hussain",
        "dropped   Updated: 03-04-2022 21:29 IST  [date stamp (2022-04-03)]",
        "dateline  ISLAMABAD: Prime Minister Imran Khan said on Monday the summit opens soon.  [ISLAMABAD:]",
        "dropped   Share:  [share prompt]",
    ]
    assert "byline:   By Sajjad Hussain" in lines
    assert "date:     2022-04-03" in lines


def test_explain_a_file_that_is_no_story(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    result = CliRunner().invoke(cli, ["explain", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: binary file (NUL bytes)"
    assert "Traceback" not in result.output

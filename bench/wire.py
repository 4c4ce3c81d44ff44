"""Wire parsing on real page text: agency, place, date, title, junk removed, real lines lost.

The table is tests/fixtures/wire_cases/*.txt, one real page text each (trimmed to one
story) with what a reader expects of it. A case file is a `key: value` header, a line
`---`, then the page text with each line tagged by what it is:

    J  junk (site chrome, prompts, captions): must leave the body
    H  the headline (the expected title unless the header says `title:`)
    B  a byline, M  a meta line (dateline alone, stamp, credit line): neither body nor junk
    .  a real line of the story: must stay in the body (less its dateline and sign-off)

Header keys: url, agency, place, date (ISO), byline, first (how the body starts),
title ("-" when no title is expected). Run: `make bench-wire`.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

from indexer.layout import clean_headline
from indexer.story import BadStoryError, Story
from indexer.wire import parse_story

CASES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wire_cases"
TAGS = {"J", "H", "B", "M", "."}
# Targets of issue 8 on this table.
TARGETS = {"agency": 0.95, "place": 0.95, "junk lines removed": 0.90}


@dataclass
class WireCase:
    """One page text and what a reader expects of it."""

    name: str
    text: str
    expected: dict[str, str]
    junk: list[str] = field(default_factory=list)
    real: list[str] = field(default_factory=list)
    headline: str = ""


@dataclass
class CaseResult:
    """How the parser did on one case: per field right or wrong, lines removed and lost."""

    case: WireCase
    story: Story | None
    right: dict[str, bool]
    junk_left: list[str]
    lost: list[str]
    error: str = ""


def fold(text: str) -> str:
    """Whitespace folded to single spaces."""
    return " ".join(text.split())


def load_case(path: Path) -> WireCase:
    """Read one tagged case file."""
    head, _, tagged = path.read_text(encoding="utf-8").partition("\n---\n")
    expected = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        expected[key.strip()] = value.strip()
    case = WireCase(path.stem, "", expected)
    lines = []
    for raw in tagged.splitlines():
        tag, content = raw[:1], raw[2:]
        if not raw.strip():
            lines.append("")
            continue
        if tag not in TAGS:
            raise ValueError(f"{path.name}: line without a tag: {raw!r}")
        lines.append(content)
        if tag == "J":
            case.junk.append(fold(content))
        elif tag == ".":
            case.real.append(fold(content))
        elif tag == "H" and not case.headline:
            case.headline = clean_headline(fold(content))
    case.text = "\n".join(lines) + "\n"
    return case


def load_cases(folder: Path = CASES) -> list[WireCase]:
    """Every case of the table, by name."""
    return [load_case(p) for p in sorted(folder.glob("*.txt"))]


def expected_title(case: WireCase) -> str | None:
    """The title a reader expects, or None when the case expects none."""
    title = case.expected.get("title", "")
    if title == "-":
        return None
    return title or case.headline or None


def real_line_kept(line: str, story: Story, body: str) -> bool:
    """A real line is kept when its words, less dateline and sign-off, are in the body."""
    if story.dateline and story.dateline in line[:300]:
        line = line[line.index(story.dateline) + len(story.dateline) :]
    if story.slug and line.endswith(story.slug):
        line = line[: -len(story.slug)]
    line = fold(line)
    return not line or line in body


def run_case(case: WireCase) -> CaseResult:
    """Parse one case and compare with what is expected."""
    try:
        story = parse_story(case.text, path=f"{case.name}.txt")
    except BadStoryError as err:
        return CaseResult(case, None, {}, case.junk, case.real, str(err))
    body = fold(story.body)
    body_lines = {fold(line) for line in story.body.split("\n")}
    want = case.expected
    right = {
        "agency": story.agency == want.get("agency", ""),
        "place": story.place == want.get("place", ""),
        "first": body.startswith(fold(want.get("first", ""))),
    }
    if want.get("date"):
        right["date"] = story.date == dt.date.fromisoformat(want["date"])
    if (title := expected_title(case)) is not None:
        right["title"] = story.title == title
    if "byline" in want:
        right["byline"] = story.byline == want["byline"]
    junk_left = [j for j in case.junk if j in body_lines]
    lost = [r for r in case.real if not real_line_kept(r, story, body)]
    return CaseResult(case, story, right, junk_left, lost)


def share(results: list[CaseResult], key: str, only: str | None = None) -> tuple[int, int]:
    """(right, counted) for one field over the cases that expect it."""
    counted = [r for r in results if key in r.right and (only is None or r.case.expected.get(only))]
    return sum(r.right[key] for r in counted), len(counted)


def summarise(results: list[CaseResult]) -> list[tuple[str, int, int]]:
    """The rows of the benchmark table: (measure, right, out of)."""
    junk = sum(len(r.case.junk) for r in results)
    real = sum(len(r.case.real) for r in results)
    return [
        ("agency (credited stories)", *share(results, "agency", "agency")),
        ("no agency invented (uncredited)", *_uncredited(results)),
        ("place (stories with a dateline)", *share(results, "place", "place")),
        ("date (stories with one)", *share(results, "date")),
        ("title", *share(results, "title")),
        ("byline", *share(results, "byline")),
        ("first body sentence", *share(results, "first")),
        ("junk lines removed", junk - sum(len(r.junk_left) for r in results), junk),
        ("real lines kept", real - sum(len(r.lost) for r in results), real),
        ("parsed without error", sum(not r.error for r in results), len(results)),
    ]


def _uncredited(results: list[CaseResult]) -> tuple[int, int]:
    counted = [r for r in results if not r.case.expected.get("agency") and "agency" in r.right]
    return sum(r.right["agency"] for r in counted), len(counted)


def format_table(rows: list[tuple[str, int, int]]) -> str:
    """A Markdown table of the rows."""
    out = ["| measure | right | of | share |", "|---|---|---|---|"]
    for name, good, total in rows:
        out.append(f"| {name} | {good} | {total} | {good / total if total else 1:.1%} |")
    return "\n".join(out)


def misses(results: list[CaseResult]) -> list[str]:
    """One line per wrong field, lost line or junk left, to read what went wrong."""
    lines = []
    for r in results:
        story = r.story
        for key, ok in r.right.items():
            if not ok and story is not None:
                got = {"first": story.body[:60], "title": story.title}.get(key, getattr(story, key, ""))
                lines.append(f"{r.case.name}: {key} {got!r}, expected {r.case.expected.get(key, '')!r}")
        lines += [f"{r.case.name}: junk left {j[:70]!r}" for j in r.junk_left]
        lines += [f"{r.case.name}: real line lost {x[:70]!r}" for x in r.lost]
        if r.error:
            lines.append(f"{r.case.name}: error {r.error}")
    return lines


def main(argv: list[str]) -> int:
    """Print the table (and with -v every miss); exit 1 when a target is missed."""
    results = [run_case(c) for c in load_cases()]
    rows = summarise(results)
    print(f"wire parsing on {len(results)} real page texts (tests/fixtures/wire_cases)\n")
    print(format_table(rows))
    if "-v" in argv:
        print("\n" + "\n".join(misses(results)))
    by_name = {name.split(" (")[0]: (good, total) for name, good, total in rows}
    failed = [k for k, t in TARGETS.items() if by_name[k][1] and by_name[k][0] / by_name[k][1] < t]
    lost = by_name["real lines kept"][1] - by_name["real lines kept"][0]
    if failed or lost:
        print(f"\nbelow target: {', '.join(failed) or 'none'}; real lines lost: {lost}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Article-extraction benchmark: our extract_html against trafilatura, side by side.

Runs every extractor over the shared article-extraction benchmark (aeb: 181 real
news pages with the article text as ground truth) and prints precision, recall,
F1 and ms/page with the benchmark's own metric. Exits 1 when our F1 falls below
F1_FLOOR, so CI can use it as a quality gate.

    .venv/bin/python -m bench.extract [--json results.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import trafilatura

from bench.common import format_table, shared_data_dir
from indexer.encoding import decode_html
from indexer.extract import extract_body, extract_html, parse_html
from indexer.story import BadStoryError

# Our F1 on aeb must not drop below this (trafilatura alone scores 0.964).
F1_FLOOR = 0.95
# The metric's tokens and shingle size (scrapinghub/article-extraction-benchmark).
TOKEN_RE = re.compile(r"\w+")
SHINGLE_SIZE = 4

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True)
class Score:
    """One extractor's result over the benchmark."""

    name: str
    precision: float
    recall: float
    f1: float
    ms_per_page: float
    errors: int


def load_aeb(folder: Path) -> list[tuple[str, bytes, str, str]]:
    """(id, page bytes, url, true article text) for every page of the benchmark."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        (
            key,
            gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
            item["url"],
            item["articleBody"],
        )
        for key, item in sorted(truth.items())
    ]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of 4-token shingles of a text."""
    tokens = TOKEN_RE.findall(text)
    return Counter(tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(len(tokens) - SHINGLE_SIZE + 1))


def match_counts(predicted: str, true: str) -> tuple[int, int, int]:
    """Shingle (tp, fp, fn) of one predicted text against the true one."""
    pred, gold = shingles(predicted), shingles(true)
    return sum((pred & gold).values()), sum((pred - gold).values()), sum((gold - pred).values())


def score_texts(pairs: Iterable[tuple[str, str]]) -> tuple[float, float, float]:
    """(P, R, F1) over (predicted, true) pairs; P and R are per-document means."""
    precisions, recalls = [], []
    for predicted, true in pairs:
        tp, fp, fn = match_counts(predicted, true)
        if tp + fp:
            precisions.append(tp / (tp + fp))  # normalising tp/fp/fn to sum 1 cancels here
        if tp + fn:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ours(page: bytes, url: str) -> str:
    """Our body, after the wire cleaning."""
    return extract_html(page, url=url).body


def ours_before_wire(page: bytes, url: str) -> str:
    """Our body before the wire cleaning (to measure what that cleaning removes)."""
    return extract_body(parse_html(decode_html(page)))


def trafilatura_with(**options: Any) -> Extractor:
    """An extractor running trafilatura on the raw page with these options."""

    def run(page: bytes, url: str) -> str:
        return trafilatura.extract(page, url=url, **options) or ""

    return run


# name -> extractor, in table order.
EXTRACTORS: dict[str, Extractor] = {
    "indexer.extract_html": ours,
    "  (extract_body alone: before headline drop and wire cleaning)": ours_before_wire,
    "trafilatura favor_precision, no comments": trafilatura_with(
        favor_precision=True, include_comments=False
    ),
    "trafilatura favor_precision": trafilatura_with(favor_precision=True),
    "trafilatura defaults": trafilatura_with(),
}


def timed(extract: Extractor, page: bytes, url: str) -> tuple[str | None, float]:
    """(text or None on BadStoryError, seconds taken) for one page."""
    start = time.perf_counter()
    try:
        text: str | None = extract(page, url)
    except BadStoryError:
        text = None
    return text, time.perf_counter() - start


def run_extractors(extractors: dict[str, Extractor], pages: list[tuple[str, bytes, str, str]]) -> list[Score]:
    """Score every extractor; pages go through all of them in turn, so load spikes hit all alike."""
    runs: dict[str, list[tuple[str | None, float]]] = {name: [] for name in extractors}
    for _key, page, url, _true in pages:
        for name, extract in extractors.items():
            runs[name].append(timed(extract, page, url))
    scores = []
    for name, results in runs.items():
        p, r, f1 = score_texts(
            (text or "", true) for (text, _), (*_, true) in zip(results, pages, strict=True)
        )
        ms = 1000 * sum(seconds for _, seconds in results) / len(pages)
        scores.append(Score(name, p, r, f1, ms, sum(text is None for text, _ in results)))
    return scores


# A date in a page's URL: /2019/11/19/ (the only date truth the benchmark has).
URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-](\d\d)[/-](\d\d)/")


def trafilatura_date(page: bytes, url: str) -> dt.date | None:
    """trafilatura's own publication date for a page (its metadata, htmldate extensive)."""
    meta = trafilatura.extract_metadata(decode_html(page), default_url=url)
    return dt.date.fromisoformat(meta.date[:10]) if meta and meta.date else None


def our_date(page: bytes, url: str) -> dt.date | None:
    try:
        return extract_html(page, url=url).date
    except BadStoryError:
        return None


def date_rows(pages: list[tuple[str, bytes, str, str]]) -> list[list[object]]:
    """Per extractor: pages given a date, and agreement with the URL's date where there is one."""
    rows = []
    for name, find in (("indexer.extract_html", our_date), ("trafilatura metadata", trafilatura_date)):
        dates = [(find(page, url), URL_DATE_RE.search(url)) for _, page, url, _ in pages]
        dated = [(d, m) for d, m in dates if m]
        agree = sum(d == dt.date(int(m[1]), int(m[2]), int(m[3])) for d, m in dated)
        rows.append([name, sum(d is not None for d, _ in dates), len(pages), agree, len(dated)])
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 when our F1 is under F1_FLOOR, 2 when the data is missing."""
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--json", metavar="FILE", help="also write the scores as JSON")
    opts = args.parse_args(argv)
    folder = shared_data_dir() / "aeb"
    if not folder.is_dir():
        print(f"benchmark data not found at {folder} (set WIRE_SHARED_DATA)", file=sys.stderr)
        return 2
    pages = load_aeb(folder)
    scores = run_extractors(EXTRACTORS, pages)
    header = ["extractor", "P", "R", "F1", "ms/page", "errors"]
    rows = [[s.name, s.precision, s.recall, s.f1, round(s.ms_per_page), s.errors] for s in scores]
    print(f"{len(pages)} pages from {folder}\n\n{format_table(header, rows)}")
    date_header = ["publication date", "dated", "of", "= URL date", "pages with one"]
    print(f"\n{format_table(date_header, date_rows(pages))}")
    if opts.json:
        Path(opts.json).write_text(json.dumps([asdict(s) for s in scores], indent=2) + "\n", encoding="utf-8")
    if scores[0].f1 < F1_FLOOR:
        print(f"FAIL: F1 {scores[0].f1:.3f} is below the floor {F1_FLOOR}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

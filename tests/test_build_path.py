"""The build path's faster equivalents give what the slow ones gave: the fused
index-time analysis, and corpus parsing in worker processes."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from whoosh.formats import Positions

from indexer.analysis import (
    StoryPositions,
    index_occurrences,
    index_positions,
    story_analyzer,
    story_values,
    term_spans,
)
from indexer.chrome import ChromeLines
from indexer.ingest import iter_corpus_stories, iter_story_texts, parsed_corpus
from indexer.story import Story

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_TEXTS = sorted((ROOT / "tests" / "fixtures").rglob("*.txt")) + sorted((ROOT / "corpus").glob("*.txt"))
TRICKY = [
    "",
    "a",
    "The of and",  # only stop words
    "the U.S.-Japan deal, AT&T and INDUS-X: cost-effective co-op a-team x-ray",
    "İstanbul ﬁ-les STRASSE-ß Ǆ-Ǆ",  # lower case changes the length
    "BANK-OF-THE-WEST's re-re-elected 1,000-a-share 3.5-pct",
    "words  spaced\tby\nwhitespace and--dashes -- and ... dots.",
    "the a of x-ray first: the stop words and single letters before the first kept word",
    "snake_case under_score_words a-b x.y.z q&a of-the-year 4-3 2.5%-stake",
    "re-re-elected the re-re-elected; U.S. U.S.A. and-or the-the",
]


def chain_occurrences(text: str) -> dict[str, list[tuple[int, int, int]]]:
    """What Whoosh's Characters format collects from the analyzer's filter chain."""
    seen: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for t in story_analyzer()(text, positions=True, chars=True, boosts=True, mode="index"):
        if not t.stopped:
            seen[t.text].append((t.pos, t.startchar, t.endchar))
    return dict(seen)


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in FIXTURE_TEXTS] + TRICKY)
def test_fused_analysis_yields_the_chains_terms_positions_and_offsets(text):
    assert index_occurrences(text) == chain_occurrences(text)


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in FIXTURE_TEXTS] + TRICKY)
def test_a_few_terms_spans_are_the_chains(text):
    """term_spans (snippets: the matched words' spans) against the filter chain, in its order."""
    chain = chain_occurrences(text)
    terms = sorted(chain)
    for wanted in (set(terms), set(terms[::3]), set(terms[1:2]) | {"nosuchterm"}, set()):
        spans = {t: [(start, end) for _, start, end in chain[t]] for t in wanted if t in chain}
        assert term_spans(text, frozenset(wanted)) == spans


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in FIXTURE_TEXTS] + TRICKY)
def test_index_positions_are_the_chains_positions(text):
    """The split-and-map path (ASCII) and the exact loop (other text) against the chain."""
    chain = chain_occurrences(text)
    assert index_positions(text) == {term: [o[0] for o in found] for term, found in chain.items()}
    assert list(index_positions(text)) == list(chain)  # and terms in the chain's order


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in FIXTURE_TEXTS] + TRICKY)
def test_story_values_are_what_whooshs_positions_format_yields(text):
    """Frequencies, weights with a field boost, and varint values, as Whoosh's own
    Positions.word_values gives them through the filter chain and StoryPositions.encode."""
    fmt = StoryPositions(field_boost=2.5)
    chain = sorted(Positions.word_values(fmt, text, story_analyzer(), mode="index"))
    assert sorted(story_values(text, 2.5)) == chain
    assert sorted(fmt.postings(text, story_analyzer())) == sorted(
        (term.encode("utf-8"), n, weight, value) for term, n, weight, value in chain
    )


def test_fused_analysis_can_tell_a_difference():
    assert index_occurrences("cost-effective plans") != index_occurrences("cost effective plans")


def corpus_copy(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for i, path in enumerate(FIXTURE_TEXTS * 3):
        (root / f"{i:03d}_{path.name}").write_bytes(path.read_bytes())
    (root / "broken.txt").write_bytes(b"\xff\xfe not UTF-8 \x81")
    return root


def test_parsing_in_worker_processes_gives_the_same_stories_in_order(tmp_path):
    root = corpus_copy(tmp_path)
    chrome = ChromeLines.from_texts(iter_story_texts(root))
    one = list(parsed_corpus(root, chrome, 1))
    two = list(parsed_corpus(root, chrome, 2))
    assert one == two
    plain = [chrome.clean(s) if isinstance(s, Story) else s for s in iter_corpus_stories(root)]
    assert one == plain
    assert any(isinstance(s, tuple) and s[0] == "broken.txt" for s in one)
    assert sum(isinstance(s, Story) for s in one) == len(FIXTURE_TEXTS) * 3

"""Per-source recurring lines (indexer.chrome): counted over the corpus at reindex,
dropped from the stories of that source only."""

from pathlib import Path

from indexer.chrome import ChromeCounter, ChromeLines, line_key
from indexer.ingest import reindex
from indexer.searching import WhooshSearch
from indexer.story import Story

CHROME = "The Daily Planet has served the valley since 1901 and thanks every reader."


def body(i: int, extra: str = CHROME) -> str:
    return f"The council met on day {i} and voted on plan number {i} after a long debate.\n\n{extra}"


def test_a_line_in_five_stories_of_one_source_is_chrome():
    counter = ChromeCounter()
    for i in range(5):
        counter.add("Daily Planet", body(i))
    chrome = counter.chrome()
    assert chrome.is_chrome("Daily Planet", CHROME)
    assert not chrome.is_chrome("Daily Planet", body(0).split("\n")[0])
    assert not chrome.is_chrome("Other Times", CHROME)


def test_four_stories_or_copies_of_one_story_are_not_enough():
    counter = ChromeCounter()
    for i in range(4):
        counter.add("Daily Planet", body(i))
    for _ in range(10):
        counter.add("Daily Planet", body(0))  # the same story scraped again
    counter.add("", body(99))  # no source: not counted
    assert not counter.chrome().is_chrome("Daily Planet", CHROME)


def test_memory_stays_bounded_and_recurring_lines_survive():
    counter = ChromeCounter(max_keys=50)
    for i in range(400):
        counter.add("Daily Planet", body(i))
        assert len(counter.counts) <= 51
    assert counter.chrome().is_chrome("Daily Planet", CHROME)


def test_clean_drops_the_line_and_rederives_a_derived_title():
    chrome = ChromeLines(frozenset({line_key("Daily Planet", CHROME)}))
    story = Story(
        id="x", title=CHROME, body=f"{CHROME}\n\n{body(1, 'Second paragraph.')}", source="Daily Planet"
    )
    cleaned = chrome.clean(story)
    assert CHROME not in cleaned.body
    assert cleaned.title.startswith("The council met on day 1")
    # a story of another source, or one that would be left empty, is unchanged
    assert chrome.clean(story.replace(source="Other Times")) == story.replace(source="Other Times")
    only = Story(id="y", title="T", body=CHROME, source="Daily Planet")
    assert chrome.clean(only) == only


def write(root: Path, name: str, source: str, text: str) -> None:
    (root / name).write_text(f"Title: Story {name}\nSource: {source}\n\n{text}\n", encoding="utf-8")


def test_reindex_drops_a_sites_recurring_line(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(6):
        write(root, f"planet{i}.txt", "Daily Planet", body(i))
    for i in range(3):
        write(root, f"times{i}.txt", "Other Times", body(i + 10))
    reindex(root, tmp_path / "index")
    search = WhooshSearch(tmp_path / "index")
    try:
        planet = search.get_story("planet0")
        times = search.get_story("times0")
        assert planet is not None and times is not None
        assert CHROME not in planet.body
        assert planet.body.startswith("The council met on day 0")
        assert CHROME in times.body  # three stories of that source: not chrome
    finally:
        search.close()

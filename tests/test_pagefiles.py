"""indexer.pagefiles: the page files `wire add` is given, checked before anything is read."""

from pathlib import Path

import pytest

from indexer.pagefiles import PagePathError, check_page_paths

PAGES = Path(__file__).parent / "fixtures" / "pages"
HARBOUR = PAGES / "harbour-strike.html"
GLACIER = PAGES / "glacier-survey.htm"


@pytest.mark.parametrize(
    "paths, url",
    [
        ([HARBOUR], None),
        ([HARBOUR, GLACIER], None),
        ([PAGES], None),
        ([HARBOUR], "https://one.example/x"),
        ([Path("-")], "https://one.example/x"),
    ],
)
def test_pages_that_can_be_added(paths, url):
    check_page_paths(paths, url)


@pytest.mark.parametrize(
    "paths, url, message",
    [
        ([HARBOUR, PAGES / "nowhere.html"], None, f"no such file or folder: {PAGES / 'nowhere.html'}"),
        ([PAGES / "a.html", PAGES / "b"], None, f"no such file or folder: {PAGES / 'a.html'}, {PAGES / 'b'}"),
        ([HARBOUR, GLACIER], "https://one.example/x", "--url names one page: give a single file (or -)"),
        ([PAGES], "https://one.example/x", "--url names one page: give a single file (or -)"),
        # a missing file is said first, whatever else is wrong
        (
            [PAGES / "nowhere.html", HARBOUR],
            "https://x.example/",
            f"no such file or folder: {PAGES / 'nowhere.html'}",
        ),
    ],
)
def test_pages_that_cannot_be_added(paths, url, message):
    with pytest.raises(PagePathError) as caught:
        check_page_paths(paths, url)
    assert str(caught.value) == message

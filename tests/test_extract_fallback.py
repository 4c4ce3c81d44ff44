"""HTML pages (issue 8): `indexer.extract_html`, and no real article skipped as
"no article text" when trafilatura's precision mode finds nothing."""

from pathlib import Path

import pytest

import indexer
from indexer.story import BadStoryError

PAGES = Path(__file__).parent / "fixtures" / "pages"
STORY = (
    "<p>The ferry to the island resumed on Monday after a week of repairs, officials said, "
    "and the first boat left at nine in the morning.</p>"
    "<p>Passengers said they were relieved to travel again after the long wait.</p>"
)


def test_extract_html_is_importable_from_indexer():
    from indexer import extract_html

    assert extract_html is indexer.extract_html
    assert callable(extract_html)


@pytest.mark.parametrize(
    "html",
    [
        # precision mode drops <aside> and <nav>; recall mode keeps them
        f"<html><body><aside>{STORY}</aside></body></html>",
        f"<html><body><nav>{STORY}</nav></body></html>",
        # inside a block trafilatura takes for comments: the page's own <article> is read
        f'<html><body><div id="comments"><article>{STORY}</article></div></body></html>',
        f'<html><body><div id="comments"><div itemprop="articleBody">{STORY}</div></div></body></html>',
    ],
)
def test_article_text_found_by_a_fallback(html):
    story = indexer.extract_html(html)
    assert story.body.startswith("The ferry to the island resumed on Monday")
    assert "Passengers said they were relieved" in story.body


def test_a_page_without_an_article_is_still_skipped():
    with pytest.raises(BadStoryError, match="no article text"):
        indexer.extract_html((PAGES / "no-article.html").read_bytes())

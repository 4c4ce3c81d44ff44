"""Pure HTML page -> Story: decode, parse once, read metadata, extract the article text.

The main text comes from trafilatura (favor_precision, no comments); page junk it
leaves behind is dropped here; wire rules (dateline, sign-off, boilerplate lines,
title fallback) are applied by `indexer.wire.story_from_text`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from . import dateguess, htmlmeta
from .encoding import decode_html, read_page_bytes, sniff_binary
from .limits import MAX_PAGE_BYTES
from .story import BadStoryError, Story
from .wire import story_from_text

__all__ = ["MAX_PAGE_BYTES", "extract_body", "extract_html", "page_id", "parse_html", "read_page_bytes"]

# Hex digits of the sha256 of the page bytes that make a story id.
ID_HEX_CHARS = 16

# trafilatura settings, measured on the shared article-extraction benchmark
# (bench/extract.py): precision over recall, and reader comments are not the story.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "output_format": "txt",
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "with_metadata": False,
    "deduplicate": False,
}

# The parser trafilatura itself uses: comments and processing instructions out,
# bytes always read as UTF-8 (we decode first, so a stale <meta charset> cannot lie).
PARSER_OPTIONS: dict[str, Any] = {
    "collect_ids": False,
    "default_doctype": False,
    "encoding": "utf-8",
    "remove_comments": True,
    "remove_pis": True,
}

# A page must have at least one tag-like "<x" or "<!" in its first part to be HTML.
TAG_RE = re.compile(r"<[A-Za-z!]")
TAG_WINDOW = 64 * 1024
# C0 controls other than tab/newline/carriage return: invalid in HTML text, and
# libxml2 mangles some of them.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# libxml2 drops content after some malformed doctypes (lxml bug 1955915); HTML needs none.
DOCTYPE_RE = re.compile(r"\A\s*<!doctype[^>]*>", re.IGNORECASE)
# When precision finds nothing: trafilatura's recall mode, then the article element itself.
RECALL_OPTIONS: dict[str, Any] = {**TRAFILATURA_OPTIONS, "favor_precision": False, "favor_recall": True}
ARTICLE_XPATH = "//article|//*[@itemprop='articleBody']|//*[@role='article']"

# Page widgets trafilatura lets through as stand-alone paragraphs (matched in full,
# case-insensitive). Ad labels, "Read more", share/subscribe prompts, bylines and
# photo credits are wire.BOILERPLATE_PATTERNS' job; these are what only web pages have.
WIDGET_LINE_PATTERNS = [
    # comment and tag widget headings: "Comments", "12 comments", "Tags", "Filed under: X |"
    r"(?:\d+\s+)?comments?|tags?|filed under:?.{0,80}",
    # recommendation-box headings
    r"you (?:may|might) also like\W*|don'?t miss|most (?:read|popular|viewed|shared)\b.{0,40}",
    r"more:|also:|see more:.{0,150}|related posts?:.{0,150}|\[related:.{0,150}\]",
    # reader-feedback and share prompts
    r"tell us what you think\W*|like this (?:story|article)\? share it.{0,30}",
    # source and reading-time labels
    r"source: .{0,40}|(?:reading time|tempo de leitura|lesezeit):? .{0,20}",
]
WIDGET_LINE_RE = re.compile("|".join(f"(?:{p})" for p in WIDGET_LINE_PATTERNS), re.IGNORECASE)

# Fewer letters and digits than this is a menu or a caption, not an article ("Home",
# "Photos"); counted in characters, not words, because Chinese and Japanese use no spaces.
MIN_BODY_CHARS = 20
NON_WORD_RE = re.compile(r"\W+")

# libxml2's error when a page nests elements deeper than it will follow (256 levels);
# everything after that point is lost, so the parse cannot be trusted.
DEPTH_ERROR = "Excessive depth"


def page_id(raw: bytes) -> str:
    """Content address of a page: the first 16 hex digits of sha256 of its bytes."""
    return hashlib.sha256(raw).hexdigest()[:ID_HEX_CHARS]


def check_page_bytes(raw: bytes) -> None:
    """Raise BadStoryError when the bytes cannot be an HTML page."""
    if not raw.strip():
        raise BadStoryError("empty page")
    if len(raw) > MAX_PAGE_BYTES:
        raise BadStoryError(f"page is {len(raw):,} bytes, over the {MAX_PAGE_BYTES:,}-byte limit")
    kind = sniff_binary(raw)
    if kind:
        raise BadStoryError(f"not HTML: looks like {kind}")


def parse_html(text: str) -> HtmlElement:
    """The lxml tree of a decoded page; BadStoryError when it is not (usable) HTML."""
    if not TAG_RE.search(text, 0, TAG_WINDOW):
        raise BadStoryError("not HTML: no tags found")
    text = DOCTYPE_RE.sub("", CONTROL_CHARS_RE.sub("", text), count=1)
    parser = HTMLParser(**PARSER_OPTIONS)  # one per call: its error_log is ours alone
    try:
        tree = document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.LxmlError, ValueError) as err:
        raise BadStoryError(f"not HTML: the parser failed ({err})") from err
    if any(DEPTH_ERROR in e.message for e in parser.error_log):
        raise BadStoryError("HTML nested too deeply (over 255 levels): the parser stops there")
    return tree


def extract_body(tree: HtmlElement) -> str:
    """Main text of a parsed page, paragraphs separated by blank lines ("" if none).

    trafilatura's precision mode first; when it finds nothing, its recall mode, then
    the text of the page's own article element, before the page counts as having none.
    """
    for options in (TRAFILATURA_OPTIONS, RECALL_OPTIONS):
        try:
            text = trafilatura.extract(tree, **options)
        # trafilatura walks the tree recursively in places; libxml2 caps depth, this is the backstop.
        except RecursionError as err:
            raise BadStoryError("HTML nested too deeply to extract") from err
        body = clean_lines((text or "").splitlines())
        if has_article_text(body):
            return body
    return clean_lines(article_element_lines(tree))


def clean_lines(lines: Iterable[str]) -> str:
    """Stripped non-empty lines without page widgets, as blank-line-separated paragraphs."""
    stripped = (line.strip() for line in lines)
    return "\n\n".join(line for line in stripped if line and not is_widget_line(line))


def has_article_text(body: str) -> bool:
    """Enough letters and digits to be a story, not a menu or a caption."""
    return len(NON_WORD_RE.sub("", body)) >= MIN_BODY_CHARS


def article_element_lines(tree: HtmlElement) -> list[str]:
    """The paragraphs of the page's largest article element (<article>, itemprop=articleBody)."""
    best: list[str] = []
    for element in tree.xpath(ARTICLE_XPATH):
        blocks = element.xpath(".//p|.//h2|.//h3|.//li|.//blockquote") or [element]
        lines = [" ".join(b.text_content().split()) for b in blocks]
        if sum(map(len, lines)) > sum(map(len, best)):
            best = lines
    return best


def is_widget_line(line: str) -> bool:
    """True for a stand-alone page-widget label such as "Comments" or "You may also like"."""
    return WIDGET_LINE_RE.fullmatch(line) is not None


def drop_headline(body: str, headlines: list[str]) -> str:
    """The body without a leading paragraph that repeats the headline (so a dateline leads)."""
    first, _, rest = body.partition("\n\n")
    folded = {" ".join(h.split()).casefold() for h in headlines if h}
    return rest if rest and " ".join(first.split()).casefold() in folded else body


def extract_html(html: bytes | str, *, url: str | None = None) -> Story:
    """A Story from one HTML page; BadStoryError with the reason when there is none."""
    raw = html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html
    check_page_bytes(raw)
    tree = parse_html(html if isinstance(html, str) else decode_html(raw))
    page_url = url or htmlmeta.find_url(tree)
    site = htmlmeta.find_site_name(tree, page_url)
    title = htmlmeta.find_title(tree, site, page_url)
    date = htmlmeta.find_date(tree, page_url)
    headlines = [title, htmlmeta.first_text(tree, "h1")]
    body = drop_headline(extract_body(tree), headlines)
    if not has_article_text(body):
        raise BadStoryError("no article text found")
    # trafilatura chose the article: lines above its first paragraph are not chrome
    story = story_from_text(
        body, id=page_id(raw), title=title, date=date, url=page_url, source=site, chrome_above=False
    )
    # htmldate's guess ranks below the story's own dateline, which story_from_text read.
    if story.date is None and (guessed := dateguess.guess_date(tree, page_url)):
        story = story.replace(date=guessed)
    return story

"""Pure page metadata from a parsed HTML tree: headline, publication date, URL, site.

Each field has an ordered list of sources (constants below); the first that gives
a usable value wins. Nothing here fetches, reads the clock or guesses a year.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from lxml.html import HtmlElement

# --- JSON-LD ---------------------------------------------------------------------------

# schema.org types whose `headline` and `datePublished` are the story's own.
ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "BackgroundNewsArticle",
    "OpinionNewsArticle",
    "ReviewNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
}
# Hand-written JSON-LD often has trailing commas ("a", ]); retried without them.
JSONLD_TRAILING_COMMA_RE = re.compile(r",\s*(?=[\]}])")
# JSON-LD nested deeper than this is not metadata; stop walking.
MAX_JSONLD_DEPTH = 8

# --- headline ----------------------------------------------------------------------------

# Meta tags naming the headline, best first (og:title may still carry the site name).
TITLE_META = ["og:title", "twitter:title", "sailthru.title", "parsely-title", "dc.title", "title"]
# What sites put between headline and site name in <title>: "Headline | Site".
# A character reference left in text after parsing: the page escaped it twice.
ENTITY_RE = re.compile(r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|[a-zA-Z]{2,8});")
TITLE_SEPARATORS_RE = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")

# --- dates -----------------------------------------------------------------------------------

# Meta tags (name=, property= or itemprop=) holding the publication date, best first.
DATE_META = [
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
    "article.published",
    "cxenseparse:recs:publishtime",
    "pdate",  # The New York Times: "20191119"
    "ptime",
]
# Elements whose class marks the visible publication date: "publish-date",
# "article-publish-date", "entry-date", "post_date". Their text is read (short ones only).
DATE_CLASS_RE = re.compile(r"(?:publish(?:ed)?|entry|post|article)[-_]?date|pubdate|date-?published", re.I)
MAX_DATE_TEXT_CHARS = 120
# A date written year first: 2024-02-19, 2024/02/19, 2024.02.19, 20240219 (with a time after).
ISO_DATE_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)([-/.]?)(?P<m>[01]\d)\2(?P<d>[0-3]\d)(?!\d)")
# A date written with the month's name: "February 19, 2024", "19 Feb 2024".
MONTH_NAMES = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_ALT = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
NAMED_DATE_RE = re.compile(
    rf"\b(?:(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH_ALT})\.?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<m2>{_MONTH_ALT})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d))\b",
    re.IGNORECASE,
)
# Dates in URL paths: /2024/02/19/, /2024-02-19-slug, /20240219/.
# Also /2019/nov/18/ and a compact date ending a slug: /story-title-20191115/.
URL_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:[/_.-]|$)")
URL_NAMED_DATE_RE = re.compile(
    rf"/(?P<y>(?:19|20)\d\d)/(?P<m>{_MONTH_ALT})/(?P<d>[0-3]?\d)(?:[/_.-]|$)", re.I
)
URL_COMPACT_DATE_RE = re.compile(r"[/_-](?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?:[/_.-]|$)")


def meta_content(tree: HtmlElement, names: list[str]) -> Iterator[str]:
    """Non-empty content of <meta> tags named (name/property/itemprop) in `names`, in that order."""
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key:
                found.setdefault(key, []).append(content)
    for name in names:
        yield from found.get(name, [])


def jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, object]]:
    """Every JSON object in the page's JSON-LD blocks (lists and @graph unrolled)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip().removeprefix("<![CDATA[").removesuffix("]]>").rstrip(";")
        data = load_json(text)
        if data is not None:
            yield from walk_jsonld(data, 0)


def load_json(text: str) -> object:
    """Parsed JSON, retried without trailing commas; None when it is not JSON."""
    for attempt in (text, JSONLD_TRAILING_COMMA_RE.sub("", text)):
        try:
            return json.loads(attempt, strict=False)
        except (ValueError, RecursionError):  # RecursionError: absurdly nested arrays
            continue
    return None


def walk_jsonld(data: object, depth: int) -> Iterator[dict[str, object]]:
    """Dicts inside `data`: itself, list members and @graph members (depth-capped)."""
    if depth > MAX_JSONLD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from walk_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from walk_jsonld(data.get("@graph"), depth + 1)


def is_article(obj: dict[str, object]) -> bool:
    """True for a JSON-LD object typed as an article."""
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] in ARTICLE_TYPES for k in kinds)


def jsonld_field(tree: HtmlElement, field: str) -> str:
    """`field` as text from the JSON-LD: article-typed objects first, then any object."""
    values = [
        (not is_article(obj), value.strip())
        for obj in jsonld_objects(tree)
        if isinstance(value := obj.get(field), str) and value.strip()
    ]
    return min(values, key=lambda v: v[0])[1] if values else ""


def fold_space(text: str) -> str:
    """Runs of whitespace as one space, trimmed; entities a CMS escaped twice
    ("&#8220;We won&nbsp;it&#8221;" in og:title) decoded."""
    if "&" in text and ENTITY_RE.search(text):
        text = html.unescape(text)
    return " ".join(text.split())


def first_text(tree: HtmlElement, tag: str) -> str:
    """Text of the first `tag` element that has any, else ""."""
    for el in tree.iter(tag):
        text = fold_space(el.text_content())
        if text:
            return text
    return ""


def names_site(part: str, sites: list[str]) -> bool:
    """True when a <title> part is the site's name ("BBC News", "Reuters.com", "thehill")."""
    p = re.sub(r"\W", "", part.casefold())
    for site in sites:
        s = re.sub(r"\W", "", site.casefold())
        if p and s and (p == s or (p in s and len(p) >= 3) or (s in p and len(p) <= len(s) + 6)):
            return True
    return False


def strip_site_name(title: str, sites: list[str], headline: str = "", longest: bool = False) -> str:
    """The headline part of "Headline | Site": site parts dropped, then the <h1> or the longest part."""
    bounds = [0, *(i for m in TITLE_SEPARATORS_RE.finditer(title) for i in m.span()), len(title)]
    spans = list(zip(bounds[::2], bounds[1::2], strict=True))
    while len(spans) > 1 and names_site(title[slice(*spans[-1])], sites):
        spans.pop()
    while len(spans) > 1 and names_site(title[slice(*spans[0])], sites):
        spans.pop(0)
    rest = title[spans[0][0] : spans[-1][1]].strip()
    if len(spans) == 1:
        return rest
    stripped = rest != title.strip()
    if headline and not names_site(headline, sites) and headline.casefold() in rest.casefold():
        start = rest.casefold().index(headline.casefold())
        return rest[start : start + len(headline)]
    # With the site part unknown, the longest part is most likely the headline.
    return max((title[slice(*span)] for span in spans), key=len).strip() if longest and not stripped else rest


def site_hints(site_name: str, url: str) -> list[str]:
    """Names the site may go by in a <title>: og:site_name, the host, the host's main label."""
    host = url_part(url, "hostname").removeprefix("www.")
    labels = host.split(".")
    main = labels[-3] if len(labels) > 2 and len(labels[-2]) <= 3 else labels[-2] if len(labels) > 1 else ""
    return [h for h in (site_name, host, main) if h]


def find_title(tree: HtmlElement, site_name: str = "", url: str = "") -> str:
    """The headline: JSON-LD headline, og:title and kin, <h1>, <title>; site name removed."""
    h1 = first_text(tree, "h1")
    sites = site_hints(site_name, url)
    for candidate in [jsonld_field(tree, "headline"), *meta_content(tree, TITLE_META), h1]:
        title = fold_space(candidate)
        if title:
            return strip_site_name(title, sites, h1)
    return strip_site_name(first_text(tree, "title"), sites, longest=True)


def make_date(year: int, month: int, day: int) -> dt.date | None:
    """A date, or None when the numbers are not one."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_meta_date(value: str) -> dt.date | None:
    """The calendar date a meta value names (ISO, RFC 2822 or "Feb 19, 2024"); needs a year."""
    m = ISO_DATE_RE.search(value)
    if m:
        return make_date(int(m["y"]), int(m["m"]), int(m["d"]))
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        pass
    m = NAMED_DATE_RE.search(value)
    if m:
        month = MONTH_NAMES[(m["m1"] or m["m2"]).lower()]
        return make_date(int(m["y1"] or m["y2"]), month, int(m["d1"] or m["d2"]))
    return None


def url_part(url: str, part: str) -> str:
    """One part of a URL ("path", "hostname"), "" when the URL is malformed."""
    try:
        return getattr(urlsplit(url), part) or ""
    except ValueError:  # "http://[bad" is an invalid IPv6 host
        return ""


def date_from_url(url: str) -> dt.date | None:
    """The date in a URL path like /2024/02/19/ or /2024-02-19-slug, else None."""
    path = url_part(url, "path")
    for pattern in (URL_DATE_RE, URL_NAMED_DATE_RE, URL_COMPACT_DATE_RE):
        m = pattern.search(path)
        if m:
            month = int(m["m"]) if m["m"].isdigit() else MONTH_NAMES[m["m"].lower()]
            return make_date(int(m["y"]), month, int(m["d"]))
    return None


def date_candidates(tree: HtmlElement) -> Iterator[str]:
    """Date strings from the page, best source first."""
    yield jsonld_field(tree, "datePublished")
    yield from meta_content(tree, DATE_META)
    for el in tree.iter():
        if isinstance(el.tag, str) and (el.get("itemprop") or "").lower() == "datepublished":
            yield el.get("datetime") or el.get("content") or el.text_content()
    for el in tree.iter("time"):
        yield el.get("datetime") or ""
    for el in tree.iter():
        if isinstance(el.tag, str) and DATE_CLASS_RE.search(el.get("class") or ""):
            yield el.text_content()[:MAX_DATE_TEXT_CHARS]


def find_date(tree: HtmlElement, url: str = "") -> dt.date | None:
    """Publication date from the URL, JSON-LD, meta tags, then <time datetime>."""
    # A URL date is the publisher's own calendar day; page timestamps are often UTC,
    # a day later for evening stories in the Americas.
    if url and (date := date_from_url(url)):
        return date
    return next(filter(None, map(parse_meta_date, date_candidates(tree))), None)


def find_url(tree: HtmlElement) -> str:
    """The page's own address: <link rel=canonical>, else og:url, else ""."""
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rels and href.startswith(("http://", "https://")):
            return href
    return next(meta_content(tree, ["og:url"]), "")


def find_site_name(tree: HtmlElement, url: str = "") -> str:
    """The publishing site: og:site_name, else the URL's host without "www."."""
    name = next(meta_content(tree, ["og:site_name", "application-name"]), "")
    if name:
        return fold_space(name)
    return url_part(url, "hostname").removeprefix("www.")

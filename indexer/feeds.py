"""Saved searches as feeds: Atom (RFC 4287) and an OpenSearch description.

Pure: the web layer supplies the addresses (it knows its URLs) and the hits;
this module only writes the XML, with every element RFC 4287 requires.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ATOM_TYPE = "application/atom+xml"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
GENERATOR = "wire-search"
# What a feed says when it has no dated entry to take its time from.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Characters XML 1.0 cannot carry at all, even escaped (control characters, lone surrogates).
XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# OpenSearch limits (spec 1.1): ShortName 16 characters, Description 1024.
SHORT_NAME_CHARS = 16


@dataclass(frozen=True)
class FeedEntry:
    """One story in a feed: `id` a stable IRI, `summary_html` safe HTML."""

    id: str
    title: str
    link: str
    updated: dt.datetime | None  # None: undated, the feed's own time is used
    summary_html: str = ""
    author: str = ""
    via: str = ""  # the story's original address, when it has one


@dataclass(frozen=True)
class Feed:
    """A feed's identity and addresses, and its entries newest first."""

    id: str
    title: str
    self_url: str
    html_url: str
    entries: list[FeedEntry]
    subtitle: str = ""
    author: str = "Wire search"


def xml_text(value: str) -> str:
    """Text XML can hold: characters it forbids are dropped."""
    return XML_INVALID_RE.sub("", value)


def rfc3339(when: dt.datetime) -> str:
    """2024-02-19T00:00:00Z; a naive time is taken as UTC."""
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_time(day: dt.date | None) -> dt.datetime | None:
    """A story's date as the start of its day in UTC (stories carry no time)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


def feed_updated(entries: Iterable[FeedEntry]) -> dt.datetime:
    """The newest entry's time: stable until a newer story comes (never "now")."""
    return max((e.updated for e in entries if e.updated), default=EPOCH)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _link(parent: ET.Element, rel: str, href: str, mime: str | None = None) -> None:
    attrs = {"rel": rel, "href": href}
    if mime:
        attrs["type"] = mime
    _sub(parent, "link", **attrs)


def build_atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0: id, title, updated, author, links; per entry id,
    title, updated, an alternate link, and the snippet as an HTML summary."""
    updated = feed_updated(feed.entries)
    root = ET.Element("feed", xmlns=ATOM_NS)
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title)
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle)
    _sub(root, "updated", rfc3339(updated))
    _sub(_sub(root, "author"), "name", feed.author)
    _link(root, "self", feed.self_url, ATOM_TYPE)
    _link(root, "alternate", feed.html_url, "text/html")
    _sub(root, "generator", GENERATOR)
    for entry in feed.entries:
        item = _sub(root, "entry")
        _sub(item, "id", entry.id)
        _sub(item, "title", entry.title or "Untitled story")
        _sub(item, "updated", rfc3339(entry.updated or updated))
        if entry.author:
            _sub(_sub(item, "author"), "name", entry.author)
        _link(item, "alternate", entry.link, "text/html")
        if entry.via:
            _link(item, "via", entry.via)
        if entry.summary_html:
            _sub(item, "summary", entry.summary_html, type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def build_opensearch(
    short_name: str, description: str, html_template: str, atom_template: str, icon: str
) -> bytes:
    """An OpenSearch 1.1 description: browsers offer to add the search engine.

    Templates carry {searchTerms}, e.g. https://host/search?q={searchTerms}.
    """
    root = ET.Element("OpenSearchDescription", xmlns=OPENSEARCH_NS)
    _sub(root, "ShortName", short_name[:SHORT_NAME_CHARS])
    _sub(root, "Description", description)
    _sub(root, "InputEncoding", "UTF-8")
    _sub(root, "Image", icon, type="image/svg+xml", width="16", height="16")
    _sub(root, "Url", type="text/html", method="get", template=html_template)
    _sub(root, "Url", type=ATOM_TYPE, method="get", template=atom_template)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

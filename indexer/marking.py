"""Marking matches in story text: character spans in, HTML where only <mark> is markup.

Pure: the spans come from the index (the character offsets its postings store
for the terms a query matched), so the story page marks exactly what the result
snippets mark. The text is escaped piece by piece around the spans, so nothing
from the story can become markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

PARAGRAPH_BREAK_RE = re.compile(r"\n\s*\n")

Span = tuple[int, int]  # (startchar, endchar) into the text


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Spans sorted, overlapping ones joined: INDUS-X and its part INDUS are one mark."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged


def mark_text(text: str, spans: Iterable[Span], start: int = 0, end: int | None = None) -> str:
    """text[start:end] escaped, each span in <mark>; spans are offsets into `text`."""
    end = len(text) if end is None else end
    parts: list[str] = []
    at = start
    for s, e in merge_spans(spans):
        s, e = max(s, at), min(e, end)
        if s >= e:
            continue
        parts += [
            html.escape(text[at:s], quote=False),
            "<mark>",
            html.escape(text[s:e], quote=False),
            "</mark>",
        ]
        at = e
    parts.append(_escape(text[at:end]))
    return "".join(parts)


def paragraph_bounds(body: str) -> Iterator[Span]:
    """(start, end) of each paragraph: text between blank lines."""
    start = 0
    for m in PARAGRAPH_BREAK_RE.finditer(body):
        yield start, m.start()
        start = m.end()
    yield start, len(body)


def mark_paragraphs(body: str, spans: Iterable[Span] = ()) -> list[str]:
    """A story body as paragraphs of HTML, inner line breaks folded, spans in <mark>."""
    merged = merge_spans(spans)
    paragraphs = []
    for start, end in paragraph_bounds(body):
        if body[start:end].strip():
            inside = [(s, e) for s, e in merged if s < end and e > start]
            # escaping adds no whitespace and <mark> has none, so folding after marking is safe
            paragraphs.append(" ".join(mark_text(body, inside, start, end).split()))
    return paragraphs


def _escape(text: str) -> str:
    return html.escape(text, quote=False)

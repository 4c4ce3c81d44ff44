"""Where the story ends (pure): sign-offs and slugs, the junk after them, related links
under a heading, and the short non-sentence lines below the last paragraph."""

from __future__ import annotations

import functools
import re

from .agencies import normalise_agency
from .datelines import is_sentence
from .layout import BODY, DROPPED, Fate, Layout, is_content, is_headline
from .rules import SIGNOFF_PATTERNS, SIGNOFF_WINDOWS

# Words of a heading above related links: "ALSO READ", "Related Articles", "Most Popular".
RELATED_HEADING_WORDS = 4
CROSS_LINK = "cross-link"
DIGIT_RE = re.compile(r"\d")
# "NOTE: Full name is ..." closing a story is the story's.
NOTE_RE = re.compile(r"note\b", re.IGNORECASE)


def split_signoff(body: str) -> tuple[str, str, str]:
    """Remove trailing sign-offs; return (body, slug, agency named by the sign-off)."""
    slugs: list[str] = []
    agency = ""
    changed = True
    while changed:
        changed = False
        # sign-offs sit at the very end: search only the tail, not the whole story
        for pattern, window in zip(SIGNOFF_PATTERNS, SIGNOFF_WINDOWS, strict=True):
            m = pattern.search(body, max(0, len(body) - window))
            if m and m.start("slug") > 0:
                slugs.insert(0, " ".join(m["slug"].split()))
                agency = agency or normalise_agency(m.groupdict().get("agency") or "")
                body = body[: m.start()].rstrip()
                changed = True
                break
    return body, " ".join(slugs), agency


def body_fates(layout: Layout) -> list[Fate]:
    """The fates of the lines still in the story, in order."""
    return [fate for _, fate in layout.body if fate is not None and fate.fate == BODY]


def drop(fates: list[Fate], rule: str) -> None:
    for fate in fates:
        fate.fate, fate.rule = DROPPED, rule


@functools.lru_cache(maxsize=1024)
def is_signoff_line(text: str) -> bool:
    """True for a line holding or ending in a sign-off ("-- BERNAMA", "(Reporting by ...)")."""
    return bool(split_signoff(f"The story ends.\n{text}")[1])


def is_story_line(text: str) -> bool:
    """A line the story may end on: prose, content, or a sign-off."""
    return is_sentence(text) or is_content(text) or is_signoff_line(text) or NOTE_RE.match(text) is not None


def drop_after_signoff(layout: Layout) -> None:
    """Junk after a sign-off goes with it: "... PTI ABC" then "Tags: ..." lines."""
    fates = body_fates(layout)
    if not fates or is_sentence(fates[-1].text) or is_signoff_line(fates[-1].text):
        return  # the story ends on a sentence or on its sign-off: nothing follows one
    for k in range(len(fates) - 2, max(-1, len(fates) - 9), -1):
        after = fates[k + 1 :]
        if split_signoff(fates[k].text)[1] and not any(is_sentence(f.text) for f in after):
            drop(after, "after the sign-off")
            return


def drop_related_links(layout: Layout) -> None:
    """Headline-like lines under a heading such as "ALSO READ" are links to other stories."""
    under_heading = False
    for fate in layout.fates:
        if fate.fate == DROPPED and fate.rule == CROSS_LINK:
            under_heading = len(fate.text.split()) <= RELATED_HEADING_WORDS
        elif fate.fate == BODY:
            if under_heading and is_headline(fate.text) and not is_content(fate.text):
                drop([fate], "related link")
            else:
                under_heading = False


def drop_chrome_below(layout: Layout) -> None:
    """Short lines of words after the story's last real line are the page's footer;
    a line with a figure in it (a table row: "Revs 169.9 mln vs 161.7 mln") is the story's."""
    fates = body_fates(layout)
    last = next((k for k in range(len(fates) - 1, -1, -1) if is_story_line(fates[k].text)), -1)
    if last < 0 and not any(fate is None for _, fate in layout.body):
        return  # no prose at all: nothing to measure the end by
    tail = fates[last + 1 :]
    if any(DIGIT_RE.search(f.text) for f in tail):
        return
    drop(tail, "chrome below the story")

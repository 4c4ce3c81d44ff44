"""What an outlet changed in its copy of a wire story: a readable diff by paragraph.

Pure (difflib): the copy's paragraphs against the lead copy's, each one kept,
added, cut or reworded (a paragraph replaced by a similar one), plus whether the
headline changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .story import Story
from .syndication import text_words

# A replaced paragraph this similar (word-level ratio) to one of the lead's is "reworded".
REWORDED_RATIO = 0.6


@dataclass(frozen=True)
class Change:
    """One paragraph of the diff: kind is "kept", "added", "cut" or "reworded"."""

    kind: str
    text: str  # the copy's paragraph (the lead's for "cut")
    lead_text: str = ""  # for "reworded": the lead's paragraph
    words: list[tuple[str, str]] = field(default_factory=list)  # reworded: (op, words) runs


@dataclass(frozen=True)
class CopyDiff:
    headline_changed: bool
    lead_title: str
    changes: list[Change]

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)

    @property
    def summary(self) -> str:
        """'2 paragraphs added, 1 cut, 1 reworded; headline changed' or 'same text'."""
        parts = [f"{self.count(k)} {k}" for k in ("added", "cut", "reworded") if self.count(k)]
        if self.headline_changed:
            parts.append("headline changed")
        return ", ".join(parts) or "same text"


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def _key(paragraph: str) -> str:
    """A paragraph as compared: typography and case aside."""
    return " ".join(text_words(paragraph))


def word_runs(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs turning old into new: op is "same", "del" or "ins"."""
    a, b = old.split(), new.split()
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            runs.append(("del", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(("ins", " ".join(b[j1:j2])))
        if op == "equal":
            runs.append(("same", " ".join(a[i1:i2])))
    return runs


def diff_copy(copy: Story, lead: Story) -> CopyDiff:
    """The copy's paragraphs against the lead copy's."""
    ours, theirs = paragraphs(copy.body), paragraphs(lead.body)
    matcher = difflib.SequenceMatcher(
        None, [_key(p) for p in theirs], [_key(p) for p in ours], autojunk=False
    )
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes += [Change("kept", p) for p in ours[j1:j2]]
            continue
        changes += _replaced(theirs[i1:i2], ours[j1:j2])
    headline_changed = _key(copy.title) != _key(lead.title)
    return CopyDiff(headline_changed, lead.title, changes)


def _replaced(old: list[str], new: list[str]) -> list[Change]:
    """Paragraphs the lead has here (old) and the copy has instead (new), paired when similar."""
    changes: list[Change] = []
    remaining = list(old)
    for paragraph in new:
        best, ratio = None, 0.0
        for candidate in remaining:
            r = difflib.SequenceMatcher(None, _key(candidate).split(), _key(paragraph).split()).ratio()
            if r > ratio:
                best, ratio = candidate, r
        if best is not None and ratio >= REWORDED_RATIO:
            cut_before = remaining[: remaining.index(best)]
            changes += [Change("cut", p) for p in cut_before]
            remaining = remaining[remaining.index(best) + 1 :]
            changes.append(Change("reworded", paragraph, best, word_runs(best, paragraph)))
        else:
            changes.append(Change("added", paragraph))
    changes += [Change("cut", p) for p in remaining]
    return changes

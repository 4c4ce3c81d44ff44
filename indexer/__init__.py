"""Wire-story search: parse scraped wire copy, index it with Whoosh, search it."""

from typing import Any

from .story import BadStoryError, Story
from .wire import parse_story

__all__ = ["BadStoryError", "Story", "extract_html", "parse_story"]


def __getattr__(name: str) -> Any:
    """`indexer.extract_html`, imported on first use (trafilatura is a heavy import)."""
    if name == "extract_html":
        from .extract import extract_html

        return extract_html
    raise AttributeError(f"module 'indexer' has no attribute {name!r}")

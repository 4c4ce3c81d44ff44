"""Wire-story search: parse scraped wire copy, index it with Whoosh, search it."""

from typing import Any

from .story import BadStoryError, Story

__all__ = ["BadStoryError", "Story", "extract_html", "parse_story"]


def __getattr__(name: str) -> Any:
    """`indexer.extract_html` and `indexer.parse_story`, imported on first use: trafilatura
    and the parser's rules are heavy imports, which commands such as `wire add --server`
    and every `import indexer.x` would otherwise pay."""
    if name == "extract_html":
        from .extract import extract_html

        return extract_html
    if name == "parse_story":
        from .wire import parse_story

        return parse_story
    raise AttributeError(f"module 'indexer' has no attribute {name!r}")

"""Wire-story search: parse scraped wire copy, index it with Whoosh, search it."""

from .story import BadStoryError, Story
from .wire import parse_story

__all__ = ["BadStoryError", "Story", "parse_story"]

"""htmldate's guess at a page's publication date, for pages with no structured date.

htmldate's extensive search hands text its own rules cannot read to dateparser; the
parser it gets here asks only the locales the text can be in (205 of them otherwise).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

import htmldate.extractors
from htmldate import find_date as htmldate_find_date
from lxml.html import HtmlElement

# htmldate, the last resort when the page has no structured date: fast mode (no
# free-text scan), publication not modification date, and a fixed upper bound so
# the answer never depends on today's date (its default is the end of today).
HTMLDATE_OPTIONS: dict[str, Any] = {
    "extensive_search": False,
    "original_date": True,
    "max_date": "2099-12-31",
}
# htmldate hands text its own rules cannot read to dateparser, which, given no language,
# tries each of its 205 locales in turn, compiling each one's regexes: about 2 s of a
# fresh `wire add` for a page with no date. A locale can only read letters it knows, so
# dateparser is asked in English and in the languages whose month or weekday names the
# text holds ("19 फ़रवरी 2024": Hindi), in its own order, at most MAX_DATE_LOCALES of them
# (52 locales call February "feb"): the dates it found before for 0.1-0.3 s.
DEFAULT_DATE_LANGUAGE = "en"
MAX_DATE_LOCALES = 8
# The keys of dateparser's locale data naming months and weekdays.
NAME_KEYS = (
    *("january", "february", "march", "april", "may", "june", "july"),
    *("august", "september", "october", "november", "december"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
)
# htmldate's own settings for its dateparser (htmldate.extractors.get_external_parser).
DATEPARSER_SETTINGS: dict[str, Any] = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}
NAME_WORD_RE = re.compile(r"[^\W\d_]+")


@cache
def date_name_locales() -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Each month and weekday name (lower case) with the dateparser locales that use it,
    and each locale's place in dateparser's own order (its most used first)."""
    from dateparser.languages.loader import default_loader

    names: dict[str, dict[str, None]] = {}
    order: dict[str, int] = {}
    for locale in default_loader.get_locales():
        order.setdefault(locale.shortname, len(order))
        for key in NAME_KEYS:
            for word in locale.info.get(key, []):
                for part in NAME_WORD_RE.findall(word.lower()):
                    names.setdefault(part, {})[locale.shortname] = None
    return {word: tuple(locales) for word, locales in names.items()}, order


def date_locales(text: str) -> tuple[str, ...]:
    """The locales worth asking about `text`, in dateparser's order: English and those
    naming a month or weekday in it, the first MAX_DATE_LOCALES."""
    names, order = date_name_locales()
    found = {
        DEFAULT_DATE_LANGUAGE,
        *(c for w in NAME_WORD_RE.findall(text.lower()) for c in names.get(w, ())),
    }
    return tuple(sorted(found, key=lambda c: order.get(c, len(order))))[:MAX_DATE_LOCALES]


@cache
def locale_parser(locales: tuple[str, ...]) -> Any:
    """A dateparser for these locales, tried in this order."""
    from dateparser import DateDataParser  # type: ignore[attr-defined]

    return DateDataParser(locales=list(locales), use_given_order=True, settings=DATEPARSER_SETTINGS)


class NamedLocaleParser:
    """htmldate's external date parser, asking only the locales a string can be in."""

    def get_date_data(self, text: str) -> Any:
        return locale_parser(date_locales(text)).get_date_data(text)


# htmldate looks its parser up by module name on each use (and imports dateparser there).
htmldate.extractors.get_external_parser = cache(NamedLocaleParser)


def guess_date(tree: HtmlElement, url: str = "") -> dt.date | None:
    """htmldate's guess at the publication date (for pages with no structured date)."""
    # Given a tree (never a URL string) htmldate fetches nothing and prunes a copy.
    found = htmldate_find_date(tree, url=url or None, **HTMLDATE_OPTIONS)
    if not found:
        # the extensive search trafilatura itself runs: slower, so only when the fast one found nothing
        found = htmldate_find_date(tree, url=url or None, **{**HTMLDATE_OPTIONS, "extensive_search": True})
    return dt.date.fromisoformat(found) if found else None

"""Every cap on input, in one place: what is refused, and why the number.

Over a cap, a file or record is skipped with its reason and the run goes on; a
request gets a clear error. README.md's "Limits" table lists these.
"""

from __future__ import annotations

# A scraped page, as given to `wire add` (and stored gzipped for reindex): no news
# page needs more; parse time and memory grow with it.
MAX_PAGE_BYTES = 20 * 1024 * 1024
# The same page once gunzipped (a gzip bomb stops here, before it fills memory).
MAX_GUNZIPPED_BYTES = MAX_PAGE_BYTES
# A story's text file in the corpus (header and body). Add and import refuse what
# reindex would refuse, so nothing is accepted that later goes unsearchable.
MAX_STORY_BYTES = 5_000_000
# One JSON Lines record: longer lines are skipped unread, so memory stays bounded.
MAX_JSON_LINE_BYTES = 2 * MAX_STORY_BYTES
# One Reuters SGML file, read whole (Reuters-21578's are 1.3 MB each).
MAX_SGML_BYTES = 256 * 1024 * 1024
# libxml2 follows elements nested this deep, then stops; a page past it is refused.
MAX_HTML_DEPTH = 255
# Seconds of extraction per page before it is skipped (checked between parser calls).
MAX_PAGE_SECONDS = 20
# A query string; longer is refused with a message.
MAX_QUERY_CHARS = 1000
# Filter values in a search URL (agency=, place=, year=) and their length: a crafted
# URL cannot make a huge filter query.
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 100
# Results on one page, and the deepest page: deep paging costs O(page * pagelen);
# past this, refine the query.
MAX_PAGELEN = 100
MAX_PAGE = 1000
# "Did you mean" looks at words up to this long: the corrector's work grows with the
# word's length (a 400-letter word took 23 s), and no real word is longer.
MAX_SPELL_WORD_CHARS = 30
# Words of a query that rank: a pasted paragraph keeps its first ones.
MAX_QUERY_TERMS = 64
# Seconds a search may spend ranking before it answers with the best hits so far.
MAX_SEARCH_SECONDS = 4.0

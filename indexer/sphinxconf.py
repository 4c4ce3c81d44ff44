"""Configuration files for Sphinx 2.2 / Manticore searchd: the shard and the distributed server.

Sphinx 2.2 has no CREATE TABLE: a real-time index exists because the config names it.
Each shard serves two generations of the story index (`stories_a`, `stories_b`) so a
rebuild fills one while searches read the other, and the first shard a one-row
`wire_meta` index naming the live generation (see indexer.sphinxwrite). The text
analysis mirrors indexer.analysis: stemmed English, Whoosh's stop words, words of two
letters or more, compounds (INDUS-X, AT&T, U.S) indexed whole and as their parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .querytext import INDEX_STOP_WORDS

GENERATIONS = ("a", "b")
META_INDEX = "wire_meta"
STOPWORDS_FILE = "stopwords.txt"

# Letters and digits; Latin-1, Latin Extended-A and Cyrillic folded to lower case,
# accents kept (as Whoosh's LowercaseFilter keeps them).
CHARSET_TABLE = (
    "0..9, A..Z->a..z, _, a..z, U+C0..U+D6->U+E0..U+F6, U+D8..U+DE->U+F8..U+FE, U+DF, "
    "U+E0..U+F6, U+F8..U+FF, U+100..U+17F/2, U+410..U+42F->U+430..U+44F, U+430..U+44F"
)

# The story index's schema: full-text fields, then attributes (filters, facets, display).
TEXT_FIELDS = ("title", "body", "agency", "place", "agency_inferred")
STRING_ATTRS = ("story_id", "data", "agency_facet", "place_facet", "place_key", "cluster", "outlet")
UINT_ATTRS = ("year", "day", "lead")
# the cluster id hashed: Sphinx 2.2 counts COUNT(DISTINCT) of a string attribute wrongly
BIGINT_ATTRS = ("cluster_id",)

STORY_INDEX = """
index {name}
{{
    type = rt
    path = {folder}/{name}
{fields}
{attrs}
    rt_mem_limit = 256M
    morphology = stem_en
    stopwords = {folder}/{stopwords}
    min_word_len = 2
    charset_table = {charset}
    dict = keywords
    min_prefix_len = 2
    blend_chars = -, &, U+2E
    blend_mode = trim_both, skip_pure
    index_exact_words = 1
}}
"""

META = """
index {name}
{{
    type = rt
    path = {folder}/{name}
    rt_field = note
    rt_attr_string = live
}}
"""

SEARCHD = """
searchd
{{
{listen}
    log = {folder}/searchd.log
    query_log = {folder}/query.log
    pid_file = {folder}/searchd.pid
    binlog_path = {binlog}
    workers = threads
    dist_threads = {dist_threads}
    expansion_limit = 128
    max_packet_size = 32M
    # the default backlog of 5 dropped connections under 16 clients: 1 s SYN retries
    listen_backlog = 256
{extra}}}
"""


def story_index_name(generation: str) -> str:
    """The index of one generation, the same name on the shards and the distributed server."""
    return f"stories_{generation}"


def _story_index(folder: Path, generation: str) -> str:
    fields = "\n".join(f"    rt_field = {f}" for f in TEXT_FIELDS)
    attrs = "\n".join(
        [f"    rt_attr_string = {a}" for a in STRING_ATTRS]
        + [f"    rt_attr_uint = {a}" for a in UINT_ATTRS]
        + [f"    rt_attr_bigint = {a}" for a in BIGINT_ATTRS]
    )
    return STORY_INDEX.format(
        name=story_index_name(generation),
        folder=folder,
        fields=fields,
        attrs=attrs,
        stopwords=STOPWORDS_FILE,
        charset=CHARSET_TABLE,
    )


def shard_config(folder: Path, sql_port: int, api_port: int, *, host: str = "127.0.0.1") -> str:
    """searchd.conf of one shard: both generations, the meta index, SphinxQL and API listeners.

    Writes the stop word list beside it (the config names it by path)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STOPWORDS_FILE).write_text("\n".join(sorted(INDEX_STOP_WORDS)) + "\n")
    indexes = "".join(_story_index(folder, g) for g in GENERATIONS)
    indexes += META.format(name=META_INDEX, folder=folder)
    listen = f"    listen = {host}:{sql_port}:mysql41\n    listen = {host}:{api_port}"
    return indexes + SEARCHD.format(listen=listen, folder=folder, binlog=folder, dist_threads=0, extra="")


def search_config(folder: Path, sql_port: int, agents: Sequence[str], *, host: str = "127.0.0.1") -> str:
    """searchd.conf of the distributed server: each generation fans out to every shard's
    API listener (`agents`: host:port); Manticore adds mirrors as `agent = a|b:port:index`."""
    folder.mkdir(parents=True, exist_ok=True)
    indexes = ""
    for g in GENERATIONS:
        name = story_index_name(g)
        # persistent: a connection per agent kept open, not one opened per query
        lines = "\n".join(f"    agent_persistent = {agent}:{name}" for agent in agents)
        indexes += f"\nindex {name}\n{{\n    type = distributed\n{lines}\n}}\n"
    listen = f"    listen = {host}:{sql_port}:mysql41"
    extra = "    persistent_connections_limit = 64\n"
    return indexes + SEARCHD.format(
        listen=listen, folder=folder, binlog="", dist_threads=len(agents), extra=extra
    )

"""Shared pieces of the benchmarks: the shared data folder, Reuters stories, engines, tables.

Every engine answers the same small interface (build from stories, search a
BenchQuery for the top hits with snippets, add one story), so the relevance and
speed benchmarks run identical workloads on each of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import math
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.imports import ImportRecord, read_reuters_sgml
from indexer.limits import MAX_QUERY_CHARS
from indexer.search import SearchRequest
from indexer.story import BadStoryError, Story
from indexer.wire import story_from_text

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Built benchmark indexes are kept here between runs, keyed by a hash of indexer/.
CACHE_ROOT = Path(tempfile.gettempdir()) / "wire-bench-cache"
SNIPPET_MARK = ("<mark>", "</mark>")
# Plain BM25 of the baseline: Lucene-style idf, no stemming, no stop words.
WORD_RE = re.compile(r"\w+")


def shared_data_dir() -> Path:
    """The shared data folder: $WIRE_SHARED_DATA, else ../shared/data beside the project."""
    return Path(os.environ.get("WIRE_SHARED_DATA") or PROJECT_ROOT / ".." / "shared" / "data").resolve()


def reuters_dir() -> Path:
    return shared_data_dir() / "reuters21578"


def story_topics() -> dict[str, str]:
    """story id -> its first topic label (from topics.qrels)."""
    topics: dict[str, str] = {}
    for line in (reuters_dir() / "relevance" / "topics.qrels").read_text().splitlines():
        topic, _, newid, _ = line.split()
        topics.setdefault(f"reuters-{newid}", topic)
    return topics


# The modules that decide what an index holds (searching.py does not): the cache key.
INDEX_SOURCES = (
    "analysis.py",
    "clusterstore.py",
    "index.py",
    "imports.py",
    "patches.py",
    "postcodec.py",
    "bulkwrite.py",
    "segments.py",
    "story.py",
    "storedfields.py",
    "whooshpin.py",
    "wire.py",
)


@functools.lru_cache(maxsize=1)
def indexer_source_hash() -> str:
    """A short hash of the index-building sources; $WIRE_BENCH_CACHE_KEY overrides it."""
    if os.environ.get("WIRE_BENCH_CACHE_KEY"):
        return os.environ["WIRE_BENCH_CACHE_KEY"]
    digest = hashlib.sha256()
    for name in INDEX_SOURCES:
        path = PROJECT_ROOT / "indexer" / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()[:12]


def cache_dir(*parts: str) -> Path:
    return CACHE_ROOT.joinpath(indexer_source_hash(), *parts)


# --- Reuters stories --------------------------------------------------------------------


def iter_reuters_records(folder: Path | None = None) -> Iterator[ImportRecord]:
    """Every usable record of reut2-*.sgm (decoded as latin-1)."""
    folder = folder or reuters_dir()
    for path in sorted(folder.glob("reut2-*.sgm")):
        for item in read_reuters_sgml(path.read_bytes().decode("latin-1")):
            if isinstance(item, ImportRecord):
                yield item


def load_reuters_stories(folder: Path | None = None) -> list[Story]:
    """The Reuters-21578 stories as the product indexes them (cleaned by story_from_text)."""
    stories = []
    for rec in iter_reuters_records(folder):
        try:
            story = story_from_text(rec.body, id=rec.id, title=rec.fields.get("title", ""), date=rec.date)
        except BadStoryError:
            continue
        stories.append(story.replace(source=rec.fields.get("source", "")))
    return stories


def story_to_json(story: Story) -> str:
    return json.dumps(story.to_dict(), ensure_ascii=False)


def story_from_json(line: str) -> Story:
    data = json.loads(line)
    data["date"] = dt.date.fromisoformat(data["date"]) if data.get("date") else None
    return Story(**data)


def write_stories(path: Path, stories: Iterable[Story]) -> int:
    """Stories as JSON Lines (the input every build worker reads); returns the count."""
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for story in stories:
            f.write(story_to_json(story) + "\n")
            n += 1
    return n


def read_stories(path: Path, limit: int | None = None) -> Iterator[Story]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            yield story_from_json(line)


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    """One query of a workload: the user's text, optionally a date range."""

    kind: str  # "word", "two words", "phrase", "field", "date range", "misspelling", ...
    text: str
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def words_of(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def fts5_or_query(text: str) -> str:
    """An FTS5 MATCH string: the text's words quoted and OR-ed (no syntax errors)."""
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words_of(text)))


# --- engines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    id: str
    snippet: str


class WireEngine:
    """This project: indexer.index.build_index and indexer.searching.WhooshSearch."""

    name = "wire (ours)"

    def __init__(self, folder: Path, ranking: object = None):
        self.folder = folder
        self.ranking = ranking  # an indexer.ranking.Ranking; None: the default
        self.backend = None
        self.uncached = None

    def build(self, stories: Iterable[Story], expected: int | None = None) -> None:
        from indexer.index import build_index

        build_index(self.folder, stories, expected=expected)

    def open(self) -> None:
        """Two backends on the index: the stock one, and one without a result cache (cold)."""
        from indexer.ranking import DEFAULT_RANKING
        from indexer.searching import WhooshSearch

        ranking = self.ranking or DEFAULT_RANKING
        self.backend = WhooshSearch(self.folder, ranking=ranking)
        self.uncached = WhooshSearch(self.folder, ranking=ranking, result_cache_size=0)

    def search(self, q: BenchQuery, limit: int = 10, cached: bool = True, **options: object) -> list[Found]:
        """Top hits with snippets; `cached=False` computes the search whatever came before."""
        request = SearchRequest(q.text, pagelen=limit, date_from=q.date_from, date_to=q.date_to, **options)
        results = (self.backend if cached else self.uncached).search(request)
        return [Found(h.id, h.snippet) for h in results.hits]

    def add(self, story: Story) -> None:
        from indexer.index import add_to_index, index_lock

        with index_lock(self.folder, wait=30):
            add_to_index(self.folder, [story])

    def close(self) -> None:
        for backend in (self.backend, self.uncached):
            if backend is not None:
                backend.close()


@dataclass(frozen=True)
class EvaluationRequest(SearchRequest):
    """A SearchRequest for a collection's query as given, over the 1,000-character cap too.

    CISI has ten queries of 1,006-2,023 characters, scored as given since before the
    cap existed (the library ranks their first 64 words and counts repeated words
    over the whole text); everything else is validated as the library does.
    """

    def validate(self) -> None:
        SearchRequest(**{**dataclasses.asdict(self), "query": self.query[:MAX_QUERY_CHARS]}).validate()


def ranked_ids(backend, text: str, limit: int = 1000) -> list[str]:  # type: ignore[no-untyped-def]
    """Story ids in the library's order, `limit` deep, every copy (no collapsing): the
    path of search() through the public iter_hits, without snippets."""
    request = EvaluationRequest(text, collapse=False)
    return [hit.id for hit in backend.iter_hits(request, limit, snippets=False)]


class SphinxEngine:
    """This project on Sphinx: indexer.sphinxwrite.SphinxWriter and indexer.sphinx.SphinxSearch
    over running servers (a BackendConfig naming them)."""

    name = "wire on sphinx"

    def __init__(self, folder: Path, config):  # type: ignore[no-untyped-def]
        self.folder = folder
        self.config = config
        self.backend = None

    def build(self, stories: Iterable[Story], expected: int | None = None) -> None:
        from indexer.backends import open_writer

        writer = open_writer(self.folder, self.config)
        writer.build(stories, expected=expected)
        writer.close()

    def open(self) -> None:
        from indexer.backends import open_search

        self.backend = open_search(self.folder, self.config)

    def search(self, q: BenchQuery, limit: int = 10, cached: bool = True, **options: object) -> list[Found]:
        """Top hits with snippets; every search is computed (the backend keeps no result
        cache), so `cached` changes nothing."""
        from indexer.search import SearchRequest

        request = SearchRequest(q.text, pagelen=limit, date_from=q.date_from, date_to=q.date_to, **options)
        return [Found(h.id, h.snippet) for h in self.backend.search(request).hits]

    def add(self, story: Story) -> None:
        from indexer.backends import open_writer

        writer = open_writer(self.folder, self.config)
        writer.add([story])
        writer.close()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


class Fts5Engine:
    """SQLite FTS5 through Python's sqlite3: bm25() ranking, snippet() for snippets."""

    name = "sqlite fts5"

    def __init__(self, folder: Path, tokenizer: str = "porter unicode61"):
        self.folder = folder
        self.tokenizer = tokenizer
        self.db: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self.folder / "fts5.db"

    def build(self, stories: Iterable[Story], expected: int | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute(
            "CREATE VIRTUAL TABLE stories USING fts5("
            f"id UNINDEXED, date UNINDEXED, title, body, tokenize='{self.tokenizer}')"
        )
        rows = ((s.id, s.date.isoformat() if s.date else None, s.title, s.body) for s in stories)
        with db:
            db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?)", rows)
        db.execute("INSERT INTO stories(stories) VALUES('optimize')")
        db.commit()
        db.close()

    def open(self) -> None:
        self.db = sqlite3.connect(self.path, check_same_thread=False)

    @staticmethod
    def match_string(text: str) -> str:
        """The user's text as FTS5 syntax: phrases and title: kept, words OR-ed and quoted."""
        phrase = re.fullmatch(r'\s*"([^"]+)"\s*', text)
        if phrase:
            return '"' + " ".join(words_of(phrase[1])) + '"'
        field = re.fullmatch(r"\s*(title|body):(.+)", text)
        if field:
            return f"{field[1]} : ({fts5_or_query(field[2])})"
        return fts5_or_query(text)

    def search(self, q: BenchQuery, limit: int = 10, snippets: bool = True) -> list[Found]:
        snippet = "snippet(stories, 3, '<mark>', '</mark>', ' … ', 24)" if snippets else "''"
        sql = f"SELECT id, {snippet} FROM stories WHERE stories MATCH ?"
        args: list[object] = [self.match_string(q.text)]
        if q.date_from or q.date_to:
            sql += " AND date BETWEEN ? AND ?"
            args += [(q.date_from or dt.date.min).isoformat(), (q.date_to or dt.date.max).isoformat()]
        sql += " ORDER BY bm25(stories) LIMIT ?"
        args.append(limit)
        return [Found(i, s) for i, s in self.db.execute(sql, args)]

    def add(self, story: Story) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO stories VALUES (?, ?, ?, ?)",
                (story.id, story.date.isoformat() if story.date else None, story.title, story.body),
            )

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


class TantivyEngine:
    """tantivy (Rust) through its Python package: en_stem text, SnippetGenerator snippets."""

    name = "tantivy"

    def __init__(self, folder: Path):
        self.folder = folder
        self.index = None

    def _schema(self):  # type: ignore[no-untyped-def]
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
        sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
        sb.add_date_field("date", stored=True, indexed=True, fast=True)
        return sb.build()

    @staticmethod
    def _document(story: Story):  # type: ignore[no-untyped-def]
        import tantivy

        doc = tantivy.Document(id=story.id, title=story.title, body=story.body)
        if story.date:
            doc.add_date("date", dt.datetime.combine(story.date, dt.time(), tzinfo=dt.UTC))
        return doc

    def build(self, stories: Iterable[Story], expected: int | None = None) -> None:
        import tantivy

        self.folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema(), path=str(self.folder))
        writer = index.writer(heap_size=256_000_000, num_threads=min(2, os.cpu_count() or 1))
        for story in stories:
            writer.add_document(self._document(story))
        writer.commit()
        writer.wait_merging_threads()

    def open(self) -> None:
        import tantivy

        self.index = tantivy.Index.open(str(self.folder))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def _query(self, q: BenchQuery):  # type: ignore[no-untyped-def]
        text = q.text
        if q.date_from or q.date_to:
            start = (q.date_from or dt.date(1900, 1, 1)).isoformat()
            end = (q.date_to or dt.date(2100, 1, 1)).isoformat()
            text = f"+({text}) +date:[{start}T00:00:00Z TO {end}T23:59:59Z]"
        return self.index.parse_query(text, ["title", "body"], field_boosts={"title": 2.0})

    def search(self, q: BenchQuery, limit: int = 10, snippets: bool = True) -> list[Found]:
        import tantivy

        query = self._query(q)
        hits = self.searcher.search(query, limit).hits
        gen = None
        if snippets:
            gen = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
            gen.set_max_num_chars(220)
        found = []
        for _score, address in hits:
            doc = self.searcher.doc(address)
            found.append(Found(doc["id"][0], gen.snippet_from_doc(doc).to_html() if gen else ""))
        return found

    def add(self, story: Story) -> None:
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        writer.add_document(self._document(story))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def close(self) -> None:
        self.index = None


class TutorialWhooshEngine:
    """Whoosh as its tutorial uses it: StemmingAnalyzer, default writer, a searcher per query."""

    name = "whoosh tutorial"

    def __init__(self, folder: Path):
        self.folder = folder
        self.ix = None

    def build(self, stories: Iterable[Story], expected: int | None = None) -> None:
        from whoosh import index
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import DATETIME, ID, TEXT, Schema

        schema = Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
            body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
            date=DATETIME(stored=True),
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(self.folder), schema)
        writer = ix.writer()
        for story in stories:
            writer.add_document(**self._document(story))
        writer.commit()

    @staticmethod
    def _document(story: Story) -> dict[str, object]:
        doc: dict[str, object] = {"id": story.id, "title": story.title, "body": story.body}
        if story.date:
            doc["date"] = dt.datetime.combine(story.date, dt.time())
        return doc

    def open(self) -> None:
        from whoosh import index

        self.ix = index.open_dir(str(self.folder))

    def search(self, q: BenchQuery, limit: int = 10, snippets: bool = True) -> list[Found]:
        from whoosh import query
        from whoosh.qparser import MultifieldParser

        qp = MultifieldParser(["title", "body"], self.ix.schema)
        parsed = qp.parse(q.text)
        if q.date_from or q.date_to:
            start = dt.datetime.combine(q.date_from, dt.time()) if q.date_from else None
            end = dt.datetime.combine(q.date_to, dt.time.max) if q.date_to else None
            parsed = query.And([parsed, query.DateRange("date", start, end)])
        with self.ix.searcher() as searcher:
            results = searcher.search(parsed, limit=limit)
            return [Found(hit["id"], hit.highlights("body") if snippets else "") for hit in results]

    def add(self, story: Story) -> None:
        writer = self.ix.writer()
        writer.add_document(**self._document(story))
        writer.commit()

    def close(self) -> None:
        if self.ix is not None:
            self.ix.close()


class PlainBM25:
    """The reference baseline: BM25 (k1=0.9, b=0.4), title+body as one field, \\w+ words, no stemming."""

    name = "plain BM25"

    def __init__(self, stories: Sequence[Story], k1: float = 0.9, b: float = 0.4):
        self.k1, self.b = k1, b
        self.ids = [s.id for s in stories]
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = []
        for docnum, story in enumerate(stories):
            counts = Counter(words_of(story.title + "\n" + story.body))
            self.lengths.append(sum(counts.values()))
            for word, tf in counts.items():
                self.postings[word].append((docnum, tf))
        self.avgdl = sum(self.lengths) / max(1, len(self.lengths))

    def ranked_ids(self, text: str, limit: int = 1000) -> list[str]:
        n_docs = len(self.ids)
        scores: dict[int, float] = defaultdict(float)
        for word in dict.fromkeys(words_of(text)):
            postings = self.postings.get(word, [])
            idf = math.log(1 + (n_docs - len(postings) + 0.5) / (len(postings) + 0.5))
            for docnum, tf in postings:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[docnum] / self.avgdl)
                scores[docnum] += idf * tf * (self.k1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [self.ids[d] for d, _ in best]


# --- reporting ----------------------------------------------------------------------------


def machine_info() -> dict[str, object]:
    """The machine a result was measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
    }


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def format_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            "  ".join(c.rjust(w) if _is_number(c) else c.ljust(w) for c, w in zip(row, widths, strict=True))
        )
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,]*\.?\d+x?|-", text))


# The engines of the speed benchmark, by the names --engines takes.
ENGINES = {
    "wire": WireEngine,
    "fts5": Fts5Engine,
    "tantivy": TantivyEngine,
    "tutorial": TutorialWhooshEngine,
}

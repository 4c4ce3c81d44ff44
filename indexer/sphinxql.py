"""A user's query read without Whoosh, and written as SphinxQL's extended query syntax.

The reading is the one indexer.queries gives Whoosh's parser: capitals make a
headline of words, AND/OR/NOT are operators in a query with lower-case letters, the
words of an implicit conjunction match any of them (BM25 ranks those with more of
them higher), metadata clauses and NOTs must hold, query stop words drop out of longer
queries, malformed syntax becomes plain words with a notice, and when nothing
matches as written the loose reading (all words, any of them) answers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .querytext import (
    FILTER_FIELDS,
    INDEX_STOP_WORDS,
    MIN_WILDCARD_PREFIX,
    QUERY_STOP_WORDS,
    QUERY_WORD_RE,
    is_strict_and,
    plain_words,
    trim_query,
)

TOKEN_RE = re.compile(
    r"""(?P<field>\w+):(?=\S)
      | (?P<phrase>"[^"]*"(?:~\d+)?)
      | (?P<range>[\[{][^\]}]*[\]}])
      | (?P<cmp>[<>]=?[^\s()]+)
      | (?P<open>\()
      | (?P<close>\))
      | (?P<word>[^\s()"]+)""",
    re.VERBOSE,
)
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
# What a word keeps: letters, digits, compound joiners, wildcards; the rest separates.
WORD_PART_RE = re.compile(r"\w(?:[\w*?]|[-&.](?=\w))*[*?]*")
COMPOUND_RE = re.compile(r"[-&.]")
DATE_FIELDS = {"date", "year"}
# Whoosh field names as the Sphinx index names its full-text fields.
TEXT_FIELDS = {"title": "title", "body": "body", "agency": "agency", "place": "place"}
TEXT_FIELDS["agency_inferred"] = "agency_inferred"
DEFAULT_FIELDS = "@(title,body)"
DATE_NOTICE = "Dates are written 2024, 2024-02 or 2024-02-19: searched for the words instead."
SYNTAX_NOTICE = "The query syntax was not understood: searched for the words instead."
NOT_ONLY_NOTICE = "A query needs a word to look for besides NOT: add one."


class QuerySyntaxError(ValueError):
    """The query cannot be read as written (it is then read as plain words)."""


@dataclass(frozen=True)
class Node:
    """One clause: a word, a phrase, a date range, or an operator over clauses."""

    kind: str  # word, phrase, range, and, or, not, maybe
    field: str = ""
    text: str = ""
    children: tuple[Node, ...] = ()
    span: tuple[int, int] = (0, 0)  # days (date.toordinal) for a range, both included

    @property
    def is_filter(self) -> bool:
        """Metadata clauses restrict rather than rank: they must match."""
        if self.kind in ("and", "or"):
            return all(c.is_filter for c in self.children)
        return self.kind == "range" or self.field in FILTER_FIELDS


@dataclass(frozen=True)
class SphinxQuery:
    """A request's text query for Sphinx: MATCH() text, day ranges, the fallback."""

    match: str  # "" when the query has no words
    days: tuple[tuple[int, int], ...] = ()  # every range must hold
    loose: str | None = None  # the loose reading, tried when `match` finds nothing
    notice: str | None = None
    words: tuple[str, ...] = field(default_factory=tuple)  # plain words, for snippets


# --- dates --------------------------------------------------------------------------------


def parse_day_span(text: str) -> tuple[int, int]:
    """2024, 2024-02 or 2024-02-19 as the days it covers (ordinals, both included)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text.strip())
    if not m:
        raise QuerySyntaxError(DATE_NOTICE)
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            d = dt.date(year, int(month), int(day))
            return d.toordinal(), d.toordinal()
        if month:
            first = dt.date(year, int(month), 1)
            after = dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
            return first.toordinal(), after.toordinal() - 1
        return dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
    except ValueError:
        raise QuerySyntaxError(DATE_NOTICE) from None


def range_node(kind: str, text: str) -> Node:
    """date:[a TO b], date:{a TO b}, date:>a, date:<=b, date:2024 as a day range."""
    if kind == "range":
        parts = re.split(r"\s+TO\s+", text[1:-1].strip(), flags=re.IGNORECASE)
        if len(parts) != 2:
            raise QuerySyntaxError(DATE_NOTICE)
        lo = parse_day_span(parts[0])[0] if parts[0].strip() else 1
        hi = parse_day_span(parts[1])[1] if parts[1].strip() else dt.date.max.toordinal()
        return Node("range", "date", span=(lo, hi))
    if kind == "cmp":
        op, value = re.match(r"([<>]=?)(.*)", text).groups()  # type: ignore[union-attr]
        lo, hi = parse_day_span(value)
        bounds = {">": (hi + 1, dt.date.max.toordinal()), ">=": (lo, dt.date.max.toordinal())}
        bounds.update({"<": (1, lo - 1), "<=": (1, hi)})
        return Node("range", "date", span=bounds[op])
    return Node("range", "date", span=parse_day_span(text))


# --- parsing -------------------------------------------------------------------------------


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; operators only as written in capitals."""
    tokens = []
    for m in TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        value = m.group(kind)
        if kind == "word" and value in OPERATORS:
            kind = "op"
        tokens.append((kind, value))
    return tokens


class Parser:
    """Recursive descent over tokens: OR binds loosest, then AND, then NOT."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.parse_or()
        if self.peek() is not None:
            raise QuerySyntaxError(SYNTAX_NOTICE)
        return node

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.peek() == ("op", "OR"):
            self.take()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Node("or", children=tuple(nodes))

    def parse_and(self) -> Node:
        nodes: list[Node] = []
        while (token := self.peek()) is not None and token[0] != "close" and token != ("op", "OR"):
            if token == ("op", "AND"):
                self.take()
                continue
            if token in (("op", "ANDNOT"), ("op", "ANDMAYBE")):
                self.take()
                if not nodes:
                    raise QuerySyntaxError(SYNTAX_NOTICE)
                other = self.parse_unary()
                if token[1] == "ANDNOT":
                    nodes.append(Node("not", children=(other,)))
                else:
                    nodes[-1] = Node("maybe", children=(nodes[-1], other))
                continue
            nodes.append(self.parse_unary())
        if not nodes:
            raise QuerySyntaxError(SYNTAX_NOTICE)
        return nodes[0] if len(nodes) == 1 else Node("and", children=tuple(nodes))

    def parse_unary(self) -> Node:
        if self.peek() == ("op", "NOT"):
            self.take()
            return Node("not", children=(self.parse_unary(),))
        return self.parse_atom("")

    def parse_atom(self, fieldname: str) -> Node:
        if self.peek() is None:
            raise QuerySyntaxError(SYNTAX_NOTICE)
        kind, value = self.take()
        if kind == "field":
            return self.parse_atom(value.lower())
        if fieldname in DATE_FIELDS and kind in ("word", "range", "cmp"):
            return range_node(kind, value)
        if kind == "open":
            node = self.parse_or()
            if self.peek() is None or self.take()[0] != "close":
                raise QuerySyntaxError(SYNTAX_NOTICE)
            return with_field(node, fieldname) if fieldname else node
        if kind == "phrase":
            return Node("phrase", fieldname, value)
        if kind in ("word", "op", "cmp"):
            return Node("word", fieldname, value)
        raise QuerySyntaxError(SYNTAX_NOTICE)


def with_field(node: Node, fieldname: str) -> Node:
    """A group's unfielded clauses given the group's field (title:(a b))."""
    if node.kind in ("word", "phrase"):
        return node if node.field else Node(node.kind, fieldname, node.text)
    return Node(node.kind, node.field, node.text, tuple(with_field(c, fieldname) for c in node.children))


# --- meaning --------------------------------------------------------------------------------


def is_stop_clause(node: Node) -> bool:
    return node.kind == "word" and node.text.lower() in QUERY_STOP_WORDS


def plan(node: Node, qstring: str) -> Node:
    """The match set of an implicit conjunction: any of its words, filters and NOTs required
    (queries.plan_query's reading, without the ranking tiers it leaves off by default)."""
    if node.kind != "and" or is_strict_and(qstring):
        return node
    required = [c for c in node.children if c.is_filter or c.kind == "not"]
    words = [c for c in node.children if c not in required]
    words = [w for w in words if not is_stop_clause(w)] or words
    if len(words) < 2:
        return (
            Node("and", children=(*words, *required))
            if len(words) + len(required) > 1
            else (words + required)[0]
        )
    return Node("and", children=(Node("or", children=tuple(words)), *required))


def loose_reading(node: Node) -> Node | None:
    """Every word OR-ed (phrases as words, operators ignored), top filters and NOTs kept."""
    words: dict[tuple[str, str], Node] = {}

    def collect(n: Node) -> None:
        if n.kind == "not" or n.is_filter:
            return
        if n.kind == "phrase":
            for w in n.text.strip('"').split('"')[0].split():
                words.setdefault((n.field, w.lower()), Node("word", n.field, w))
        elif n.kind == "word":
            words.setdefault((n.field, n.text.lower()), n)
        else:
            for c in n.children:
                collect(c)

    collect(node)
    if not words:
        return None
    tops = node.children if node.kind == "and" else ()
    required = [c for c in tops if c.kind == "not" or c.is_filter]
    loose = Node("or", children=tuple(words.values()))
    return Node("and", children=(loose, *required)) if required else loose


def day_ranges(node: Node) -> list[tuple[int, int]]:
    """The date clauses of a query; Sphinx filters attributes outside MATCH(), so a
    date inside an OR group is applied to the whole query (noted in the README)."""
    if node.kind == "range":
        return [node.span]
    return [r for c in node.children if c.kind != "not" for r in day_ranges(c)]


# --- writing Sphinx's syntax -------------------------------------------------------------


class Renderer:
    """Clauses as Sphinx extended syntax; notes what it had to change."""

    def __init__(self) -> None:
        self.notice: str | None = None
        self.words: list[str] = []

    def render(self, node: Node) -> str | None:
        if node.kind == "word":
            return self.word(node)
        if node.kind == "phrase":
            return self.phrase(node)
        if node.kind == "range":
            return None
        parts = [(c, p) for c in node.children if (p := self.render(c))]
        if not parts:
            return None
        if node.kind == "not":
            return f"-({parts[0][1]})"
        if node.kind == "maybe":
            return f"({parts[0][1]} MAYBE {parts[1][1]})" if len(parts) == 2 else parts[0][1]
        if node.kind == "or":
            return parts[0][1] if len(parts) == 1 else "(" + " | ".join(p for _, p in parts) + ")"
        if all(c.kind == "not" for c, _ in parts):
            raise QuerySyntaxError(NOT_ONLY_NOTICE)
        return parts[0][1] if len(parts) == 1 else "(" + " ".join(p for _, p in parts) + ")"

    def scope(self, fieldname: str, text: str) -> str:
        return (
            f"(@{TEXT_FIELDS[fieldname]} {text})"
            if fieldname in TEXT_FIELDS
            else f"({DEFAULT_FIELDS} {text})"
        )

    def word(self, node: Node) -> str | None:
        terms = [t for t in (self.term(p) for p in WORD_PART_RE.findall(node.text)) if t]
        if not terms:
            return None
        return self.scope(node.field, terms[0] if len(terms) == 1 else " ".join(terms))

    def term(self, part: str) -> str:
        literal = re.split(r"[*?]", part, maxsplit=1)[0]
        if literal != part and len(literal) < MIN_WILDCARD_PREFIX:
            self.notice = (
                f"Wildcards need at least {MIN_WILDCARD_PREFIX} letters before * or ?: searched without them."
            )
            part = re.sub(r"[*?]", "", part)
        if not part or part.lower() in INDEX_STOP_WORDS:
            return ""  # the index drops it (Sphinx would too; the query reads cleaner)
        self.words.append(re.sub(r"[*?]", "", part))
        pieces = [p for p in COMPOUND_RE.split(part) if len(p) > 1 and p.lower() not in INDEX_STOP_WORDS]
        if COMPOUND_RE.search(part) and pieces:
            # as Whoosh indexes a compound: matched whole or by all its parts
            return f"({part} | ({' '.join(pieces)}))"
        return part

    def phrase(self, node: Node) -> str | None:
        m = re.fullmatch(r'"([^"]*)"(~\d+)?', node.text)
        inner, slop = (m.group(1), m.group(2) or "") if m else (node.text, "")
        words = QUERY_WORD_RE.findall(inner)
        if not words:
            return None
        self.words.extend(words)
        return self.scope(node.field, f'"{" ".join(words)}"{slop}')


def _parse(text: str, qstring: str) -> tuple[Node, Node]:
    tree = Parser(tokenize(text)).parse()
    return tree, plan(tree, qstring)


def read_query(qstring: str) -> SphinxQuery:
    """The user's query as MATCH() text, date ranges and a loose fallback, with a notice."""
    text, notice = trim_query(qstring)
    if not text.strip():
        return SphinxQuery("", notice=notice)
    renderer = Renderer()
    try:
        tree, planned = _parse(text, qstring)
        if planned.kind == "not":  # Sphinx cannot list every story without a word
            raise QuerySyntaxError(NOT_ONLY_NOTICE)
        match = renderer.render(planned) or ""
    except QuerySyntaxError as e:
        notice = (
            NOT_ONLY_NOTICE
            if str(e) == NOT_ONLY_NOTICE
            else str(e)
            if str(e) == DATE_NOTICE
            else SYNTAX_NOTICE
        )
        if notice == NOT_ONLY_NOTICE:
            return SphinxQuery("", notice=notice)
        text = plain_words(text)
        if not text:
            return SphinxQuery("", notice=notice)
        renderer = Renderer()
        tree, planned = _parse(text, text)
        match = renderer.render(planned) or ""
    loose_tree = loose_reading(tree)
    loose = Renderer().render(loose_tree) if loose_tree is not None else None
    return SphinxQuery(
        match,
        tuple(day_ranges(planned)),
        loose if loose and loose != match else None,
        notice or renderer.notice,
        tuple(dict.fromkeys(renderer.words)),
    )

"""Syndicated copies: which stories are one wire story carried by several outlets.

Pure: text in, fingerprints, pairs and clusters out; no I/O, no clock, no search
engine. A story's fingerprint is the set of its word 5-shingles (after the
typography and case of each site are normalised away), a MinHash signature of
that set and the signature's LSH band keys. Stories sharing a band key are
candidates; a candidate pair is a copy when the exact containment of the shingle
sets is high (a trimmed copy is contained in the full one) and, where both are
dated, they are at most a few days apart. Copies are joined by union-find; each
cluster's id is the id of its lead copy. Thresholds are set by `bench/dedup.py`.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# --- rules (measured with bench/dedup.py; README "Syndicated copies") ---------------------

SHINGLE_WORDS = 5
NUM_PERM = 128
# 64 bands of 2 rows: a pair with Jaccard 0.2 becomes a candidate with p=0.93, 0.1: 0.48,
# so trimmed copies (high containment, low Jaccard) are still found; the exact check
# afterwards rejects the rest.
BANDS = 64
ROWS = NUM_PERM // BANDS
# A pair is a copy when this share of the smaller story's shingles is in the other one.
MIN_CONTAINMENT = 0.5
# ... and the two share at least this many shingles: two formula briefs ("Qtly div 25
# cts vs 25 cts prior. Pay May 4") share most of their ten shingles without being copies.
MIN_COMMON = 25
# Dated copies are at most this many days apart (a wire story is carried within days).
WINDOW_DAYS = 3
# Typography that differs from site to site, mapped to one form before shingling.
TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2026": "...",
    }
)
# Words, once apostrophes are dropped ("don't" and "don’t" both become "dont").
WORD_RE = re.compile(r"\w+")

_MASK64 = np.uint64(2**64 - 1)
# fixed constants: fingerprints must agree between runs (the state is saved)
_MIX_ADD, _MIX_1, _MIX_2 = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xBF58476D1CE4E5B9),
    np.uint64(0x94D049BB133111EB),
)
_BIN_SHIFT = np.uint64(64 - (NUM_PERM.bit_length() - 1))  # NUM_PERM is a power of two
_VALUE_MASK = np.uint64(2 ** (64 - (NUM_PERM.bit_length() - 1)) - 1)
_DENSIFY = np.uint64(0x2545F4914F6CDD1D)
_SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
_BAND_MULT = np.uint64(0xC2B2AE3D27D4EB4F)


# --- text to shingles ---------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """One spelling of a text whatever the site: typography, accents and case folded."""
    text = text.translate(TYPOGRAPHY)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.casefold()


def text_words(text: str) -> list[str]:
    """The words of a text as shingles see them."""
    return WORD_RE.findall(normalise_text(text).replace("'", ""))


class _WordHashes(dict[str, int]):
    """crc32 of each word, remembered (a dict hit is C speed; news vocabularies repeat)."""

    LIMIT = 500_000

    def __missing__(self, word: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()
        h = self[word] = zlib.crc32(word.encode())
        return h


_WORD_HASHES = _WordHashes()


def shingle_set(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 32-bit hashes of the text's k-word shingles (a short text: one shingle)."""
    words = text_words(text)
    if not words:
        return np.empty(0, dtype=np.uint32)
    hashes = np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))
    n = max(1, len(words) - k + 1)
    acc = np.zeros(n, dtype=np.uint64)
    for i in range(min(k, len(words))):
        acc = acc * _SHINGLE_MULT + hashes[i : i + n]
    return _sorted_unique((acc >> np.uint64(32)).astype(np.uint32))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (np.unique hashes, slower here, and imports numpy.ma: 30 ms)."""
    values.sort()
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if values.size else values


def minhash(shingles: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM uint64) of a shingle set; all ones when empty.

    One-permutation hashing (Li, Owen and Zhang, 2012): one hash per shingle, its top
    bits choose one of NUM_PERM bins and each bin keeps its minimum; an empty bin takes
    the next full bin's value, offset by the distance (rotation densification,
    Shrivastava and Li, 2014). One pass instead of NUM_PERM: the classic signature was
    most of the clustering time of a reindex.
    """
    if shingles.size == 0:
        return np.full(NUM_PERM, _MASK64, dtype=np.uint64)
    h = shingles.astype(np.uint64) + _MIX_ADD  # splitmix64's finaliser
    h = (h ^ (h >> np.uint64(30))) * _MIX_1
    h = (h ^ (h >> np.uint64(27))) * _MIX_2
    h ^= h >> np.uint64(31)
    h.sort()  # by bin (the top bits), then value: each bin's minimum comes first
    bins = (h >> _BIN_SHIFT).astype(np.intp)
    first = np.flatnonzero(np.concatenate(([True], bins[1:] != bins[:-1])))
    sig = np.full(NUM_PERM, _MASK64, dtype=np.uint64)
    sig[bins[first]] = h[first] & _VALUE_MASK
    full = np.flatnonzero(sig != _MASK64)
    if full.size < NUM_PERM:
        bins = np.arange(NUM_PERM)
        source = full[np.searchsorted(full, bins) % full.size]
        sig = sig[source] + ((source - bins) % NUM_PERM).astype(np.uint64) * _DENSIFY
    return sig


def band_keys(signature: np.ndarray) -> np.ndarray:
    """One 32-bit LSH key per band of ROWS signature values.

    A band takes bins BANDS apart (b, b + BANDS, ...), not neighbours: densification
    fills an empty bin from its neighbour, and a band of two copies of one value
    doubled the candidate pairs to check."""
    rows = signature.reshape(ROWS, BANDS).T
    acc = np.zeros(BANDS, dtype=np.uint64)
    for r in range(ROWS):
        acc = acc * _BAND_MULT + rows[:, r]
    return (acc >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class Fingerprint:
    """What clustering needs of one story's text."""

    shingles: np.ndarray  # sorted unique uint32
    keys: np.ndarray  # BANDS uint32


def fingerprint(body: str) -> Fingerprint:
    """Shingles and LSH band keys of a cleaned story body."""
    shingles = shingle_set(body)
    return Fingerprint(shingles, band_keys(minhash(shingles)))


def fingerprints(bodies: Sequence[str]) -> list[Fingerprint]:
    """`fingerprint` of many bodies at once, the same values: the numpy steps run over
    the whole batch (a few calls per batch instead of a few dozen per story)."""
    words = [
        np.fromiter(map(_WORD_HASHES.__getitem__, w), np.uint64, len(w)) for w in map(text_words, bodies)
    ]
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    shingles = _batch_shingles(words, lengths)
    signatures = _batch_minhash(shingles, len(bodies))
    keys = _batch_band_keys(signatures)
    return [Fingerprint(sh, k) for sh, k in zip(shingles, keys, strict=True)]


def _batch_shingles(words: list[np.ndarray], lengths: np.ndarray) -> list[np.ndarray]:
    """shingle_set of each story from its word hashes, the rolling hash over all at once."""
    k = SHINGLE_WORDS
    out = [np.empty(0, dtype=np.uint32)] * len(words)
    hashes = np.concatenate(words) if words else np.empty(0, dtype=np.uint64)
    n = hashes.size - k + 1
    if n > 0:
        acc = np.zeros(n, dtype=np.uint64)
        for i in range(k):
            acc = acc * _SHINGLE_MULT + hashes[i : i + n]
        seg = np.repeat(np.arange(len(words)), lengths)
        valid = np.flatnonzero(seg[:n] == seg[k - 1 :])  # windows inside one story
        packed = seg[valid].astype(np.uint64) << np.uint64(32) | (acc[valid] >> np.uint64(32))
        packed = _sorted_unique(packed)  # by story, then shingle
        story = (packed >> np.uint64(32)).astype(np.int64)
        values = (packed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        bounds = np.searchsorted(story, np.arange(len(words) + 1))
        out = [values[bounds[i] : bounds[i + 1]] for i in range(len(words))]
    for i in np.flatnonzero((lengths > 0) & (lengths < k)).tolist():  # one shingle of all words
        acc1 = np.zeros(1, dtype=np.uint64)
        for h in words[i]:
            acc1 = acc1 * _SHINGLE_MULT + h
        out[i] = (acc1 >> np.uint64(32)).astype(np.uint32)
    return out


def _batch_minhash(shingles: list[np.ndarray], count: int) -> np.ndarray:
    """`minhash` of each shingle set: a (count, NUM_PERM) array."""
    sig = np.full((count, NUM_PERM), _MASK64, dtype=np.uint64)
    sizes = np.fromiter(map(len, shingles), np.int64, count)
    if not sizes.any():
        return sig
    h = np.concatenate(shingles).astype(np.uint64) + _MIX_ADD
    h = (h ^ (h >> np.uint64(30))) * _MIX_1
    h = (h ^ (h >> np.uint64(27))) * _MIX_2
    h ^= h >> np.uint64(31)
    # each (story, bin) keeps its minimum; the top bits of a hash choose its bin
    cell = np.repeat(np.arange(count) * NUM_PERM, sizes) + (h >> _BIN_SHIFT).astype(np.int64)
    np.minimum.at(sig.reshape(-1), cell, h & _VALUE_MASK)
    full = sig != _MASK64
    patch = np.flatnonzero(~full.all(axis=1) & full.any(axis=1))
    if patch.size:  # densify: an empty bin takes the next full bin's value, offset by the distance
        bins = np.arange(NUM_PERM)
        at = np.where(full[patch], bins, 4 * NUM_PERM)
        twice = np.concatenate((at, at + NUM_PERM), axis=1)
        nxt = np.minimum.accumulate(twice[:, ::-1], axis=1)[:, ::-1][:, :NUM_PERM]
        rows = sig[patch]
        source = np.take_along_axis(rows, nxt % NUM_PERM, axis=1)
        sig[patch] = source + (nxt - bins).astype(np.uint64) * _DENSIFY
    return sig


def _batch_band_keys(signatures: np.ndarray) -> np.ndarray:
    """`band_keys` of each signature row."""
    acc = np.zeros((len(signatures), BANDS), dtype=np.uint64)
    for r in range(ROWS):
        acc = acc * _BAND_MULT + signatures[:, r * BANDS : (r + 1) * BANDS]
    return (acc >> np.uint64(32)).astype(np.uint32)


# --- deciding copies --------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    jaccard: float
    containment: float  # share of the smaller set found in the larger
    smaller: int  # shingles of the smaller set
    common: int  # shingles in both


def overlap(a: np.ndarray, b: np.ndarray) -> Overlap:
    """Exact Jaccard and containment of two shingle sets."""
    if a.size == 0 or b.size == 0:
        return Overlap(0.0, 0.0, 0, 0)
    common = np.intersect1d(a, b, assume_unique=True).size
    smaller = min(a.size, b.size)
    return Overlap(common / (a.size + b.size - common), common / smaller, smaller, common)


def is_copy(o: Overlap) -> bool:
    """The rule: most of the smaller story is in the other one."""
    return o.common >= MIN_COMMON and o.containment >= MIN_CONTAINMENT


def within_window(day_a: int, day_b: int) -> bool:
    """Dates as ordinals, 0 for unknown: an unknown date never rules a pair out."""
    return not day_a or not day_b or abs(day_a - day_b) <= WINDOW_DAYS


# --- clusters ------------------------------------------------------------------------------


class UnionFind:
    """Disjoint sets over 0..n-1, grown on demand."""

    def __init__(self, n: int = 0) -> None:
        self.parent = list(range(n))

    def grow(self, n: int) -> None:
        self.parent.extend(range(len(self.parent), n))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


@dataclass(frozen=True)
class Member:
    """What choosing a cluster's lead copy needs of a story."""

    id: str
    agency: str  # credited agency, "" when the outlet credits none
    day: int  # date ordinal, 0 when unknown
    length: int  # characters of the body


def lead_key(m: Member) -> tuple[int, int, int, str]:
    """Sort key of the lead copy: credited to an agency, then earliest, then longest."""
    return (0 if m.agency else 1, m.day or 10**9, -m.length, m.id)


def choose_lead(members: Sequence[Member]) -> Member:
    return min(members, key=lead_key)


def clusters_of(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """For each of n items, the smallest item of its cluster (union-find over the pairs)."""
    uf = UnionFind(n)
    for i, j in pairs:
        uf.union(i, j)
    return [uf.find(i) for i in range(n)]


def inferred_agency(member: Member, lead: Member) -> str:
    """The agency an uncredited copy takes from its credited lead, else ""."""
    return lead.agency if not member.agency and lead.agency else ""

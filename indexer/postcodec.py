"""The compact posting blocks: Whoosh's W3 codec with blocks of varints instead of pickles.

Whoosh's W3 codec writes each block of up to 128 postings as a pickled tuple of
(id deltas, weights, values), zlib-compressed, behind a pickled info tuple; in
protocol 2 every posting's value bytes pickle as a call of `codecs.encode` on a
latin-1 string. That was 24.5 bytes a body posting at 21,577 stories. Here a
block is a fixed 16-byte info header and, zlib-compressed when that is smaller:

    id deltas         varints (the first from 0)
    weights           a mode byte: all 1.0 | all one float32 | whole numbers as
                      varints | float32 array
    values            none (fixed size 0) | concatenated (fixed size) | varint
                      lengths, then concatenated

Ids, weights (Whoosh's float32 values) and value bytes read back as W3's do, so
scores are unchanged. Term info and the term table are W3's. Segments written with
WireCodec name it in the table of contents, so their readers use it. Like
segments.py, this subclasses internals of the one Whoosh we pin.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from .whooshpin import PINNED_VERSION  # noqa: F401  (importing it checks the pinned Whoosh first)

# isort: split
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter  # noqa: E402
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: E402

# count, last id, maximum weight (the double the writer saw), compression, min and max length bytes
BLOCK_INFO = struct.Struct("!BIdBBB")
# weight modes
ALL_ONE, ALL_SAME, WHOLE, FLOATS = range(4)
ZLIB_LEVEL = 3


def encode_varints(nums: Sequence[int]) -> bytes:
    """Unsigned LEB128 varints of `nums` (one byte each below 128, the common case)."""
    if not nums or max(nums) < 0x80:
        return bytes(nums)
    out = bytearray()
    for n in nums:
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


def decode_varints(data: bytes | memoryview, count: int, at: int = 0) -> tuple[list[int], int]:
    """`count` varints read from data[at:]; the numbers and the offset after them."""
    chunk = data[at : at + count]
    if len(chunk) == count and bytes(chunk).isascii():  # every number one byte
        return list(chunk), at + count
    nums = []
    for _ in range(count):
        n = shift = 0
        while True:
            byte = data[at]
            at += 1
            n |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
        nums.append(n)
    return nums, at


def count_varints(data: bytes) -> int:
    """How many varints `data` holds: its bytes that end one."""
    return len(data) if data.isascii() else sum(1 for byte in data if byte < 0x80)


def encode_block(
    ids: Sequence[int],
    weights: array,
    values: Sequence[bytes],
    fixed: int | None,
    maxweight: float,
    lengths: tuple[int | None, int],
    compression: int,
) -> bytes:
    """One block's info header and data. `weights` are float32 (array "f"),
    `values` the non-empty value bytes, `lengths` the shortest and longest field length."""
    deltas = [ids[0]] + [b - a for a, b in zip(ids, ids[1:], strict=False)]
    parts = [encode_varints(deltas), _encode_weights(weights)]
    if fixed is None or fixed < 0:
        parts.append(encode_varints([len(v) for v in values]))
        parts.extend(values)
    elif fixed > 0:
        parts.extend(values)
    data = b"".join(parts)
    comp = 0
    if compression:
        packed = zlib.compress(data, compression)
        if len(packed) < len(data):
            data, comp = packed, compression
    info = BLOCK_INFO.pack(
        len(ids), ids[-1], maxweight, comp, length_to_byte(lengths[0]), length_to_byte(lengths[1])
    )
    return info + data


def _encode_weights(weights: array) -> bytes:
    n = len(weights)
    if weights.count(1.0) == n:
        return bytes([ALL_ONE])
    first = weights[0]
    if weights.count(first) == n:
        return bytes([ALL_SAME]) + array("f", [first]).tobytes()
    if all(w.is_integer() and 0 <= w < 2**31 for w in weights):
        return bytes([WHOLE]) + encode_varints([int(w) for w in weights])
    return bytes([FLOATS]) + weights.tobytes()


def decode_block(data: bytes, count: int, fixed: int | None) -> tuple[tuple[int, ...], array, tuple]:  # type: ignore[type-arg]
    """A block's (ids, float32 weights, values) from its uncompressed data."""
    deltas, at = decode_varints(data, count)
    ids = accumulate(deltas)
    mode = data[at]
    at += 1
    if mode == ALL_ONE:
        weights = array("f", [1.0]) * count
    elif mode == ALL_SAME:
        weights = array("f", data[at : at + 4]) * count
        at += 4
    elif mode == WHOLE:
        whole, at = decode_varints(data, count, at)
        weights = array("f", whole)
    else:
        weights = array("f", data[at : at + 4 * count])
        at += 4 * count
    values: tuple  # type: ignore[type-arg]
    if fixed is None or fixed < 0:
        sizes, at = decode_varints(data, count, at)
        found = []
        for size in sizes:
            found.append(data[at : at + size])
            at += size
        values = tuple(found)
    elif fixed == 0:
        values = (None,) * count
    else:
        values = tuple(data[i : i + fixed] for i in range(at, at + fixed * count, fixed))
    return tuple(ids), weights, values


class WirePostingsWriter(W3PostingsWriter):
    """W3PostingsWriter writing compact blocks (term vectors, keyed by bytes, stay W3's)."""

    def _write_block(self, last: bool = False) -> None:
        if self._byteids:
            super()._write_block(last)
            return
        if not self._blockcount:
            self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        block = encode_block(
            self._ids,
            self._weights,
            self._values,
            self._format.fixed_value_size(),
            self._maxweight,
            (self._minlength, self._maxlength),
            self._compression,
        )
        self._postfile.write_int(-len(block) if last else len(block))
        self._postfile.write(block)
        self._blockcount += 1
        self._new_block()


class WireLeafMatcher(W3LeafMatcher):
    """W3LeafMatcher reading compact blocks."""

    _data: Any  # the decoded (ids, weights, values) of the current block, or None

    def _goto(self, position: int) -> None:
        self._data = None
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        postfile = self._postfile
        length = postfile.get_int(position)
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + 4 + length
        info = postfile.get(position + 4, BLOCK_INFO.size)
        self._dataoffset = position + 4 + BLOCK_INFO.size
        self._blocklength, self._maxid, self._maxweight, self._compression, mnlen, mxlen = BLOCK_INFO.unpack(
            info
        )
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def _read_data(self) -> None:
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression:
            data = zlib.decompress(data)
        self._data = decode_block(bytes(data), self._blocklength, self._fixedsize)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        self._weights = self._data[1]

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        self._values = self._data[2]


class WireCodec(W3Codec):
    """Whoosh's W3 codec with compact posting blocks (see the module's docstring)."""

    def postings_writer(self, dbfile, byteids=False):  # type: ignore[no-untyped-def]
        return WirePostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):  # type: ignore[no-untyped-def]
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return WireLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


def is_compact(ix) -> bool:  # type: ignore[no-untyped-def]
    """Whether every segment of an open index was written with WireCodec."""
    return all(isinstance(segment.codec(), WireCodec) for segment in ix._segments())

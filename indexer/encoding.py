"""Pure page bytes -> text: gzip, sniffing out non-HTML, and charset decoding.

Nothing here does I/O. Order of trust when decoding: a byte-order mark, then
valid UTF-8, then the page's own declaration (read strictly), then detection.
"""

from __future__ import annotations

import codecs
import re
import zlib

from charset_normalizer import from_bytes

from .limits import MAX_GUNZIPPED_BYTES
from .story import BadStoryError

GZIP_MAGIC = b"\x1f\x8b"

# Byte-order marks, longest first so UTF-32 is not taken for UTF-16.
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# File signatures of formats that are surely not HTML: magic bytes -> what to call it.
BINARY_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF file (WebP image, WAV or AVI)"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/EPUB)"),
    (b"\x1f\x8b", "gzip data (gunzip it first, e.g. with read_page_bytes)"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"ID3", "an MP3 file"),
    (b"\x00\x00\x00\x18ftyp", "an MP4 video"),
    (b"\x00\x00\x00\x1cftyp", "an MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "an MP4 video"),
]

# How much of the page to look at for a charset declaration (HTML says 1024 bytes;
# real pages put long <script> blocks first, so look further).
DECLARATION_WINDOW = 8192

# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">,
# and the XML declaration's encoding="x".
CHARSET_DECLARATION_RE = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*(?P<meta>[\w.:+-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["'](?P<xml>[\w.:+-]+)""",
    re.IGNORECASE,
)

# Declared labels read as browsers read them (WHATWG Encoding): latin-1 and ASCII
# mean windows-1252; the Chinese, Japanese and Korean labels mean their supersets;
# a UTF-16 label inside an ASCII-compatible page cannot be true.
CODEC_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "chinese": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "unicode": "utf-8",
}

# Charset-normalizer reads at most this many bytes; enough to tell codecs apart.
DETECTION_SAMPLE_BYTES = 64 * 1024

# The codec of last resort; it maps (almost) every byte, so the text stays readable.
FALLBACK_CODEC = "cp1252"


def read_page_bytes(data: bytes, limit: int = MAX_GUNZIPPED_BYTES) -> bytes:
    """The page bytes, gunzipped when they start with the gzip magic (capped at `limit`)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        page = inflater.decompress(data, limit + 1)
    except zlib.error as err:
        raise BadStoryError(f"corrupt gzip data: {err}") from err
    if len(page) > limit:
        raise BadStoryError(f"page is larger than {limit:,} bytes once gunzipped")
    if not inflater.eof:
        raise BadStoryError("corrupt gzip data: the stream is truncated")
    return page


def sniff_binary(data: bytes) -> str | None:
    """What the bytes are when they are surely not an HTML page, else None."""
    for magic, name in BINARY_SIGNATURES:
        if data.startswith(magic):
            return name
    if bom_codec(data) is None and b"\x00" in data[:DECLARATION_WINDOW]:
        return "binary data (it contains NUL bytes)"
    return None


def bom_codec(data: bytes) -> str | None:
    """The codec a byte-order mark names, or None."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return codec
    return None


def declared_codec(data: bytes) -> str | None:
    """The Python codec for the page's own charset declaration, or None."""
    m = CHARSET_DECLARATION_RE.search(data[:DECLARATION_WINDOW])
    if not m:
        return None
    label = (m["meta"] or m["xml"]).decode("ascii", "replace").lower()
    codec = CODEC_ALIASES.get(label, label)
    try:
        return codecs.lookup(codec).name
    except LookupError:
        return None


def detected_codec(data: bytes) -> str | None:
    """The codec charset-normalizer guesses for the bytes, or None."""
    best = from_bytes(data[:DETECTION_SAMPLE_BYTES]).best()
    return best.encoding if best else None


def decode_strictly(data: bytes, codec: str | None) -> str | None:
    """The bytes decoded with `codec`, or None when they are not valid in it."""
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def is_mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII sequences are valid UTF-8: at least twice as many
    valid multi-byte characters as invalid bytes. Text in a legacy charset is
    almost never valid UTF-8, so it has next to no valid sequences."""
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = sum(1 for ch in text if ord(ch) > 0x7F) - text.count("\ufffd")
    return valid > 2 * invalid


def decode_html(data: bytes) -> str:
    """Page text from page bytes; mislabelled UTF-8 is read as UTF-8."""
    codec = bom_codec(data)
    if codec:
        return data.decode(codec, "replace").lstrip("\ufeff")
    # Valid UTF-8 with non-ASCII bytes is almost never anything else, whatever the page declares.
    text = decode_strictly(data, "utf-8")
    if text is not None:
        return text
    # Mostly valid UTF-8 with a stray bad byte is UTF-8 too: decoding the whole page
    # as the declared charset turned "Café" into "CafÃ©" everywhere to save one byte.
    if is_mostly_utf8(data):
        return data.decode("utf-8", "replace")
    text = decode_strictly(data, declared_codec(data))
    if text is not None:
        return text
    # Detection reads a sample, so a bad byte later on is replaced, not fatal.
    return data.decode(detected_codec(data) or FALLBACK_CODEC, "replace")

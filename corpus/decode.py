"""Bytes to text: UTF-8 first, legacy encodings (Windows-1256, ISO-8859-6, ...) detected, binary refused."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from dateline.corpus.script import ARABIC_SCRIPT
from dateline.errors import SourceError

_CONTROL = set(range(0, 9)) | {11} | set(range(14, 32))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first 4 KiB mean this is not text."""
    head = data[:4096]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte in _CONTROL)
    return bool(head) and controls / len(head) > 0.05


# Legacy code pages of Persian and Arabic sites. charset-normalizer read Windows-1256 Persian as
# mac_cyrillic; a Cyrillic text decoded as Windows-1256 gives Arabic letters too, but not words.
ARABIC_CODEPAGES = ("cp1256", "iso8859_6")
_ARABIC_SCRIPT_WORDS = re.compile(
    r"(?<!\S)(?:و|در|به|از|که|كه|را|این|اين|با|است|برای|براي|في|من|على|إلى|الى|أن|عن|مع|هذا)(?!\S)")


def reads_as_arabic_script(text: str) -> bool:
    """Text in Persian or Arabic: its letters are Arabic script and its common words are there."""
    sample = text[:20_000]
    letters = [ch for ch in sample if ord(ch) > 127 and ch.isalpha()]
    if not letters or sum(1 for ch in letters if ARABIC_SCRIPT.match(ch)) < 0.9 * len(letters):
        return False
    return len(_ARABIC_SCRIPT_WORDS.findall(sample)) >= min(3, max(1, len(sample.split()) // 20))


_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


def charset_of(content_type: str | None) -> str | None:
    """The charset an HTTP Content-Type declares ('text/html; charset=windows-1256')."""
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def meta_charset(head: bytes) -> str | None:
    """The charset a page declares in <meta charset> or <meta http-equiv=Content-Type>."""
    match = _META_CHARSET.search(head[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _windows_1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: a byte that is not UTF-8 is read as Windows-1252 (Latin-1 where that has
    no character), as pages that mix a few Latin-1 bytes into UTF-8 mean."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in bad), error.end


codecs.register_error("dateline-cp1252", _windows_1252_bytes)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few stray single-byte characters (a Latin-1 copyright line in a UTF-8 page), or None
    when the non-UTF-8 bytes are too many for that: a legacy code page is detected instead."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
    return data.decode("utf-8", "dateline-cp1252") if multibyte > 4 * bad else None


def decode_text(data: bytes, source: str, declared: str | None = None) -> str:
    """Decode a text source, or raise SourceError naming it: a BOM, then UTF-8 when the bytes are valid
    UTF-8 (pages declaring a single-byte charset are often UTF-8, and valid UTF-8 is seldom anything
    else) or nearly so, then the charset the source declares (HTTP header, <meta>), then detection."""
    if not data.strip():
        raise SourceError(source, "empty file")
    if looks_binary(data):
        raise SourceError(source, "binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        mixed = _mostly_utf8(data)
        if mixed is not None:
            return mixed
    if declared:
        try:
            return data.decode(codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown or wrong declaration: detect instead
    for codepage in ARABIC_CODEPAGES:
        try:
            text = data.decode(codepage)
        except UnicodeDecodeError:
            continue
        if reads_as_arabic_script(text):
            return text
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise SourceError(source, "cannot detect the text encoding")
    return str(best)

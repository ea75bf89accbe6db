"""Bytes to text: UTF-8 first, legacy encodings (Windows-1256, ISO-8859-6, ...) detected, binary refused."""

from __future__ import annotations

import charset_normalizer

from dateline.errors import SourceError

_CONTROL = set(range(0, 9)) | {11} | set(range(14, 32))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first 4 KiB mean this is not text."""
    head = data[:4096]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte in _CONTROL)
    return bool(head) and controls / len(head) > 0.05


def decode_text(data: bytes, source: str) -> str:
    """Decode a text source, or raise SourceError naming it."""
    if not data.strip():
        raise SourceError(source, "empty file")
    if looks_binary(data):
        raise SourceError(source, "binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise SourceError(source, "cannot detect the text encoding")
    return str(best)

"""Two fixes to whoosh-reloaded 2.7.5, applied at import (the engine is the only importer).

1. W3PerDocReader._cached_reader stats the column file on every call when a field has no length
   column (ID and keyword fields), and writing a segment calls it once per posting: a quarter of a
   million stat() calls per 3,000 Reuters articles. Caching the miss removes them.
2. BufferFile (a file inside a memory-mapped compound segment) copied its whole buffer into a
   BytesIO when opened, though most reads slice the buffer directly: opening the Reuters index
   copied every segment into memory, 100 ms and about 120 MB for every `dateline search`. Stream
   reads now read the mapped buffer in place.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec import whoosh3
from whoosh.filedb.structfile import BufferFile

_original = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    self._readers[fieldname] = reader
    return reader


def _buffer_file_init(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
    self._buf, self._name, self.onclose = buf, name, onclose
    self.is_real, self.is_closed = False, False


class _BufferStream:
    """The file operations Whoosh's StructFile uses, over a buffer, without copying it."""

    def __init__(self, buf: Any):
        self._buf, self._pos = memoryview(buf), 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(self._pos + size, len(self._buf))
        data = self._buf[self._pos:end].tobytes()
        self._pos = end
        return data

    def readline(self, size: int = -1) -> bytes:
        rest = self._buf[self._pos:] if size is None or size < 0 else self._buf[self._pos:self._pos + size]
        found = rest.tobytes().find(b"\n")  # lines are only read from small files (pickled headers)
        return self.read(found + 1 if found >= 0 else len(rest))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def seek(self, position: int, whence: int = 0) -> int:
        self._pos = position + (self._pos if whence == 1 else len(self._buf) if whence == 2 else 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = memoryview(b"")


whoosh3.W3PerDocReader._cached_reader = _cached_reader
BufferFile.__init__ = _buffer_file_init
BufferFile.file = property(lambda self: self.__dict__.setdefault("_stream", _BufferStream(self._buf)))

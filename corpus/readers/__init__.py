"""The registry of source readers: a new source format is one module here plus one line in READERS.

Each reader says whether it takes a file (by name or by its first bytes) and turns the file's bytes
into articles. Multi-record formats yield a SourceError for a bad record and go on with the rest. A
reader that can also read any run of whole lines on its own (a LineReader) gets a large file in
parts, never whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeAlias, runtime_checkable

from dateline.corpus.article import Article
from dateline.corpus.records import FieldMapping
from dateline.errors import SourceError

from . import delimited, feed, html, jsondoc, jsonl, reuters, text, warc

Item: TypeAlias = Article | SourceError


class Reader(Protocol):
    name: str

    def accepts(self, path: Path, head: bytes) -> bool: ...

    def read(self, path: Path, data: bytes, ingested: datetime, mapping: FieldMapping) -> Iterator[Item]: ...


@runtime_checkable
class LineReader(Reader, Protocol):
    def read_lines(self, path: Path, data: bytes, first_line: int, ingested: datetime,
                   mapping: FieldMapping) -> Iterator[Item]: ...


# Order matters: the first reader that accepts a file reads it.
READERS: list[Reader] = [reuters.READER, warc.READER, jsonl.READER, jsondoc.READER, delimited.READER,
                         feed.READER, html.READER, text.READER]


def reader_for(path: Path, head: bytes) -> Reader | None:
    return next((reader for reader in READERS if reader.accepts(path, head)), None)


def reader_named(name: str) -> Reader:
    for reader in READERS:
        if reader.name == name:
            return reader
    raise KeyError(name)

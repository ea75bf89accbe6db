"""Which files of the paths given are sources, and reading each one with the reader that takes it.

A file whose reader reads it line by line (JSON Lines) is read in parts of about PART_BYTES cut at
line ends, so no file is ever held in memory whole and an indexing run can commit, and resume, inside
one file; any other file is one part.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from dateline.corpus.article import Article
from dateline.corpus.exclude import DEFAULT_EXCLUDE, excluded
from dateline.corpus.readers import Item, LineReader, reader_for
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import SourceError

_HEAD = 4096
PART_BYTES = int(os.environ.get("DATELINE_PART_BYTES", 4 << 20))
_BLOCK = 1 << 20


def _is_sidecar(path: Path) -> bool:
    return path.suffix.lower() == ".json" and path.with_suffix(".txt").exists()


@dataclass(frozen=True)
class SourceFile:
    """A file to read: its path as found under what was given (for messages and for reading), and
    its name relative to the folder given, with that folder's own name (what articles record, so a
    published page never shows where the archive lay on the machine that built it)."""

    path: Path
    name: str


def _named(path: Path, root: Path | None) -> SourceFile:
    if root is None:
        return SourceFile(path, path.name)
    relative = path.relative_to(root).as_posix()
    folder = root.resolve().name
    return SourceFile(path, f"{folder}/{relative}" if folder else relative)


def source_files(
    paths: Iterable[str | Path], exclude: Iterable[str] = DEFAULT_EXCLUDE
) -> Iterator[SourceFile | SourceError]:
    """Files to read, in a stable order. Files in folders no reader takes are passed over quietly;
    a file named on its own that no reader takes, a missing path, a broken or looping symlink and
    anything that is not a regular file (a named pipe would block a reader forever) are errors."""
    exclude = tuple(exclude)
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not excluded(Path(d), exclude))
                for name in sorted(names):
                    child = Path(folder, name)
                    if excluded(child, exclude) or _is_sidecar(child):
                        continue
                    problem = _not_readable(child)
                    if problem:
                        yield SourceError(str(child), problem)
                    elif _takes(child):
                        yield _named(child, path)
        elif os.path.lexists(path):
            problem = _not_readable(path)
            if problem:
                yield SourceError(str(path), problem)
            else:
                yield (_named(path, None) if _takes(path)
                       else SourceError(str(path), "no reader for this kind of file"))
        else:
            yield SourceError(str(path), "no such file or folder")


def _not_readable(path: Path) -> str | None:
    """Why a path cannot be read as a source file, or None if it is a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # a dangling symlink, a symlink loop, no permission
        return f"cannot read: {exc.strerror or exc}"
    except RuntimeError:  # pathlib's own report of a symlink loop
        return "cannot read: symlink loop"
    return None if stat.S_ISREG(mode) else "not a regular file (a named pipe, socket or device)"


def _takes(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return True  # let read_file report why it cannot be read
    return reader_for(path, head) is not None


@dataclass(frozen=True)
class Part:
    """Bytes [start, end) of a source file, read on their own: `line` is the number of their first line,
    `next_line` that of the line after them, and `last` says the file ends there."""

    start: int
    end: int
    line: int = 1
    next_line: int = 1
    last: bool = True

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.last


def file_parts(path: Path, start: int = 0, line: int = 1, part_bytes: int = PART_BYTES) -> Iterator[Part]:
    """The parts to read a file in, from byte `start` (the first byte of line `line`) on. Only the
    positions of line ends are kept, one block at a time, so a file of any size is cut in bounded memory."""
    part_start, part_line, lines = start, line, line
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            if not isinstance(reader_for(path, handle.read(_HEAD)), LineReader):
                yield Part(0, size)
                return
            handle.seek(start)
            position = start
            while block := handle.read(min(_BLOCK, part_bytes)):
                position += len(block)
                lines += block.count(b"\n")
                newline = block.rfind(b"\n")
                cut = position - len(block) + newline + 1
                if newline >= 0 and cut - part_start >= part_bytes:
                    yield Part(part_start, cut, part_line, lines, last=cut >= size)
                    part_start, part_line = cut, lines
    except OSError:  # read_part says why, for the file or for the rest of it
        yield Part(part_start, -1, part_line, part_line)
        return
    if part_start < size or part_start == start:
        yield Part(part_start, size, part_line, lines)


def read_part(path: Path, part: Part, ingested: datetime | None = None, name: str | None = None,
              mapping: FieldMapping = DEFAULT_MAPPING) -> list[Item]:
    """Every article in one part of a file, with a SourceError for each piece that could not be read.
    Articles record `name` as their source (default: the path as given)."""
    ingested = ingested or datetime.now(timezone.utc)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
            handle.seek(part.start)
            data = handle.read() if part.end < 0 else handle.read(part.end - part.start)
    except OSError as exc:
        return [SourceError(str(path), f"cannot read: {exc.strerror or exc}")]
    reader = reader_for(path, head)
    if reader is None:
        return [SourceError(str(path), "no reader for this kind of file")]
    if part.whole or not isinstance(reader, LineReader):
        items = list(reader.read(path, data, ingested, mapping))
    else:
        items = list(reader.read_lines(path, data, part.line, ingested, mapping))
    if name is None or name == str(path):
        return items
    return [replace(item, provenance=replace(item.provenance, source=name))
            if isinstance(item, Article) else item for item in items]


def iter_file(path: Path, ingested: datetime | None = None, name: str | None = None,
              mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Item]:
    """Every article in one file, part by part."""
    ingested = ingested or datetime.now(timezone.utc)
    for part in file_parts(path):
        yield from read_part(path, part, ingested, name, mapping)


def read_file(path: Path, ingested: datetime | None = None, name: str | None = None,
              mapping: FieldMapping = DEFAULT_MAPPING) -> list[Item]:
    """Every article in one file, with a SourceError for each part that could not be read."""
    return list(iter_file(path, ingested, name, mapping))


def read_sources(paths: Iterable[str | Path], exclude: Iterable[str] = DEFAULT_EXCLUDE,
                 mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Item]:
    """Articles and errors from every source under the given paths, one part of a file at a time."""
    ingested = datetime.now(timezone.utc)
    for source in source_files(paths, exclude):
        if isinstance(source, SourceError):
            yield source
        else:
            yield from iter_file(source.path, ingested, source.name, mapping)

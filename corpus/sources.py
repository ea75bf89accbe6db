"""Which files of the paths given are sources, and reading each one with the reader that takes it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from dateline.corpus.article import Article
from dateline.corpus.exclude import DEFAULT_EXCLUDE, excluded
from dateline.corpus.readers import Item, reader_for
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.errors import SourceError

_HEAD = 4096


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


def read_file(path: Path, ingested: datetime | None = None, name: str | None = None,
              mapping: FieldMapping = DEFAULT_MAPPING) -> list[Item]:
    """Every article in one file, with a SourceError for each part that could not be read.
    Articles record `name` as their source (default: the path as given)."""
    ingested = ingested or datetime.now(timezone.utc)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [SourceError(str(path), f"cannot read: {exc.strerror or exc}")]
    reader = reader_for(path, data[:_HEAD])
    if reader is None:
        return [SourceError(str(path), "no reader for this kind of file")]
    items = list(reader.read(path, data, ingested, mapping))
    if name is None or name == str(path):
        return items
    return [replace(item, provenance=replace(item.provenance, source=name))
            if isinstance(item, Article) else item for item in items]


def read_sources(paths: Iterable[str | Path], exclude: Iterable[str] = DEFAULT_EXCLUDE,
                 mapping: FieldMapping = DEFAULT_MAPPING) -> Iterator[Item]:
    """Articles and errors from every source under the given paths."""
    ingested = datetime.now(timezone.utc)
    for source in source_files(paths, exclude):
        if isinstance(source, SourceError):
            yield source
        else:
            yield from read_file(source.path, ingested, source.name, mapping)

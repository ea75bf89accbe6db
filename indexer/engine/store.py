"""The index folder: opening and creating it, with one-line errors for every way it can be wrong, and
the digest of every committed file, by which damage is told from a bug."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import EmptyIndexError, FileIndex

from dateline.errors import ArchiveError
from dateline.indexer.engine import patches  # noqa: F401  (applied on import)
from dateline.indexer.engine.pairs import is_pairs_field
from dateline.indexer.engine.schema import build_schema
from dateline.indexer.engine.writer import PooledSegmentWriter, merge_small_segments, open_writer

INDEX_NAME = "dateline"
CHECKSUMS = "checksums.json"  # digest of every committed index file: how damage is told from a bug
RESUME = "resume.json"  # files committed in part: where the rest of each starts


def _how_to_build(path: Path) -> str:
    return f"build one with: dateline index SOURCES... --index {path}"


def _has_toc(path: Path) -> bool:
    """A Dateline table of contents is there (whether or not it is readable)."""
    return any(path.glob(f"_{INDEX_NAME}_*.toc"))


def open_index(path: str | Path) -> FileIndex:
    """Open an existing Dateline index for reading."""
    path = Path(path)
    if not path.is_dir():
        raise ArchiveError(f"no index at {path}: {_how_to_build(path)}")
    if not _has_toc(path):
        if any(path.iterdir()):
            raise ArchiveError(f"{path} is not a Dateline index (no {INDEX_NAME} table of contents)")
        raise ArchiveError(f"no index at {path}: {_how_to_build(path)}")
    damaged = check_index(path, quick=True).damaged
    if damaged:
        raise corrupt_error(path, damaged)
    try:
        ix = index.open_dir(str(path), indexname=INDEX_NAME)
        with ix.reader() as reader:
            reader.doc_count()
    except Exception as exc:  # Whoosh raises whatever unpickling or struct parsing raised on damaged files
        damaged = check_index(path).damaged
        if damaged:
            raise corrupt_error(path, damaged, exc) from None
        if isinstance(exc, (EmptyIndexError, OSError)):
            raise ArchiveError(f"{path}: cannot open the index ({exc})") from None
        raise ArchiveError(f"{path}: the index is corrupt ({exception_kind(exc)}: {exc}); "
                           "rebuild it") from None
    missing = {name for name in set(build_schema().names()) - set(ix.schema.names())
               if not is_pairs_field(name)}  # made before 2026-12-05: its phrases read positions
    if missing:
        raise ArchiveError(f"{path}: index made by another Dateline version "
                           f"(missing fields {sorted(missing)}); rebuild it")
    return ix


def create_or_open_index(path: str | Path) -> FileIndex:
    """Open the index for writing, creating it in a new or empty folder; never clobber a foreign one."""
    path = Path(path)
    if path.is_dir() and _has_toc(path):
        return open_index(path)
    if path.exists() and not path.is_dir():
        raise ArchiveError(f"{path} is a file, not an index folder")
    if path.is_dir() and any(path.iterdir()):
        raise ArchiveError(f"{path} is not empty and not a Dateline index; choose another --index folder")
    path.mkdir(parents=True, exist_ok=True)
    return index.create_in(str(path), build_schema(), indexname=INDEX_NAME)


def _index_files(path: Path) -> list[Path]:
    """The files Whoosh commits: tables of contents and segments (both immutable once written)."""
    return sorted([*path.glob(f"_{INDEX_NAME}_*.toc"), *path.glob(f"{INDEX_NAME}_*.seg")])


def _digest(file: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(file: Path) -> list[int]:
    stat = file.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _read_checksums(path: Path) -> dict[str, dict]:
    try:
        recorded = json.loads((path / CHECKSUMS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {name: entry for name, entry in recorded.items() if isinstance(entry, dict) and "digest" in entry}


def _write_json(file: Path, data: Any) -> None:
    """Replace a small record file whole: a reader sees the old one or the new one, never half."""
    tmp = file.with_name(f"{file.name}.tmp")
    tmp.write_text(json.dumps(data, indent=0, sort_keys=True), encoding="utf-8")
    os.replace(tmp, file)


def _write_checksums(path: Path, entries: dict[str, dict]) -> None:
    _write_json(path / CHECKSUMS, entries)


def record_checksums(path: str | Path) -> None:
    """After a commit: remember the digest, size and mtime of each new index file (the old ones are
    immutable, so their entries are kept)."""
    path = Path(path)
    recorded = _read_checksums(path)
    _write_checksums(path, {
        file.name: recorded.get(file.name) or {"digest": _digest(file), "stamp": _stamp(file)}
        for file in _index_files(path)})


@dataclass(frozen=True)
class IndexCheck:
    verified: list[str]
    damaged: list[str]
    unverified: list[str]  # committed before digests were kept, or by a run killed before recording them


def check_index(path: str | Path, quick: bool = False) -> IndexCheck:
    """Every index file against its digest at commit. Quick: only files whose size or modification
    time changed since are read again (what opening the index does; a full check finds the rest)."""
    path = Path(path)
    recorded = _read_checksums(path)
    verified, damaged, unverified, restamped = [], [], [], False
    for file in _index_files(path):
        entry = recorded.get(file.name)
        if entry is None:
            unverified.append(file.name)
            continue
        stamp = _stamp(file)
        if quick and entry.get("stamp") == stamp:
            verified.append(file.name)
        elif _digest(file) == entry["digest"]:
            verified.append(file.name)
            restamped |= entry.get("stamp") != stamp
            entry["stamp"] = stamp  # copied or touched, same bytes: no need to read it again
        else:
            damaged.append(file.name)
    if restamped and not damaged:
        try:
            _write_checksums(path, recorded)
        except OSError:
            pass  # a read-only index is checked again next time
    return IndexCheck(verified, damaged, unverified)


def exception_kind(exc: BaseException) -> str:
    """An exception's name as one would import it: zlib.error, struct.error, MemoryError."""
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def corrupt_error(path: str | Path, damaged: list[str], exc: BaseException | None = None) -> ArchiveError:
    """The one line for an index whose files changed after they were committed."""
    cause = f"; {exception_kind(exc)} reading it" if exc is not None else ""
    return ArchiveError(f"{path}: the index is corrupt ({', '.join(damaged)} changed since written{cause}); "
                        f"rebuild it: dateline index SOURCES --index {path}")


def write_segment(index_dir: str | Path, documents: Iterable[dict[str, Any]], scratch: str | None = None
                  ) -> Any | None:
    """Write documents as one new segment of the index at index_dir without taking its lock: built in
    a scratch folder on this machine, then moved in whole; what the caller hands to `adopt`. None if
    there were no documents. Until a commit adopts it, the segment is an unlisted file that the
    index's next commit deletes."""
    path = Path(index_dir)
    ix = index.open_dir(str(path), indexname=INDEX_NAME)
    with tempfile.TemporaryDirectory(prefix="dateline-segment-", dir=scratch) as folder:
        local = index.create_in(folder, ix.schema, indexname=INDEX_NAME)
        writer = PooledSegmentWriter(local, _lk=False)
        try:
            for document in documents:
                writer.add_document(**document)
        except BaseException:
            writer.cancel()
            raise
        if not writer._added:
            writer.cancel()
            return None
        segment = writer._finalize_segment()
        name = segment.make_filename(segment.COMPOUND_EXT)
        shutil.copyfile(Path(folder, name), path / f"{name}.part")
        os.replace(path / f"{name}.part", path / name)
    return segment


def live_run(reader: Any, part: int = 0, parts: int = 1) -> Iterator[int]:
    """The live document numbers of `part` of `parts` equal runs of a reader's numbers (all of them by
    default): how readers working in parallel share an index, each reading only its own run."""
    total = reader.doc_count_all()
    for docnum in range(total * part // parts, total * (part + 1) // parts):
        if not reader.is_deleted(docnum):
            yield docnum


@dataclass(frozen=True)
class Resume:
    """Where the uncommitted rest of a file committed in part starts: its byte and its line number."""

    start: int
    line: int


def _resume_points(entries: Any) -> dict[str, Resume]:
    if not isinstance(entries, dict):
        return {}
    return {sig: Resume(*point) for sig, point in entries.items()
            if isinstance(point, list) and len(point) == 2 and all(isinstance(n, int) for n in point)}


class Store:
    """The index as an indexing run sees it: what is already there, and a writer to change it.

    A file indexed in several commits is listed in resume.json until its last part is committed. The
    list a commit will make true is written before it, tagged with the commit's generation, and
    adopted (under the writer's lock) only if that generation was committed; so a kill at any moment
    leaves each file either done, resumable from its last committed part, or not begun."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.ix = create_or_open_index(self.path)
        self.resume: dict[str, Resume] = {}

    def _settle_resume(self) -> None:
        """Adopt the list of files committed in part that the last commit left."""
        try:
            recorded = json.loads((self.path / RESUME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = {}
        if not isinstance(recorded, dict):
            recorded = {}
        generation = recorded.get("generation")
        landed = isinstance(generation, int) and self.ix.latest_generation() >= generation
        self.resume = _resume_points(recorded.get("pending" if landed else "committed"))
        if "pending" in recorded:
            self._record_resume(self.resume)

    def _record_resume(self, resume: dict[str, Resume], pending: dict[str, Resume] | None = None) -> None:
        record: dict[str, Any] = {"committed": {sig: [p.start, p.line] for sig, p in resume.items()}}
        if pending is not None:
            record["pending"] = {sig: [p.start, p.line] for sig, p in pending.items()}
            record["generation"] = self.ix.latest_generation() + 1
        if record["committed"] or pending:
            _write_json(self.path / RESUME, record)
        else:
            (self.path / RESUME).unlink(missing_ok=True)

    def indexed_signatures(self) -> set[str]:
        """The path|size|mtime signature of every file indexed."""
        with self.ix.reader() as reader:
            return {term.decode() for term in reader.lexicon("source_sig")}

    def indexed_sources(self) -> list[str]:
        with self.ix.reader() as reader:
            return [term.decode() for term in reader.lexicon("source")]

    def reprint_signatures(self, part: int = 0, parts: int = 1) -> Iterator[tuple[int, str, bytes, str]]:
        """(document number, key, MinHash signature, reprint group) of every article indexed, or of those
        in `part` of `parts` runs of document numbers, for readers working in parallel."""
        with self.ix.reader() as reader:
            if reader.doc_count():
                keys, hashes, groups = (reader.column_reader(name) for name in ("key", "minhash", "reprint"))
                for docnum in live_run(reader, part, parts):
                    yield docnum, keys[docnum], hashes[docnum], groups[docnum]

    def checksums_of(self, source: str) -> dict[str, str]:
        """Each indexed article of one source file: its key and body checksum."""
        with self.ix.searcher() as searcher:
            return {fields["key"]: fields["checksum"] for fields in searcher.documents(source=source)}

    def writer(self, wait: float, procs: int) -> Writer:
        writer = Writer(self, open_writer(self.ix, self.path, wait, procs))
        self._settle_resume()
        return writer


class Writer:
    """Adds and deletes documents; a commit is atomic and records the new files' digests."""

    def __init__(self, store: Store, writer: Any):
        self.store, self._writer = store, writer

    def add(self, document: dict[str, Any]) -> None:
        self._writer.add_document(**document)

    def adopt(self, segments: list[Any]) -> None:
        """Add segments made by write_segment to this commit."""
        self._writer.adopt(segments)

    def delete_source(self, source: str) -> int:
        """Delete every article of one source file; how many there were."""
        return self._writer.delete_by_term("source", source)

    def commit(self, resume: dict[str, Resume], merge: bool = True) -> None:
        """Commit; `resume` lists the files this commit leaves in part. Without `merge`, the new
        segments are added as they are (merging rewrites postings in one process, so commits inside
        a run leave that to the run's last commit)."""
        store = self.store
        if resume != store.resume:
            store._record_resume(store.resume, pending=resume)
        self._writer.commit(mergetype=merge_small_segments if merge else None, merge=merge)
        record_checksums(store.path)
        if resume != store.resume:
            store._record_resume(resume)
            store.resume = resume

    def cancel(self) -> None:
        self._writer.cancel()

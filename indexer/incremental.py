"""An indexing run: add, update and (with --prune) remove articles so the index matches the sources.

Unchanged files are recognised by path, size and modification time and not read again; a changed
file's articles replace its old ones; --prune drops articles whose source file is gone. Files are
read in parts (corpus/sources.py) by worker processes, a bounded number ahead of the writer, and a
commit happens every `commit_every` documents, inside a file too: a killed run leaves its last
commit, and a re-run goes on from there, in the middle of a file if that is where it stopped.
"""

from __future__ import annotations

import functools
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from dateline.children import forks_die_with_parent
from dateline.corpus.article import Article
from dateline.corpus.exclude import DEFAULT_EXCLUDE
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.corpus.sources import Part, SourceFile, file_parts, read_part, source_files
from dateline.errors import ArchiveError, SourceError
from dateline.indexer.document import document_from_article, document_key
from dateline.indexer.engine.segments import file_size
from dateline.indexer.engine.store import Resume, Store, Writer
from dateline.indexer.engine.view import build_arrays
from dateline.indexer.engine.writer import WriteFailed
from dateline.indexer.fields import DEFAULT_INDEX
from dateline.indexer.reprints import ReprintGroups, index_scheme, signature

PROCS = 2


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    files_read: int = 0
    files_skipped: int = 0
    resumed: int = 0
    errors: list[SourceError] = field(default_factory=list)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds each step of a Spark run took

    def recorder(self, on_error: Callable[[SourceError], None] | None) -> Callable[[SourceError], None]:
        """What a run calls for each source it cannot read or passes over: kept here, and told to
        `on_error` as it happens."""
        def record(error: SourceError) -> None:
            self.errors.append(error)
            if on_error:
                on_error(error)
        return record

    @property
    def failed(self) -> list[SourceError]:
        """What could not be read (files that are no article are not failures)."""
        return [error for error in self.errors if not error.not_article]

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.removed} removed; "
                f"{self.files_read} files read"
                + (f" ({self.resumed} resumed from the last commit)" if self.resumed else "")
                + f", {self.files_skipped} unchanged files skipped, "
                f"{len(self.errors) - len(self.failed)} passed over, "
                f"{len(self.failed)} sources failed in {self.seconds:.1f}s"
                + ("".join(f"\n  {stage} {seconds:.1f}s" for stage, seconds in self.stages.items())))


ToRead = tuple[SourceFile, str, str]  # the file, its absolute path (what the index records), its signature


@dataclass(frozen=True)
class Unit:
    """One part of one source file, for a reading process; `resumed`: an earlier run committed the
    file's parts before this one."""

    source: SourceFile
    path: str  # absolute: what the index records
    sig: str
    part: Part
    first: bool
    resumed: bool


@dataclass(frozen=True)
class ReadPart:
    unit: Unit
    items: list[Article | SourceError]
    signatures: list[bytes]


def file_signature(path: Path, mapping: FieldMapping = DEFAULT_MAPPING) -> str:
    """Path, size and modification time (and a field mapping other than the default): a file whose
    signature is in the index is not read again."""
    stat = path.stat()
    return f"{path}|{stat.st_size}|{stat.st_mtime_ns}" + (f"|{mapping.key}" if mapping.key else "")


def read_for_index(unit: Unit, mapping: FieldMapping, ingested: datetime, scheme: bytes) -> ReadPart:
    """Runs in a worker process: read one part of a file and sign each article for reprint detection,
    in the index's signature scheme."""
    items = read_part(unit.source.path, unit.part, ingested, unit.source.name, mapping)
    signatures = [signature(item.title, item.body, item.published, scheme) if isinstance(item, Article)
                  else b"" for item in items]
    return ReadPart(unit, items, signatures)


def units_to_read(todo: list[ToRead], resume: dict[str, Resume]) -> Iterator[Unit]:
    """The parts to read, file after file; a file committed in part goes on from its last commit."""
    for source, path, sig in todo:
        point = resume.get(sig)
        parts = file_parts(source.path, point.start, point.line) if point else file_parts(source.path)
        for number, part in enumerate(parts):
            yield Unit(source, path, sig, part, first=number == 0, resumed=point is not None)


def _in_order(pool: Executor | None, read: Callable[[Unit], ReadPart], units: Iterable[Unit],
              ahead: int) -> Iterator[ReadPart]:
    """Read units in parallel, in order, at most `ahead` at a time: what waits to be written is bounded
    however large the files are."""
    if pool is None:
        yield from map(read, units)
        return
    waiting: deque[Future[ReadPart]] = deque()
    try:
        for unit in units:
            waiting.append(pool.submit(read, unit))
            if len(waiting) > ahead:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
    finally:
        for future in waiting:
            future.cancel()


def files_to_read(store: Store, paths: Iterable[str | Path], exclude: Iterable[str], mapping: FieldMapping,
                  skip: Callable[[SourceError], None], report: IndexReport) -> list[ToRead]:
    """The source files under `paths` that are new, changed or committed in part, each with its
    absolute path and signature; unchanged ones are counted as skipped."""
    known = store.indexed_signatures()
    todo: list[ToRead] = []
    for item in source_files(paths, exclude):
        if isinstance(item, SourceError):
            skip(item)
            continue
        path = item.path.resolve()
        try:
            sig = file_signature(path, mapping)
        except OSError as exc:  # gone since it was listed
            skip(SourceError(str(item.path), f"cannot read: {exc.strerror or exc}"))
            continue
        if sig in known and sig not in store.resume:
            report.files_skipped += 1
        else:
            todo.append((item, str(path), sig))
    return todo


def prune_gone(writer: Writer, indexed_sources: list[str], in_part: dict[str, Resume],
               report: IndexReport) -> int:
    """Delete the articles of indexed files that are gone, and forget gone files committed in part;
    how many deletions."""
    deleted = 0
    for source in indexed_sources:
        if not Path(source).exists():
            report.removed += writer.delete_source(source)
            deleted += 1
    for sig in [sig for sig in in_part if not Path(sig.split("|", 1)[0]).exists()]:
        del in_part[sig]  # a file committed in part, gone since
    return deleted


@contextmanager
def cancelled_on_error(writer: Callable[[], Writer], index_dir: str | Path) -> Iterator[None]:
    """Whatever stops a run before its commit cancels the writer open then (`writer()`); the index
    keeps its last commit, and a failure to write is one line naming the index."""
    try:
        yield
    except OSError as exc:  # a full disk, a file-size limit, a folder made read-only
        writer().cancel()
        raise ArchiveError(f"{index_dir}: cannot write the index ({exc.strerror or exc}); "
                           f"it keeps its last commit") from None
    except WriteFailed as error:
        writer().cancel()
        raise ArchiveError(f"{index_dir}: cannot write the index ({error}); "
                           "it keeps its last commit") from None
    except BaseException:
        writer().cancel()
        raise


def _existing_groups(store: Store) -> ReprintGroups:
    groups = ReprintGroups()
    for _docnum, key, packed, group in store.reprint_signatures():
        groups.add_existing(key, packed, group)
    return groups


def index_sources(
    paths: Iterable[str | Path],
    index_dir: str | Path = DEFAULT_INDEX,
    *,
    prune: bool = False,
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    workers: int | None = None,
    wait: float = 10.0,
    commit_every: int = int(os.environ.get("DATELINE_COMMIT_EVERY", 25_000)),
    on_progress: Callable[[int, int, IndexReport], None] | None = None,
    on_error: Callable[[SourceError], None] | None = None,
    mapping: FieldMapping = DEFAULT_MAPPING,
) -> IndexReport:
    """Index every source under the given paths; see the module docstring for the guarantees.
    on_progress is called after each part written with the bytes read so far and to read in all."""
    with forks_die_with_parent():
        started = time.perf_counter()
        report = IndexReport()
        store = Store(index_dir)
        skip = report.recorder(on_error)
        writer = store.writer(wait, PROCS)
        with cancelled_on_error(lambda: writer, index_dir):
            indexed_sources = store.indexed_sources()
            todo = files_to_read(store, paths, exclude, mapping, skip, report)
            total = sum(file_size(Path(path)) - (store.resume[sig].start if sig in store.resume else 0)
                        for _, path, sig in todo)
            in_part, pending, done = dict(store.resume), 0, 0
            if todo:
                parts = _PartWriter(store, _existing_groups(store), report, skip, in_part)
                workers = workers or os.cpu_count() or 1
                with ProcessPoolExecutor(max_workers=workers) as pool:
                    ingested = datetime.now(timezone.utc)
                    read = functools.partial(read_for_index, mapping=mapping, ingested=ingested,
                                             scheme=index_scheme(store))
                    units = units_to_read(todo, store.resume)
                    results = _in_order(pool if workers > 1 else None, read, units, ahead=2 * workers)
                    for result in results:
                        pending += parts.write(writer, result)
                        if pending >= commit_every:
                            writer.commit(dict(in_part), merge=False)
                            writer, pending = store.writer(wait, PROCS), 0
                        done += max(result.unit.part.end - result.unit.part.start, 0)
                        if on_progress:
                            on_progress(done, total, report)
            if prune:
                pending += prune_gone(writer, indexed_sources, in_part, report)
            committed = bool(pending or report.removed or in_part != store.resume)
            if committed:
                writer.commit(in_part)
            else:
                writer.cancel()
        if committed:  # outside: a failure here is not the writer's to cancel
            build_arrays(store.ix, store.path)
        report.seconds = time.perf_counter() - started
        return report


class _PartWriter:
    """Writes the parts of files in order. Between a file's parts it keeps the checksums of the file's
    articles from before; `in_part` is kept to the files a commit now would leave in part."""

    def __init__(self, store: Store, groups: ReprintGroups, report: IndexReport,
                 skip: Callable[[SourceError], None], in_part: dict[str, Resume]) -> None:
        self.store, self.groups, self.report, self.skip, self.in_part = store, groups, report, skip, in_part
        self.old: dict[str, str] = {}

    def write(self, writer: Writer, result: ReadPart) -> int:
        """Write one part: a file's first part first deletes its articles from before (unless an earlier
        run committed parts of this very file), its last drops those the file no longer has. Returns
        how many documents were written or deleted."""
        unit, report = result.unit, self.report
        if unit.first:
            report.files_read += 1
            report.resumed += unit.resumed
            self.old = {} if unit.resumed else self.store.checksums_of(unit.path)
            if not unit.resumed:
                writer.delete_source(unit.path)
                for sig in [sig for sig in self.in_part if sig.startswith(f"{unit.path}|")]:
                    del self.in_part[sig]  # the file changed since an earlier run committed part of it
        written = 0
        for item, packed in zip(result.items, result.signatures, strict=True):
            if isinstance(item, SourceError):
                self.skip(item)
                continue
            key = document_key(unit.path, item)
            previous = self.old.pop(key, None)
            if previous is None:
                report.added += 1
            elif previous != item.provenance.checksum:
                report.updated += 1
            else:
                report.unchanged += 1
            group = self.groups.assign(key, packed, item.id)
            writer.add(document_from_article(item, unit.path, unit.sig, group, packed))
            written += 1
        if unit.part.last:
            for key in self.old:
                self.groups.forget(key)
                report.removed += 1
            written += len(self.old)
            self.in_part.pop(unit.sig, None)
        else:
            self.in_part[unit.sig] = Resume(unit.part.end, unit.part.next_line)
        return written

"""An indexing run: add, update and (with --prune) remove articles so the index matches the sources.

Unchanged files are recognised by path, size and modification time and not read again; a changed
file's articles replace its old ones; --prune drops articles whose source file is gone. Commits
happen at file boundaries, so a killed run leaves the last committed state and a re-run resumes.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dateline.children import forks_die_with_parent
from dateline.corpus.article import Article
from dateline.corpus.exclude import DEFAULT_EXCLUDE
from dateline.corpus.records import DEFAULT_MAPPING, FieldMapping
from dateline.corpus.sources import SourceFile, read_file, source_files
from dateline.errors import ArchiveError, SourceError
from dateline.indexer.document import document_from_article, document_key
from dateline.indexer.engine.store import Store, Writer
from dateline.indexer.engine.writer import WriteFailed
from dateline.indexer.fields import DEFAULT_INDEX
from dateline.indexer.reprints import ReprintGroups, signature

PROCS = 2


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    files_read: int = 0
    files_skipped: int = 0
    errors: list[SourceError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SourceError]:
        """What could not be read (files that are no article are not failures)."""
        return [error for error in self.errors if not error.not_article]

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.removed} removed; "
                f"{self.files_read} files read, {self.files_skipped} unchanged files skipped, "
                f"{len(self.errors) - len(self.failed)} passed over, "
                f"{len(self.failed)} sources failed in {self.seconds:.1f}s")


@dataclass(frozen=True)
class _ReadFile:
    path: str
    sig: str
    items: list[Article | SourceError]
    signatures: list[bytes]


def file_signature(path: Path, mapping: FieldMapping = DEFAULT_MAPPING) -> str:
    """Path, size and modification time (and a field mapping other than the default): a file whose
    signature is in the index is not read again."""
    stat = path.stat()
    return f"{path}|{stat.st_size}|{stat.st_mtime_ns}" + (f"|{mapping.key}" if mapping.key else "")


def _read_for_index(source: SourceFile, mapping: FieldMapping) -> _ReadFile:
    """Runs in a worker process: read one file and sign each article for reprint detection."""
    items = read_file(source.path, name=source.name, mapping=mapping)
    signatures = [signature(item.title, item.body, item.published) if isinstance(item, Article) else b""
                  for item in items]
    path = source.path.resolve()
    return _ReadFile(str(path), file_signature(path, mapping), items, signatures)


def _existing_groups(store: Store) -> ReprintGroups:
    groups = ReprintGroups()
    for key, packed, group in store.reprint_signatures():
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
    commit_every: int = int(os.environ.get("DATELINE_COMMIT_EVERY", 5000)),
    on_file: Callable[[int, int, IndexReport], None] | None = None,
    on_error: Callable[[SourceError], None] | None = None,
    mapping: FieldMapping = DEFAULT_MAPPING,
) -> IndexReport:
    """Index every source under the given paths; see the module docstring for the guarantees."""
    with forks_die_with_parent():
        started = time.perf_counter()
        report = IndexReport()
        store = Store(index_dir)

        def skip(error: SourceError) -> None:
            report.errors.append(error)
            if on_error:
                on_error(error)

        known, indexed_sources = store.indexed_signatures(), store.indexed_sources()
        todo: list[SourceFile] = []
        for item in source_files(paths, exclude):
            if isinstance(item, SourceError):
                skip(item)
            elif file_signature(item.path.resolve(), mapping) in known:
                report.files_skipped += 1
            else:
                todo.append(item)

        writer = store.writer(wait, PROCS)
        try:
            pending = 0
            if todo:
                groups = _existing_groups(store)
                workers = workers or os.cpu_count() or 1
                with ProcessPoolExecutor(max_workers=workers) as pool:
                    read = functools.partial(_read_for_index, mapping=mapping)
                    results = pool.map(read, todo, chunksize=1) if workers > 1 else map(read, todo)
                    for done, result in enumerate(results, start=1):
                        pending += _write_file(writer, store, result, groups, report, skip)
                        if pending >= commit_every:
                            writer.commit()
                            writer, pending = store.writer(wait, PROCS), 0
                        if on_file:
                            on_file(done, len(todo), report)
            if prune:
                for source in indexed_sources:
                    if not Path(source).exists():
                        report.removed += writer.delete_source(source)
                        pending += 1
            if pending or report.removed:
                writer.commit()
            else:
                writer.cancel()
        except OSError as exc:  # a full disk, a file-size limit, a folder made read-only
            writer.cancel()
            raise ArchiveError(f"{index_dir}: cannot write the index ({exc.strerror or exc}); "
                               f"it keeps its last commit") from None
        except WriteFailed as error:
            writer.cancel()
            raise ArchiveError(f"{index_dir}: cannot write the index ({error}); "
                               "it keeps its last commit") from None
        except BaseException:
            writer.cancel()
            raise
        report.seconds = time.perf_counter() - started
        return report


def _write_file(writer: Writer, store: Store, result: _ReadFile, groups: ReprintGroups, report: IndexReport,
                skip: Callable[[SourceError], None]) -> int:
    """Replace one file's articles in the index; returns how many documents were written."""
    report.files_read += 1
    old = store.checksums_of(result.path)
    writer.delete_source(result.path)
    written = 0
    for item, packed in zip(result.items, result.signatures, strict=True):
        if isinstance(item, SourceError):
            skip(item)
            continue
        key = document_key(result.path, item)
        previous = old.pop(key, None)
        if previous is None:
            report.added += 1
        elif previous != item.provenance.checksum:
            report.updated += 1
        else:
            report.unchanged += 1
        group = groups.assign(key, packed, item.id)
        writer.add(document_from_article(item, result.path, result.sig, group, packed))
        written += 1
    for key in old:
        groups.forget(key)
        report.removed += 1
    return written + len(old)

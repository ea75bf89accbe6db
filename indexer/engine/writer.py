"""Whoosh's multiprocessing writer, made to fail loudly instead of losing documents.

MpWriter hands batches of documents to sub-writer processes. When one of them dies (a full disk,
a file-size limit, the kernel's OOM killer), Whoosh's commit skips the result it never got
(`except queue.Empty: pass`) and commits the rest: the run reports its articles added while the
index lacks them, and a changed file's old articles are deleted all the same. And once every
sub-writer is dead, the parent blocks for ever putting the next batch on a full queue.

Here a sub-writer reports its failure in one line and exits 1; the parent never blocks on a
queue nobody reads; and commit refuses to go on when any sub-writer failed, so the index keeps
its last commit.

The segment writers (each sub-writer, and write_segment's) index news text a segment at a time
(bulk.py) and keep their other postings in a TermPool; the parent's merges keep Whoosh's own pool,
and merge only small segments (merge_small_segments).
"""

from __future__ import annotations

import heapq
import marshal
import queue
import sys
import tempfile
from array import array
from collections.abc import Iterator
from contextlib import suppress
from itertools import groupby
from multiprocessing import Queue
from operator import itemgetter
from typing import IO, Any

from whoosh.analysis import IDTokenizer
from whoosh.fields import ID, TEXT
from whoosh.formats import Existence
from whoosh.index import TOC, LockError, clean_files
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from dateline.errors import ArchiveError
from dateline.indexer.engine.analysis import is_news_analyzer
from dateline.indexer.engine.bulk import SPELLING_VALUE, NewsText, TermPostings, write_field
from dateline.indexer.engine.formats import VarintPositions
from dateline.indexer.engine.pairs import is_pairs_field, pairs_field


class WriteFailed(ArchiveError):
    """A sub-writer could not write its part of the index."""


Posting = tuple[str, bytes, int, float, "bytes | None"]  # (field, term, document number, weight, value)
# a term's postings as a run holds them: (field, term), numbers, weights, values, out of order
_Group = tuple[tuple[str, bytes], bytes, bytes, list["bytes | None"], bool]


class TermPool:
    """A segment's postings grouped by term, in place of Whoosh's PostingPool. Whoosh's pool keeps
    every posting as its own tuple, writes them to temporary sorted runs and merges those back one
    posting at a time (a third of all indexing CPU, py-spy on the generated corpus). Documents reach
    a segment writer in number order, so each term's postings arrive sorted: only the terms are
    sorted, and past `limit` postings (about 70 bytes each) the terms go to a run of their own, read
    back a term at a time. (A news text field's postings never come here: see bulk.py.)"""

    def __init__(self, folder: str | None = None, limit: int = 3_000_000,
                 spelling: frozenset[str] = frozenset()) -> None:
        self.fieldnames: set[str] = set()
        self._folder, self._limit, self._count = folder, limit, 0
        self._spelling = spelling
        self._terms: dict[tuple[str, bytes], tuple[array, array, list[bytes | None]]] = {}
        self._unsorted: set[tuple[str, bytes]] = set()  # terms given a document twice or out of order
        self._runs: list[IO[bytes]] = []

    def add(self, posting: Posting) -> None:
        fieldname, text, docnum, weight, value = posting
        if fieldname in self._spelling:
            # Whoosh's add_document gives a spelling word the last posting value of its text field
            # (whatever bytes that format wrote) in a field of 4-byte frequencies: a varint value
            # of 1 to 3 bytes left a block short of values, and a merge reading them failed.
            value = SPELLING_VALUE
        key = (fieldname, text)
        postings = self._terms.get(key)
        if postings is None:
            self.fieldnames.add(fieldname)
            postings = self._terms[key] = (array("q"), array("d"), [])
        elif docnum <= postings[0][-1]:
            self._unsorted.add(key)
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(value)
        self._count += 1
        if self._count >= self._limit:
            self._spill()

    def _groups(self) -> Iterator[_Group]:
        for key in sorted(self._terms):
            docnums, weights, values = self._terms[key]
            yield key, docnums.tobytes(), weights.tobytes(), values, key in self._unsorted

    def _spill(self) -> None:
        run = tempfile.TemporaryFile(dir=self._folder)
        for group in self._groups():
            marshal.dump(group, run)
        run.seek(0)
        self._runs.append(run)
        self._terms, self._unsorted, self._count = {}, set(), 0

    @staticmethod
    def _read(run: IO[bytes]) -> Iterator[_Group]:
        with run:
            while True:
                try:
                    yield marshal.load(run)
                except EOFError:
                    return

    def terms(self) -> Iterator[tuple[str, bytes, list[int], list[float], list[bytes]]]:
        """Every term's postings, (field, text, documents, weights, values), in (field, term) order
        and each term's in document order, as Whoosh's field writer takes them."""
        sources = [*map(self._read, self._runs), self._groups()]  # oldest first: equal terms keep order
        for (fieldname, text), parts in groupby(heapq.merge(*sources, key=itemgetter(0)), itemgetter(0)):
            docnums, weights, values, unsorted = array("q"), array("d"), [], False
            for _key, docs, found, more, disordered in parts:
                first = len(docnums)
                docnums.frombytes(docs)
                weights.frombytes(found)
                values.extend(more)
                unsorted |= disordered or (first > 0 and docnums[first] <= docnums[first - 1])
            if unsorted:  # as Whoosh's pool sorts them (a spelling word's are all number 0)
                rows = sorted(zip(docnums, weights, values, strict=True),
                              key=lambda row: (row[0], row[1], row[2] or b""))
                yield fieldname, text, [r[0] for r in rows], [r[1] for r in rows], [r[2] or b"" for r in rows]
            else:
                yield fieldname, text, docnums.tolist(), weights.tolist(), [value or b"" for value in values]

    def cleanup(self) -> None:
        for run in self._runs:
            run.close()
        self._terms, self._unsorted, self._runs, self._count = {}, set(), [], 0


class PooledSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with its news text indexed a segment at a time (bulk.py) and its
    other postings in a TermPool. A news text field is one analysed by news_analyzer, its positions
    stored as VarintPositions, neither stored nor a column (Dateline's title and body; an index
    built before keeps Whoosh's way for what it names otherwise); documents carry no boosts
    (Dateline's never do)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        if any(field.vector for _, field in self.schema.items()):
            raise TypeError("PooledSegmentWriter writes no term vectors")
        spelling = frozenset(field.spelling_fieldname(name) for name, field in self.schema.items()
                             if field.separate_spelling())
        self.pool = TermPool(self._tempstorage.folder or None, spelling=spelling)
        self.news_text = {name: NewsText(field.format.field_boost, field.separate_spelling())
                          for name, field in self.schema.items()
                          if type(field) is TEXT and is_news_analyzer(field.analyzer)
                          and type(field.format) is VarintPositions and not field.stored
                          and not field.column_type}
        # an id field's one term is its value: Whoosh's analyser makes a token object to say so
        self.id_fields = {name for name, field in self.schema.items()
                          if type(field) is ID and field.indexed and type(field.analyzer) is IDTokenizer
                          and type(field.format) is Existence}

    def add_document(self, **fields: Any) -> None:
        """Whoosh's add_document for documents without boosts or `_stored_` values (Dateline's),
        its news text gathered for bulk.py and an id field's term added as it is (Whoosh's
        analysers and generators were a third of a segment writer's time a document); every
        other field indexed by its own index()."""
        self._check_state()
        schema, perdoc, docnum, add = self.schema, self.perdocwriter, self.docnum, self.pool.add
        names = sorted(name for name, value in fields.items() if value is not None)
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value, field, length = fields[name], schema[name], 0
                if name in self.news_text:
                    length = self.news_text[name].add(docnum, value)
                elif name in self.id_fields:
                    add((name, value.encode("utf-8"), docnum, field.format.field_boost, b""))
                elif field.indexed:
                    for text, frequency, weight, encoded in field.index(value):
                        length += frequency if field.scorable else 0
                        add((name, text, docnum, weight, encoded))
                    if field.separate_spelling():  # TermPool gives each its value
                        for word in field.spellable_words(value):
                            add((field.spelling_fieldname(name), word.encode("utf-8"), 0, 1.0, None))
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _news_fields(self) -> dict[str, Iterator[TermPostings]]:
        """Each news text field and its spelling and pairs fields (if any), with their postings."""
        fields = {}
        for name, text in self.news_text.items():
            fields[name] = text.postings()
            if text.spelling is not None:
                fields[self.schema[name].spelling_fieldname(name)] = text.spelling_postings()
            if pairs_field(name) in self.schema:
                fields[pairs_field(name)] = text.pair_postings()
        return fields

    def _pooled_fields(self, lengths: Any) -> Iterator[tuple[str, Iterator[TermPostings]]]:
        """The pool's fields in order, each with its postings (and, for a scored field, each
        posting's document length, as Whoosh's field writer asks the segment's lengths for it)."""
        for fieldname, terms in groupby(self.pool.terms(), itemgetter(0)):
            scored = self.schema[fieldname].scorable and lengths is not None
            yield fieldname, (TermPostings(text, docnums, weights, values,
                                           [lengths.doc_field_length(n, fieldname) or 0 for n in docnums]
                                           if scored else [0] * len(docnums))
                              for _, text, docnums, weights, values in terms)

    def _flush_segment(self) -> None:
        """Whoosh's, every field's postings written a block at a time (bulk.write_field): the news
        text fields' from their words, the others' from the pool, in field order."""
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        news = self._news_fields()
        waiting = sorted(news)
        for fieldname, terms in self._pooled_fields(lengths):
            while waiting and waiting[0] < fieldname:
                name = waiting.pop(0)
                write_field(self.fieldwriter, name, self.schema[name], news[name])
            write_field(self.fieldwriter, fieldname, self.schema[fieldname], terms)
        for name in waiting:
            write_field(self.fieldwriter, name, self.schema[name], news[name])
        self.fieldwriter.close()
        if lengths:
            lengths.close()


class _SubWriter(SubWriterTask):
    """A writer process; what Whoosh's SubWriterTask.run does with multisegment=True, with a
    PooledSegmentWriter, and a failure reported to the parent in one line."""

    def __init__(self, *args: Any, errors: Queue) -> None:
        super().__init__(*args)
        self.errors = errors

    def run(self) -> None:
        try:
            writer = self.writer = PooledSegmentWriter(self.storage.open_index(self.indexname), _lk=False,
                                                       **self.kwargs)
            while self.running and (job := self.jobqueue.get()) is not None:
                self._process_file(*job)
            if not self.running:
                writer.cancel()
                return
            fieldnames = writer.pool.fieldnames
            self.resultqueue.put((None, fieldnames, writer._finalize_segment()), timeout=5)
        except BaseException as exc:  # reported to the parent in one line, not printed as a traceback
            disk = isinstance(exc, OSError) and exc.strerror  # worded as the parent words its own
            self.errors.put(disk or f"{type(exc).__name__}: {exc}")
            sys.exit(1)


class _Jobs:
    """The job queue as the parent uses it: a put that gives up when the sub-writers are gone."""

    def __init__(self, jobs: Queue, writer: CheckedMpWriter) -> None:
        self.jobs, self.writer = jobs, writer

    def put(self, item: Any) -> None:
        while True:
            try:
                self.jobs.put(item, timeout=1)
                return
            except queue.Full:
                self.writer.check_tasks()


SMALL_SEGMENT = 10_000    # live documents: below this a segment is merged with others as small
SMALL_SEGMENTS_TO_MERGE = 10


def merge_small_segments(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """The merge policy of a commit: once ten or more segments hold fewer than SMALL_SEGMENT live
    documents each (small updates, or mostly deleted), merge those into one; leave the rest.

    Whoosh's own policy (MERGE_SMALL) counts segments against a Fibonacci threshold: at a million
    articles (80 segments of 12,500, as a run's commits write them) the last commit would merge the
    23 smallest, rewriting 287,500 articles' postings one at a time in one process."""
    small = [segment for segment in segments if segment.doc_count() < SMALL_SEGMENT]
    if len(small) < SMALL_SEGMENTS_TO_MERGE:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


class CheckedMpWriter(MpWriter):
    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.errors: Queue = Queue()
        self._jobs: Queue = self.jobqueue
        self.jobqueue: Any = _Jobs(self._jobs, self)
        self._adopted: list[Any] = []

    def adopt(self, segments: list[Any]) -> None:
        """Segments written elsewhere into this index's folder (write_segment), added as they are
        by the next commit."""
        self._adopted.extend(segments)

    def _merge_segments(self, mergetype: Any, optimize: Any, merge: Any) -> list[Any]:
        return [*super()._merge_segments(mergetype, optimize, merge), *self._adopted]

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        """Whoosh's, for a merge, less the pairs fields: which words have pairs is each written
        segment's own (pairs.py), so a merged segment has none, and its phrases read positions."""
        postings = (posting for posting in reader.iter_postings() if not is_pairs_field(posting[0]))
        for posting in self._process_posts(postings, startdoc, docmap):
            self.pool.add(posting)

    def _new_task(self) -> _SubWriter:
        task = _SubWriter(self.storage, self.indexname, self._jobs, self.resultqueue, self.subargs,
                          self.multisegment, errors=self.errors)
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        """Whoosh's cancel flags its sub-writers in this process only: one still waiting for jobs
        went on waiting, and this process's exit waited for it for ever (a run whose other
        sub-writer had failed hung). They are stopped here; what they wrote is in no commit, so it
        is deleted before the lock is released: a run cancelled because the disk filled gives the
        space back (and closing its own files can fail on that disk too)."""
        if self.is_closed:
            return
        try:
            for task in self.tasks:
                if task.is_alive():
                    task.terminate()
            for task in self.tasks:
                task.join()
        finally:
            try:
                with suppress(OSError):
                    self._close_segment()
                self._delete_uncommitted()
            finally:
                self._finish()

    def _delete_uncommitted(self) -> None:
        """Delete the files of every segment the last commit does not list, as a commit does."""
        generation = TOC._latest_generation(self.storage, self.indexname)
        committed = TOC.read(self.storage, self.indexname, generation).segments if generation >= 0 else []
        clean_files(self.storage, self.indexname, generation, committed)

    def check_tasks(self) -> None:
        """Raise WriteFailed if a sub-writer has died."""
        failed = [task for task in self.tasks if task.exitcode not in (None, 0)]
        if not failed:
            return
        try:
            reason = self.errors.get(timeout=1)
        except queue.Empty:
            reason = f"a writer process ended with status {failed[0].exitcode}"
        raise WriteFailed(reason)

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        # Whoosh's _commit does the same first steps, then commits whatever results arrived.
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        self.check_tasks()
        super()._commit(mergetype, optimize, merge)


def open_writer(ix: Any, index_dir: Any, wait: float, procs: int) -> CheckedMpWriter:
    """A writer of the index, waiting `wait` seconds for another process that holds the lock."""
    try:
        return CheckedMpWriter(ix, procs=procs, multisegment=True, timeout=wait)
    except LockError:
        raise ArchiveError(
            f"{index_dir}: another process is writing this index; waited {wait:g}s "
            "(try again, or --wait longer)"
        ) from None

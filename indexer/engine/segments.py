"""Reading a committed index one segment at a time, as numpy arrays.

Whoosh segments are immutable once written (a later commit only marks documents deleted), so every
array Dateline derives from one (field lengths, dates, days, facet maps, decoded postings) is keyed
by the segment's id: a commit computes arrays only for the segments it added. Derived arrays are
also kept in the index's cache folder in files named after the segment, labelled and checksummed,
so a new process reads them instead of recomputing them; a damaged or foreign file costs a rebuild,
never a wrong answer. So are the decoded posting lists of common words (KEPT_POSTINGS), whose
compressed blocks are most of a new process's query (an indexing run ends by keeping them all: few
words are that common, which bounds the files); and, once a phrase asks for them, their
occurrences (a phrase of two common words at a million articles decoded 6 million positions a
query, 1.9 s).

Posting lists are read a block at a time straight from Whoosh's W3 codec (ids, weights and
positions of a block are stored together), bypassing the one-posting-at-a-time matcher API; that
relies on private attributes of whoosh-reloaded 2.7.5, which is pinned, and tests/test_engine.py
checks the arrays against Whoosh's own matchers, on segments with and without deletions.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from dateline.indexer.engine.formats import VarintPositions, decode_position_runs
from dateline.indexer.engine.pairs import mark_term, pair_term, pairs_field

Arrays = dict[str, np.ndarray]
Postings = tuple[np.ndarray, np.ndarray]  # documents, and weights
Cached = TypeVar("Cached", Postings, tuple[np.ndarray])  # postings, or occurrences
CACHE_VERSION = 4  # bump when what a cache file holds changes
CACHE_FOLDER = "cache"  # in the index folder, away from Whoosh's files: Whoosh lists its folder at every open
CACHE_SUFFIX = ".arrays"  # a header line (JSON: label, digest, each array's dtype and shape), then bytes
KEPT_FOR = "segments"  # in the cache folder: the segments whose files it held at its last sweep
KEPT_POSTINGS = 2048  # a term in this many of a segment's documents, and an eighth, is kept decoded on disk
KEPT_OCCURRENCES = 0.25  # kept occurrences stay under this share of the index's own files
POSTINGS_CACHE = 8_000_000  # decoded postings (12 bytes) or occurrences (8) kept between queries: 96 MB
LENGTH_OF_BYTE = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)  # of a byte


_BUILDING = [0.0]


def seconds_building() -> float:
    """Seconds this process has spent building segments' derived arrays. Each is built once and kept
    for every later query, so a query's time limit leaves this time out: the first query after a
    million articles were indexed builds arrays for every segment."""
    return _BUILDING[0]


@dataclass(frozen=True)
class FacetPart:
    """One segment's (document, value) pairs of a facet field: sorted values, and for each pair the
    document (numbered within the segment) and the value's ordinal."""

    values: np.ndarray  # of str
    docs: np.ndarray
    ordinals: np.ndarray


class ArrayCache:
    """Arrays derived from segments, in memory and in labelled files beside the index.

    Shared by every view of one index in a process, so a view of a newer generation reuses what an
    older one computed for the segments they have in common."""

    def __init__(self, path: Path):
        self.path, self.folder = path, path / CACHE_FOLDER
        self._arrays: dict[tuple[str, str], Arrays] = {}
        self._kept: dict[str, int] = {}  # bytes of each kind of cache file kept within a share
        self._index_bytes = 0

    def forget(self) -> None:
        """Drop the arrays kept in memory; their files stay, and are read again when next asked for."""
        self._arrays.clear()

    def get(self, segment_id: str, size: int, name: str, build: Callable[[], Arrays]) -> Arrays:
        key = (segment_id, name)
        if key not in self._arrays:
            self._arrays[key] = self.on_disk(segment_id, size, name, build)
        return self._arrays[key]

    def on_disk(self, segment_id: str, size: int, name: str, build: Callable[[], Arrays],
                share: float | None = None) -> Arrays:
        """Arrays from their file, else built and written there; not kept in memory by this cache.
        With a `share`, a new file is written only while the files of its kind (the name's first
        word) stay under that share of the index's own files: kept on demand, as a phrase keeps
        its words' occurrences, they would otherwise grow with every new query."""
        label = {"version": CACHE_VERSION, "segment": segment_id, "size": size, "name": name}
        file = self._file(segment_id, name)
        arrays = _load(file, label)
        if arrays is None:
            started = time.monotonic()
            arrays = build()
            _BUILDING[0] += time.monotonic() - started
            if share is None or self._room(name.split("-")[0], share, sum(a.nbytes for a in arrays.values())):
                _store(file, arrays, label)
        return arrays

    def _file(self, segment_id: str, name: str) -> Path:
        return self.folder / f"{segment_id}-{name}{CACHE_SUFFIX}"

    def stored(self, segment_id: str, name: str) -> bool:
        """Whether a file of these arrays is there (not read: whether it is sound is checked when
        it is)."""
        return self._file(segment_id, name).exists()

    def _room(self, kind: str, share: float, adding: int) -> bool:
        """Whether `adding` bytes more of a kind of cache file stay within `share` of the index's
        own files (the folder is listed once a process, then counted on)."""
        if kind not in self._kept:
            self._index_bytes = sum(file_size(file) for file in self.path.iterdir() if file.is_file())
            self._kept[kind] = sum(file_size(Path(entry)) for entry in self._files()
                                   if _cache_file(entry.name)[1] == kind)
        if self._kept[kind] + adding > share * self._index_bytes:
            return False
        self._kept[kind] += adding
        return True

    def keep_only(self, segment_ids: set[str]) -> None:
        """Forget, and delete the files of, segments merged away by a commit (and files of an
        earlier cache format). The folder is listed only when the segments differ from those of
        the last such pass (a million articles' index keeps 13,000 files: 12 ms a process)."""
        for key in [k for k in self._arrays if k[0] not in segment_ids]:
            del self._arrays[key]
        listed, seen = "\n".join([f"version {CACHE_VERSION}", *sorted(segment_ids)]), self.folder / KEPT_FOR
        try:
            if seen.read_text() == listed:
                return
        except OSError:
            pass
        if not self.folder.is_dir():
            for file in self.path.glob("cache-*"):  # kept beside Whoosh's files, as until 12-05
                file.unlink(missing_ok=True)
        for entry in self._files():
            if entry.name != KEPT_FOR and _cache_file(entry.name)[0] not in segment_ids:
                Path(entry.path).unlink(missing_ok=True)
        try:
            self.folder.mkdir(exist_ok=True)
            tmp = seen.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(listed)
            tmp.replace(seen)
        except OSError:  # a read-only index: listed again next time
            pass

    def _files(self) -> list[os.DirEntry]:
        """The cache files, as the folder lists them (a million articles' index keeps 13,000)."""
        try:
            with os.scandir(self.folder) as entries:
                return list(entries)
        except OSError:  # none written yet
            return []


class PostingsCache:
    """Decoded posting lists (or occurrences), most recently used first, bounded by POSTINGS_CACHE
    entries in all. Decoding Whoosh's compressed blocks is most of a query's cost."""

    def __init__(self) -> None:
        self._lists: OrderedDict[tuple, Any] = OrderedDict()
        self.size = 0

    def get(self, key: tuple, decode: Callable[[], Cached]) -> Cached:
        if key in self._lists:
            self._lists.move_to_end(key)
            return self._lists[key]
        arrays = self._lists[key] = decode()
        self.size += len(arrays[0])
        while self.size > POSTINGS_CACHE and len(self._lists) > 1:
            self.size -= len(self._lists.popitem(last=False)[1][0])
        return arrays

    def __len__(self) -> int:
        return len(self._lists)

    def clear(self) -> None:
        self._lists.clear()
        self.size = 0


class Segment:
    """One segment of an index view: its documents are numbered offset .. offset + size - 1 in the view."""

    def __init__(self, leaf: Any, offset: int, schema: Any, arrays: ArrayCache, postings: PostingsCache):
        self._leaf, self._schema, self._arrays, self._postings = leaf, schema, arrays, postings
        self.id: str = leaf.segment().segment_id()
        self.offset = offset
        self.size: int = leaf.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        if leaf.has_deletions():
            self.live[:] = False
            self.live[np.fromiter(leaf.all_doc_ids(), dtype=np.int64)] = True

    def __repr__(self) -> str:
        return f"Segment({self.id}, {self.size} documents at {self.offset})"

    def release_mapped_pages(self) -> None:
        """Drop this process's mapping of the segment file's pages it has read (madvise DONTNEED):
        they stay in the kernel's page cache, and a later read maps them again. A site build's
        listings read stored articles from all over the index, which otherwise stays resident in
        the process (about 1.8 GB of its 3.1 GB peak at a million articles)."""
        compound = getattr(self._leaf._storage, "a", None)  # Whoosh's OverlayStorage of a .seg file
        source = getattr(compound, "_source", None)
        if isinstance(source, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            source.madvise(mmap.MADV_DONTNEED)

    def _cached(self, name: str, build: Callable[[], Arrays]) -> Arrays:
        return self._arrays.get(self.id, self.size, name, build)

    def has(self, field: str, btext: bytes) -> bool:
        return (field, btext) in self._leaf

    def _kept_name(self, kind: str, field: str, btext: bytes) -> str | None:
        """The cache name under which a common word's decoded `kind` (postings, occurrences) is kept
        beside the index: a word in KEPT_POSTINGS or more of the segment's documents, and an eighth
        of them; None for a rarer word, decoded when asked for."""
        if self._leaf.doc_frequency(field, btext) < self._common():
            return None
        return _word_cache_name(kind, field, btext)

    def _common(self) -> int:
        return max(KEPT_POSTINGS, self.size // 8)

    def keep_common_postings(self, field: str) -> None:
        """Decode and keep the postings of every common word of a text field that are not kept yet,
        as a query for each would: an indexing run ends with this, so that a new process's first
        query decodes no compressed block of a common word (at a million articles, `oil`'s were
        most of such a query's 814 ms)."""
        common = self._common()
        for btext, info in self._leaf.iter_field(field):
            if info.doc_frequency() >= common:
                name = _word_cache_name("postings", field, btext)
                if not self._arrays.stored(self.id, name):
                    self._kept_postings(name, field, btext)

    def _kept_postings(self, name: str, field: str, btext: bytes) -> Arrays:
        return self._arrays.on_disk(self.id, self.size, name, lambda: _compact(
            *_block_postings(self._leaf.postings(field, btext)), self.size))

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Every document of a term in this segment (deleted ones too: callers apply `live`) and
        the term's weight (frequency) there. Documents as numpy's index type: a query indexes
        arrays with them, which with int32 numbers converts them first, every time."""
        def decode() -> tuple[np.ndarray, np.ndarray]:
            if not self.has(field, btext):
                return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
            name = self._kept_name("postings", field, btext)
            if name is None:
                return _indexable(*_block_postings(self._leaf.postings(field, btext)))
            kept = self._kept_postings(name, field, btext)
            return _indexable(kept["ids"], kept["weights"].astype(np.float32))
        return self._postings.get((self.id, field, btext), decode)

    def pairs(self, field: str, first: bytes, second: bytes) -> np.ndarray | None:
        """The documents (deleted ones too) where the word `second` comes right after `first`,
        from the field's pairs (pairs.py); None where this segment has no pairs of the two."""
        name = pairs_field(field)
        if name not in self._schema or not all(self.has(name, mark_term(word)) for word in (first, second)):
            return None
        return self.postings(name, pair_term(first, second))[0]

    def occurrences(self, field: str, btext: bytes) -> np.ndarray:
        """Every occurrence of a term in this segment, as (document << 32) + word position, in order
        (what a phrase intersects); a common word's kept on disk as its postings are."""
        def decode() -> tuple[np.ndarray]:
            if not self.has(field, btext):
                return (np.zeros(0, dtype=np.int64),)
            name = self._kept_name("occurrences", field, btext)
            if name is None:
                return (self._decoded_occurrences(field, btext),)
            kept = self._arrays.on_disk(self.id, self.size, name,
                                        lambda: {"keys": self._decoded_occurrences(field, btext)},
                                        share=KEPT_OCCURRENCES)
            return (kept["keys"],)
        return self._postings.get((self.id, "#occurrences", field, btext), decode)[0]

    def _decoded_occurrences(self, field: str, btext: bytes) -> np.ndarray:
        values: list[bytes] = []
        ids, weights = _block_postings(self._leaf.postings(field, btext), values)
        # a phrase scores its words next: their postings come from the same blocks
        self._postings.get((self.id, field, btext), lambda: _indexable(ids, weights))
        format = self._schema[field].format
        if isinstance(format, VarintPositions):
            owner, positions = decode_position_runs(values)
            docs = ids[owner]
        else:  # an index built before
            found = [format.decode_positions(value) for value in values]
            counts = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
            positions = np.fromiter(chain.from_iterable(found), np.int64, int(counts.sum()))
            docs = np.repeat(ids, counts)
        return (docs.astype(np.int64) << 32) + positions

    def lengths(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """Every document's length in a text field as Whoosh stores it for BM25F, one byte a
        document, and the length each byte value stands for. The column is read whole (one call a
        document took seconds at a million articles) and kept as bytes: an eighth of the lengths'
        memory and cache file, and no slower to score with."""
        def build() -> Arrays:
            column = self._leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
            return {"codes": _numeric_column(column, self.size, np.uint8)}
        return self._cached(f"lengths-{field}", build)["codes"], LENGTH_OF_BYTE

    def instants(self) -> np.ndarray:
        """Publication instants (UTC) as int64 keys in time order; undated documents have day 0."""
        def build() -> Arrays:
            raw = _numeric_column(self._leaf.column_reader("date", translate=False), self.size, np.uint64)
            # Whoosh's sortable form is unsigned; flipping the top bit keeps its order in int64.
            return {"instants": (raw ^ np.uint64(1 << 63)).view(np.int64)}
        return self._cached("instants", build)["instants"]

    def days(self) -> np.ndarray:
        """Local publication days as YYYYMMDD (0: unknown)."""
        def build() -> Arrays:
            # an unsigned NUMERIC column: its sortable form is the number itself
            column = self._leaf.column_reader("day", translate=False)
            return {"days": _numeric_column(column, self.size, np.int32)}
        return self._cached("days", build)["days"]

    def facet(self, field: str) -> FacetPart:
        def build() -> Arrays:
            indexed = self._leaf.schema[field].indexed  # a key is a column only (schema.py)
            terms = list(self._leaf.lexicon(field)) if indexed else []
            if self._leaf.has_column(field) and (not indexed or len(terms) > self.size // 4):
                return self._facet_from_column(field)
            return self._facet_from_postings(field, terms)
        arrays = self._cached(f"facet-{field}", build)
        return FacetPart(arrays["values"], arrays["docs"], arrays["ordinals"])

    def live_count(self, field: str, value: str) -> int:
        """Live documents of this segment with a value of an ID field (one posting list, where the
        field's whole map would list every value the segment has)."""
        docs, _ = self.postings(field, value.encode("utf-8"))
        return int(np.count_nonzero(self.live[docs]))

    def _facet_from_postings(self, field: str, terms: list[bytes]) -> Arrays:
        """A facet of few values (agency, year, place) read one posting list a value."""
        docs, ordinals = [], []
        for number, term in enumerate(terms):
            ids, _ = _block_postings(self._leaf.postings(field, term))
            docs.append(ids)
            ordinals.append(np.full(len(ids), number, dtype=np.int32))
        empty = np.zeros(0, dtype=np.int32)
        return {"values": np.array([term.decode("utf-8") for term in terms], dtype=str),
                "docs": np.concatenate(docs) if docs else empty,
                "ordinals": np.concatenate(ordinals) if ordinals else empty}

    def _facet_from_column(self, field: str) -> Arrays:
        """A single-valued field of about one value a document (a reprint group) read from its column,
        one lookup a document, rather than one posting list a value."""
        column = self._leaf.column_reader(field, translate=True)
        each = np.array([column[d] or "" for d in range(self.size)], dtype=str)
        docs = np.flatnonzero(each != "").astype(np.int32)
        values, ordinals = np.unique(each[docs], return_inverse=True)
        return {"values": values, "docs": docs, "ordinals": ordinals.astype(np.int32)}

    def whoosh_matches(self, query: Any, searcher: Any, scored: bool) -> tuple[np.ndarray, np.ndarray]:
        """Documents (numbered in this segment) and scores of a Whoosh query, by Whoosh's own
        matchers: the exact answer for what Dateline's plan does not evaluate itself."""
        sub = next(s for s, offset in searcher.leaf_searchers() if offset == self.offset)
        context = searcher.context() if scored else searcher.boolean_context()
        matcher = query.matcher(sub, context)
        ids: list[int] = []
        scores: list[float] = []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score() if scored else 1.0)
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)


def _numeric_column(column: Any, size: int, dtype: type) -> np.ndarray:
    """A Whoosh NumericColumn's raw values for every document, read as one array (its private
    attributes: big-endian values up to the last document with one; the rest take the default)."""
    if column is None:
        return np.zeros(size, dtype)
    if not isinstance(column, NumericColumn.Reader):  # none in this segment: Whoosh's empty reader
        return np.fromiter((column[d] or 0 for d in range(size)), dtype, size)
    stored = np.frombuffer(column._dbfile.get(column._basepos, column._count * column._fixedlen),
                           dtype=np.dtype(column._typecode).newbyteorder(">"))
    values: np.ndarray = np.full(size, column._default, dtype=np.dtype(column._typecode))
    values[:len(stored)] = stored[:size]
    return values.astype(dtype, copy=False)


def _unfiltered(matcher: Any) -> Any:
    """A segment's own posting matcher: Whoosh wraps it to skip deleted documents one at a time
    once a segment has deletions; here deletions are applied as a mask instead."""
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _block_postings(matcher: Any, values: list[bytes] | None = None) -> Postings:
    """A posting list's documents and weights, read a block at a time; its values (encoded
    positions) added to `values` when given. (None at all when Whoosh's deletion filter has passed
    every posting: all deleted.)"""
    ids, weights = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.float32)]
    for block_ids, block_weights, block_values in _blocks(matcher, values is not None):
        ids.append(block_ids)
        weights.append(block_weights)
        if values is not None:
            values.extend(block_values)
    return np.concatenate(ids), np.concatenate(weights)


def _indexable(ids: np.ndarray, weights: np.ndarray) -> Postings:
    return ids.astype(np.intp), weights


def _compact(ids: np.ndarray, weights: np.ndarray, size: int) -> Arrays:
    """A posting list as kept on disk: documents in 16 bits where the segment allows, frequencies
    in 16 bits where they are whole numbers that fit (exactly as decoded, else 32-bit floats)."""
    whole = len(weights) == 0 or (np.array_equal(weights, np.floor(weights)) and 0 <= weights.min()
                                  and weights.max() <= np.iinfo(np.uint16).max)
    return {"ids": ids.astype(np.uint16 if size <= 1 << 16 else np.uint32),
            "weights": weights.astype(np.uint16) if whole else weights}


def _blocks(matcher: Any, values: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """A posting list's ids, weights (and values: encoded positions) a block at a time, from each
    block's data as W3 stores it (ids delta-coded, weights None when all 1, one float when all
    equal), where Whoosh's own block reader decodes the ids one at a time in Python."""
    matcher = _unfiltered(matcher)
    if not isinstance(matcher, W3LeafMatcher):
        raise TypeError(f"Dateline reads Whoosh's W3 codec only, not {type(matcher).__name__}")
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        gaps, weights, _ = matcher._data
        count = matcher._blocklength
        ids = np.cumsum(np.asarray(gaps, dtype=np.int32), dtype=np.int32)
        if weights is None or isinstance(weights, float):
            found = np.full(count, 1.0 if weights is None else weights, dtype=np.float32)
        else:
            found = np.asarray(weights, dtype=np.float32)
        if values and matcher._values is None:
            matcher._read_values()
        start = matcher._i
        yield ids[start:], found[start:], matcher._values[start:] if values else None
        matcher._next_block()


def _word_cache_name(kind: str, field: str, btext: bytes) -> str:
    """The cache name of a word's decoded `kind` (postings, occurrences) in a segment."""
    return f"{kind}-{field}-{hashlib.blake2b(btext, digest_size=16).hexdigest()}"


def _cache_file(name: str) -> tuple[str, str]:
    """The segment and the kind of what a cache file holds (SEGMENT-KIND-....arrays, as
    ArrayCache._file names it); two empty strings for any other file."""
    if not name.endswith(CACHE_SUFFIX):
        return "", ""
    segment, _, rest = name.removesuffix(CACHE_SUFFIX).partition("-")
    return segment, rest.split("-")[0]


def file_size(file: Path) -> int:
    """A file's size; 0 for one gone since its folder was listed (another process's commit; a
    source file, which is reported when read)."""
    try:
        return file.stat().st_size
    except OSError:
        return 0


def _digest(arrays: Mapping[str, np.ndarray]) -> str:
    """A CRC-32 of the arrays (names, types, shapes and bytes): it finds a damaged or cut file, and
    runs at some 4 GB/s where BLAKE2 took 40 ms of a new process's query at a million articles."""
    digest = 0
    for key in sorted(arrays):
        array = np.ascontiguousarray(arrays[key])
        digest = zlib.crc32(f"{key}|{array.dtype.str}|{array.shape}|".encode(), digest)
        digest = zlib.crc32(array.reshape(-1).view(np.uint8).data if array.size else b"", digest)
    return f"{digest:08x}"


_CHECKED: dict[Path, tuple[int, int, int]] = {}  # cache files whose digest this process checked


def _load(file: Path, label: dict[str, Any]) -> Arrays | None:
    """A cache file's arrays if it is whole and made for `label`; None for anything else. One read
    and a view of the bytes per array: numpy's .npz (a zip file) took 2 ms a file, and the first
    query at a million articles reads some 300 of them. A file is written whole and renamed into
    place, never changed, so its digest is checked once a process while its inode, size and time
    stay the same (a phrase of two common words reads 300 MB of kept occurrences a query)."""
    try:
        with file.open("rb") as opened:
            stat = os.fstat(opened.fileno())
            data = opened.read()
        newline = data.index(b"\n")
        meta, body = json.loads(data[:newline]), memoryview(data)[newline + 1:]  # the body not copied
        arrays, offset = {}, 0
        for name, dtype, shape in meta["arrays"]:
            kind = np.dtype(dtype)
            count = int(np.prod(shape))
            arrays[name] = np.frombuffer(body, kind, count, offset).reshape(shape)
            offset += count * kind.itemsize
    except Exception:  # missing, cut short, not JSON, a wrong dtype or shape: every kind means rebuild
        return None
    if offset != len(body) or meta.get("label") != label:
        return None
    seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if _CHECKED.get(file) != seen:
        if meta.get("digest") != _digest(arrays):
            return None
        _CHECKED[file] = seen
    return arrays


def _store(file: Path, arrays: Arrays, label: dict[str, Any]) -> None:
    """Write a cache file atomically, labelled and checksummed; a read-only index is fine."""
    contiguous = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    layout = [[name, array.dtype.str, list(array.shape)] for name, array in contiguous.items()]
    header = json.dumps({"label": label, "digest": _digest(contiguous), "arrays": layout})
    try:
        file.parent.mkdir(exist_ok=True)
        tmp = file.with_suffix(".tmp")
        with tmp.open("wb") as out:
            out.write(header.encode() + b"\n")
            for array in contiguous.values():
                out.write(array.tobytes())
        tmp.replace(file)
    except OSError:
        pass


def mapped_bytes() -> int | None:
    """This process's resident pages of mapped files, in bytes (Linux's /proc/self/statm "shared":
    the index's segment files, and shared libraries); None where there is no such file."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[2]) * mmap.PAGESIZE
    except (OSError, IndexError, ValueError):
        return None


def segments_of(reader: Any, schema: Any, arrays: ArrayCache, postings: PostingsCache) -> list[Segment]:
    return [Segment(leaf, offset, schema, arrays, postings) for leaf, offset in reader.leaf_readers()
            if leaf.segment() is not None]


def segment_ids(segments: Iterable[Segment]) -> set[str]:
    return {segment.id for segment in segments}

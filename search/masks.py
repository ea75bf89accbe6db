"""Which documents match a query, and how well, as numpy arrays built from whole posting blocks.

Facet counts need every matching document, not the top ten, and ranking needs every match's score.
Whoosh's matchers hand both out one id at a time through several layers of Python; for a common
word that is most of a query's cost. Here terms are read a posting block at a time (Whoosh's W3
codec stores each block's ids, weights and positions together), kept decoded in a bounded cache,
and combined with numpy. Scores use Whoosh's own BM25F formula and statistics, so the ranking is the
one Whoosh would give (a test compares them). Proximity and date ranges, and anything else numpy
does not cover, are answered by Whoosh itself, which is exact."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TimeLimitCollector
from whoosh.searching import TimeLimit

from dateline.errors import QueryError

POSTINGS_CACHE = 8_000_000  # decoded postings (or positions) kept between queries: 8 bytes each, 64 MB
Scored = tuple[np.ndarray, np.ndarray]  # (mask, score) over every document; score is 0 off the mask


def _blocks(matcher, values: bool = False) -> Iterator[tuple[Sequence, Sequence, Sequence | None]]:
    """A posting list's ids, weights (and values: positions) a block at a time, as Whoosh's W3 codec
    stores them; other codecs one posting at a time."""
    if not isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            yield [matcher.id()], [matcher.weight()], [matcher.value()] if values else None
            matcher.next()
        return
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        if values and matcher._values is None:
            matcher._read_values()
        block = slice(matcher._i, matcher._blocklength)
        yield matcher._ids[block], matcher._weights[block], matcher._values[block] if values else None
        matcher._next_block()


class QueryArrays:
    """Masks and scores over a searcher's documents (deleted documents never match).

    `field_lengths(field)` gives every document's length in a text field, as Whoosh stores it.
    """

    def __init__(self, searcher, live: np.ndarray, field_lengths: Callable[[str], np.ndarray]):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.live = live
        self.size = len(live)
        self.field_lengths = field_lengths
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached_postings = 0
        self._query, self._time_limit, self._deadline = "", 0.0, float("inf")

    def start(self, query: str, time_limit: float) -> None:
        """Begin a search that must end within time_limit seconds."""
        self._query, self._time_limit = query, time_limit
        self._deadline = time.monotonic() + time_limit

    def _in_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise QueryError(f"query {self._query!r} stopped after {self._time_limit:g} s, its time limit: "
                             f"make it narrower (fewer wildcards, a field, a filter)")

    def _kept(self, key: tuple[str, bytes], decode: Callable[[], tuple[np.ndarray, np.ndarray]]):
        """Decoded arrays of a term from the cache, or decoded now and kept. Decoding Whoosh's
        compressed blocks is most of a query's cost, so the most recently used terms stay decoded,
        up to POSTINGS_CACHE entries."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self._in_time()
        arrays = self._cache[key] = decode()
        self._cached_postings += len(arrays[0])
        while self._cached_postings > POSTINGS_CACHE and len(self._cache) > 1:
            self._cached_postings -= len(self._cache.popitem(last=False)[1][0])
        return arrays

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Every document of a term and its weight there."""
        def decode() -> tuple[np.ndarray, np.ndarray]:
            ids, weights = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.float32)]
            for leaf, offset in self.reader.leaf_readers():
                if (fieldname, btext) in leaf:
                    for block_ids, block_weights, _ in _blocks(leaf.postings(fieldname, btext)):
                        ids.append(np.asarray(block_ids, dtype=np.int32) + offset)
                        weights.append(np.asarray(block_weights, dtype=np.float32))
            return np.concatenate(ids), np.concatenate(weights)
        return self._kept((fieldname, btext), decode)

    def positions(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Every (document, position) of a term, for phrases."""
        def decode() -> tuple[np.ndarray, np.ndarray]:
            decode_value = self.searcher.schema[fieldname].format.decode_positions
            docs: list[int] = []
            positions: list[int] = []
            for leaf, offset in self.reader.leaf_readers():
                if (fieldname, btext) in leaf:
                    for ids, _, values in _blocks(leaf.postings(fieldname, btext), values=True):
                        for docnum, value in zip(ids, values or (), strict=True):
                            found = decode_value(value)
                            docs.extend([docnum + offset] * len(found))
                            positions.extend(found)
            return np.array(docs, dtype=np.int32), np.array(positions, dtype=np.int32)
        return self._kept(("#positions " + fieldname, btext), decode)

    def _bytes(self, fieldname: str, text) -> bytes:
        return text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)

    def phrase(self, q: wq.Phrase) -> np.ndarray | None:
        """Documents holding the words one right after another (Whoosh's slop 1), from positions."""
        field = self.searcher.schema[q.fieldname]
        if q.slop != 1 or not field.format.supports("positions"):
            return None
        mask = np.zeros(self.size, dtype=bool)
        keys = None
        for number, word in enumerate(q.words):
            btext = self._bytes(q.fieldname, word)
            if (q.fieldname, btext) not in self.reader:
                return mask
            docs, positions = self.positions(q.fieldname, btext)
            if not len(docs):
                return mask
            # Where the phrase would start, one int64 per occurrence (kept non-negative), in order:
            # postings come in document order and positions in text order.
            starts = (docs.astype(np.int64) << 32) + positions + (len(q.words) - number)
            if keys is None:
                keys = starts
            else:
                found = np.searchsorted(starts, keys)
                keys = keys[starts[np.minimum(found, len(starts) - 1)] == keys]
        if keys is not None:
            mask[keys >> 32] = True
        return mask & self.live

    # -- masks ----------------------------------------------------------------------------------

    def term(self, fieldname: str, text) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.postings(fieldname, self._bytes(fieldname, text))[0]] = True
        return mask & self.live

    def mask(self, q: wq.Query) -> np.ndarray:
        exact = self._mask(q)
        if exact is not None:
            return exact
        mask = np.zeros(self.size, dtype=bool)  # Whoosh's own answer, one id at a time
        mask[np.fromiter(q.docs(self.searcher), dtype=np.int64)] = True
        return mask

    def _mask(self, q: wq.Query) -> np.ndarray | None:
        if isinstance(q, wq.Every):
            return self.live.copy()
        if isinstance(q, type(wq.NullQuery)):
            return np.zeros(self.size, dtype=bool)
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, wq.Phrase):
            return self.phrase(q)
        if isinstance(q, wq.Not):
            inner = self._mask(q.query)
            return None if inner is None else self.live & ~inner
        if isinstance(q, wq.AndNot):
            positive, negative = self._mask(q.a), self._mask(q.b)
            return None if positive is None or negative is None else positive & ~negative
        if isinstance(q, (wq.Or, wq.DisjunctionMax, wq.And)):
            children = [self.mask(child) for child in q.subqueries]
            if not children:
                return np.zeros(self.size, dtype=bool)
            combined = children[0].copy()
            for child in children[1:]:
                if isinstance(q, wq.And):
                    combined &= child
                else:
                    combined |= child
            return combined
        return None

    # -- scores ---------------------------------------------------------------------------------

    def scored(self, q: wq.Query) -> Scored:
        """Every match of a query and its score under the searcher's weighting."""
        return self._scored(q) if type(self.searcher.weighting) is scoring.BM25F else self._walk(q)

    def _term_scored(self, fieldname: str, text, boost: float) -> Scored:
        """Whoosh's BM25FScorer over a whole posting list (WeightScorer for unscorable fields)."""
        btext = self._bytes(fieldname, text)
        ids, weights = self.postings(fieldname, btext)
        weights = weights.astype(np.float64)  # Whoosh scores in double precision
        mask, score = np.zeros(self.size, dtype=bool), np.zeros(self.size)
        mask[ids] = True
        if self.searcher.schema[fieldname].scorable:
            weighting = self.searcher.weighting
            b, k1 = weighting._field_B.get(fieldname, weighting.B), weighting.K1
            average = self.searcher.avg_field_length(fieldname) or 1
            norm = k1 * ((1 - b) + b * self.field_lengths(fieldname)[ids] / average)
            score[ids] = self.searcher.idf(fieldname, btext) * (weights * (k1 + 1)) / (weights + norm)
        else:
            score[ids] = weights
        mask &= self.live
        return mask, score * (boost * mask)

    def _scored(self, q: wq.Query) -> Scored:
        """BM25F with numpy where Whoosh's scores add up (terms, phrases, AND, OR, NOT); Whoosh for the rest."""
        if isinstance(q, type(wq.NullQuery)):
            return np.zeros(self.size, dtype=bool), np.zeros(self.size)
        if isinstance(q, wq.Term):
            return self._term_scored(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.Phrase) and len(q.words) > 1:
            mask = self.phrase(q)
            if mask is not None:  # Whoosh scores a phrase as the sum of its words' scores
                words = [self._term_scored(q.fieldname, word, 1.0)[1] for word in q.words]
                return mask, sum(words, np.zeros(self.size)) * (q.boost * mask)
        if isinstance(q, wq.AndNot):
            positive, score = self._scored(q.a)
            mask = positive & ~self.mask(q.b)
            return mask, score * mask
        plain_or = isinstance(q, wq.Or) and not q.minmatch and not q.scale
        if not (plain_or or isinstance(q, wq.And)) or not q.subqueries:
            return self._walk(q)
        mask = np.zeros(self.size, dtype=bool) if plain_or else self.live.copy()
        score = np.zeros(self.size)
        for child in q.subqueries:
            if isinstance(q, wq.And) and isinstance(child, wq.Not):
                mask &= ~self.mask(child.query)
                continue
            child_mask, child_score = self._scored(child)
            if plain_or:
                mask |= child_mask
            else:
                mask &= child_mask
            score += child_score
        boost = q.boost if len(q.subqueries) > 1 else 1.0  # Whoosh skips a lone child's wrapper
        return mask, score * (boost * mask)

    def _walk(self, q: wq.Query) -> Scored:
        """Whoosh's own search over every match: exact for every query, and slow."""
        mask, score = np.zeros(self.size, dtype=bool), np.zeros(self.size)
        remaining = max(self._deadline - time.monotonic(), 0.01)
        collector = TimeLimitCollector(self.searcher.collector(limit=None), remaining)
        try:
            self.searcher.search_with_collector(q, collector)
        except TimeLimit:
            self._deadline = 0.0
            self._in_time()
        for hit_score, docnum in collector.results().top_n:
            mask[docnum], score[docnum] = True, hit_score
        mask &= self.live
        return mask, score * mask

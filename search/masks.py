"""Which documents match a query, and how well, as numpy arrays built from whole posting blocks.

Facet counts need every matching document, not the top ten, and ranking needs every match's score.
Whoosh's matchers hand both out one id at a time through several layers of Python; for a common
word that is most of a query's cost. Here terms are read a posting block at a time (Whoosh's W3
codec stores each block's ids and weights as arrays) and combined with numpy. Scores use Whoosh's
own BM25F formula and statistics, so the ranking is the one Whoosh would give (a test compares
them). Positional and numeric queries (phrases, date ranges), and anything else numpy does not
cover, are answered by one unlimited Whoosh search, which is exact.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3LeafMatcher

POSTINGS_CACHE = 5_000_000  # decoded postings kept between queries: 8 bytes each, 40 MB at most
Scored = tuple[np.ndarray, np.ndarray]  # (mask, score) over every document; score is 0 off the mask
MULTI_TERM = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.Regex)


def _block_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Every id and weight of a segment's posting list, a block at a time."""
    ids, weights = [], []
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            block = slice(matcher._i, matcher._blocklength)
            ids.append(np.asarray(matcher._ids[block], dtype=np.int64))
            weights.append(np.asarray(matcher._weights[block], dtype=np.float64))
            matcher._next_block()
    else:  # another codec: the slow, public way
        while matcher.is_active():
            ids.append(np.array([matcher.id()], dtype=np.int64))
            weights.append(np.array([matcher.weight()], dtype=np.float64))
            matcher.next()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(ids), np.concatenate(weights)


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

    def postings(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """Every document of a term and its weight there. Decoding Whoosh's compressed blocks is most
        of a query's cost, so the most recently used terms are kept decoded (POSTINGS_CACHE postings)."""
        field = self.searcher.schema[fieldname]
        key = (fieldname, text if isinstance(text, bytes) else field.to_bytes(text))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        ids, weights = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.float32)]
        for leaf, offset in self.reader.leaf_readers():
            if key in leaf:
                leaf_ids, leaf_weights = _block_postings(leaf.postings(*key))
                ids.append((leaf_ids + offset).astype(np.int32))
                weights.append(leaf_weights.astype(np.float32))
        postings = np.concatenate(ids), np.concatenate(weights)
        self._cache[key] = postings
        self._cached_postings += len(postings[0])
        while self._cached_postings > POSTINGS_CACHE and len(self._cache) > 1:
            self._cached_postings -= len(self._cache.popitem(last=False)[1][0])
        return postings

    # -- masks ----------------------------------------------------------------------------------

    def term(self, fieldname: str, text) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.postings(fieldname, text)[0]] = True
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
        if isinstance(q, MULTI_TERM):
            mask = np.zeros(self.size, dtype=bool)
            for btext in q._btexts(self.reader):
                mask |= self.term(q.fieldname, btext)
            return mask
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
        mask, score = np.zeros(self.size, dtype=bool), np.zeros(self.size)
        field = self.searcher.schema[fieldname]
        btext = text if isinstance(text, bytes) else field.to_bytes(text)
        weighting = self.searcher.weighting
        if field.scorable:
            idf = self.searcher.idf(fieldname, btext)
            average = self.searcher.avg_field_length(fieldname) or 1
            b, k1 = weighting._field_B.get(fieldname, weighting.B), weighting.K1
            lengths = self.field_lengths(fieldname)
        ids, weights = self.postings(fieldname, btext)
        weights = weights.astype(np.float64)  # Whoosh scores in double precision
        mask[ids] = True
        if field.scorable:
            norm = k1 * ((1 - b) + b * lengths[ids] / average)
            score[ids] = idf * (weights * (k1 + 1)) / (weights + norm)
        else:
            score[ids] = weights
        mask &= self.live
        return mask, score * (boost * mask)

    def _scored(self, q: wq.Query) -> Scored:
        """BM25F with numpy where Whoosh's scores add up (terms, AND, OR, NOT); Whoosh for the rest."""
        if isinstance(q, type(wq.NullQuery)):
            return np.zeros(self.size, dtype=bool), np.zeros(self.size)
        if isinstance(q, wq.Term):
            return self._term_scored(q.fieldname, q.text, q.boost)
        if isinstance(q, MULTI_TERM):
            # The OR of its expansions: Whoosh's constant-score OR of them loses matches.
            expansions = [self._term_scored(q.fieldname, btext, 1.0) for btext in q._btexts(self.reader)]
            boost = q.boost if len(expansions) > 1 else 1.0
            return (np.logical_or.reduce([m for m, _ in expansions] + [np.zeros(self.size, dtype=bool)]),
                    sum((s for _, s in expansions), np.zeros(self.size)) * boost)
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
        for hit_score, docnum in self.searcher.search(q, limit=None).top_n:
            mask[docnum], score[docnum] = True, hit_score
        mask &= self.live
        return mask, score * mask

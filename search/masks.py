"""Which documents match a query, as a numpy mask, built from whole posting blocks.

Facet counts need every matching document, not the top ten. Whoosh's matchers hand them out one
id at a time through several layers of Python; for a common word that is most of a query's cost.
Here terms are read a posting block at a time (Whoosh's W3 codec stores each block's ids as one
array) and combined with numpy: AND, OR, NOT and multi-term expansions (prefix, wildcard, fuzzy).
Positional and numeric queries (phrases, date ranges) are left to Whoosh, whose answer is exact.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher


def _block_ids(matcher) -> np.ndarray:
    """Every id of a segment's posting list, a block at a time."""
    if not isinstance(matcher, W3LeafMatcher):  # another codec: the slow, public way
        return np.fromiter(matcher.all_ids(), dtype=np.int64)
    parts = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        parts.append(np.asarray(matcher._ids[matcher._i:matcher._blocklength], dtype=np.int64))
        matcher._next_block()
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class MaskBuilder:
    """Masks over a searcher's documents (deleted documents never match)."""

    def __init__(self, searcher, live: np.ndarray):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.live = live
        self.size = len(live)

    def term(self, fieldname: str, text) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        field = self.searcher.schema[fieldname]
        btext = field.to_bytes(text) if not isinstance(text, bytes) else text
        for leaf, offset in self.reader.leaf_readers():
            if (fieldname, btext) in leaf:
                mask[_block_ids(leaf.postings(fieldname, btext)) + offset] = True
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
        if isinstance(q, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.Regex)):
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

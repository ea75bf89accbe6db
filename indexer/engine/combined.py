"""One unfielded word scored once over the text fields it is searched in (BM25F).

Summing a BM25 score per field (Whoosh's BM25F) counts a word twice when a headline repeats it,
each time with its own saturation and idf. BM25F proper (Robertson, Zaragoza and Taylor, 2004)
normalises the word's frequency in each field by that field's length against its own average,
weights and adds them, and saturates once, with the idf of the field where the word is most
frequent. (Adding raw frequencies and lengths first, as Lucene's CombinedFieldQuery does, lets a
long body dilute a title match; bench/relevance.py measured both.) This Whoosh query is the
definition (Whoosh's own matchers score it, as the tests' reference and for fallbacks); the plan's
`Fields` node (search/plan.py) computes the same with numpy.
"""

from __future__ import annotations

from typing import Any

from whoosh import matching
from whoosh import query as wq

from dateline.search import plan


class CombinedFields(wq.CompoundQuery):
    """A word in several fields, scored as one BM25F term; any other parts (a phrase, a
    wildcard, searched in each field) are an OR of their per-field scores, as before."""

    JOINT = " OR "
    intersect_merge = False

    def terms_only(self) -> bool:
        return all(type(q) is wq.Term for q in self.subqueries)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        weighting = context.weighting if context else searcher.weighting
        if weighting is None or not self.terms_only():  # unscored (a NOT's inside), or not only words
            return wq.Or(self.subqueries, boost=self.boost).matcher(searcher, context)
        # the field weight is applied here, once: a boosted Term's own matcher would multiply it in
        postings = [(q.fieldname, q.boost, q.with_boost(1.0).matcher(searcher, context))
                    for q in self.subqueries]
        postings = [(name, boost, m) for name, boost, m in postings if m.is_active()]
        if not postings:
            return matching.NullMatcher()
        top = searcher.get_parent() or searcher
        frequency = max(top.doc_frequency(q.fieldname, q.text) for q in self.subqueries)
        scoring = _Scoring(searcher, top, [q.fieldname for q in self.subqueries], weighting.K1,
                           weighting.B, self.boost * plan.idf(frequency, top.doc_count_all()))
        return CombinedMatcher(postings, scoring)


class _Scoring:
    """What a document's BM25F score needs besides its frequencies: each field's length against
    that field's average over the index."""

    def __init__(self, searcher: Any, top: Any, fields: list[str], k1: float, b: float, weight: float):
        self.searcher, self.k1, self.b, self.weight = searcher, k1, b, weight
        self.average = {name: top.avg_field_length(name) or 1 for name in fields}

    def frequency(self, document: int, name: str, boost: float, frequency: float) -> float:
        """One field's frequency, normalised by the field's length and weighted."""
        length = self.searcher.doc_field_length(document, name, 0) or 0
        return boost * frequency / ((1 - self.b) + self.b * length / self.average[name])

    def score(self, frequency: float) -> float:
        return self.weight * (frequency * (self.k1 + 1)) / (frequency + self.k1)


class CombinedMatcher(matching.Matcher):
    """The union of the fields' postings; at each document, BM25F over their normalised frequencies."""

    def __init__(self, postings: list[tuple[str, float, Any]], scoring: _Scoring):
        self._postings, self._scoring = postings, scoring

    def _active(self) -> list[tuple[str, float, Any]]:
        return [(name, boost, m) for name, boost, m in self._postings if m.is_active()]

    def is_active(self) -> bool:
        return bool(self._active())

    def id(self) -> int:
        return min(m.id() for _, _, m in self._active())

    def next(self) -> bool:
        current = self.id()
        for _, _, m in self._active():
            if m.id() == current:
                m.next()
        return False

    def skip_to(self, target: int) -> bool:
        for _, _, m in self._active():
            if m.id() < target:
                m.skip_to(target)
        return False

    def reset(self) -> None:
        for _, _, m in self._postings:
            m.reset()

    def copy(self) -> CombinedMatcher:
        return CombinedMatcher([(name, boost, m.copy()) for name, boost, m in self._postings], self._scoring)

    def children(self) -> list[Any]:
        return [m for _, _, m in self._postings]

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else matching.NullMatcher()

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        """No document scores more (tf / (tf + k1) < 1), for Whoosh's matchers that prune by it."""
        return self._scoring.weight * (self._scoring.k1 + 1)

    def weight(self) -> float:
        current = self.id()
        return sum(boost * m.weight() for _, boost, m in self._active() if m.id() == current)

    def score(self) -> float:
        current = self.id()
        return self._scoring.score(sum(self._scoring.frequency(current, name, boost, m.weight())
                                       for name, boost, m in self._active() if m.id() == current))

"""A query as Dateline's own plan, evaluated with numpy one segment at a time, then merged.

Facet counts need every matching document, not the top ten, and ranking needs every match's score;
Whoosh's matchers hand both out one id at a time through several layers of Python. A query is
compiled once (indexer/engine/parser.py) into the nodes below and each node is answered for a whole
segment at once from its decoded posting lists: a mask of the documents that match and their
scores. Segments' answers are concatenated (counts add; the top k of the whole is taken from the
merged scores) — the step where shards of a larger index would plug in.

Scores are BM25F with BM25's probabilistic idf (idf() below; indexer/engine/view.py and combined.py
give Whoosh the same): the same formula and the same statistics (document frequency and average length
over the whole index, deleted documents included, as Whoosh counts them), so the ranking is the one
Whoosh would give; tests/test_engine.py compares them, also after deletions and with NOT. What the
plan does not cover (proximity phrases, minimum-match ORs, ...) is a Fallback
node answered by Whoosh's matchers, and `dateline search --explain` says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from dateline.errors import QueryError

if TYPE_CHECKING:
    from dateline.search.feedback import RM3

Answer = tuple[np.ndarray, np.ndarray]  # (mask, score) over one segment's documents; score 0 off the mask


def idf(frequency: int, documents: int) -> float:
    """The probabilistic idf of BM25 as Lucene and tantivy compute it, log(1 + (N - n + 0.5) / (n + 0.5)).
    Whoosh's own, log(N / (n + 1)) + 1, weighs a word found in every document 1, so the common words
    of a long query drown its rare ones (bench/relevance.py: CISI and CACM)."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


@dataclass(frozen=True)
class Ranking:
    """BM25F (a word scored once over title and body, the title's frequency and length counted
    `title_weight` times), with the idf above. The defaults are the best mean nDCG@10 over six test
    collections (bench/relevance.py, which also chooses them leaving each collection out). With
    `feedback`, a scored query runs again with words of its best matches (search/feedback.py)."""

    k1: float = 1.5
    b: float = 0.6
    title_weight: float = 3.0
    feedback: RM3 | None = None

    def field_weights(self) -> dict[str, float]:
        return {"title": self.title_weight, "body": 1.0}


class Node:
    """A plan node: `explain()` is one readable line per node."""

    children: Sequence[Node] = ()

    def describe(self) -> str:
        raise NotImplementedError

    def explain(self, depth: int = 0) -> Iterator[str]:
        yield "  " * depth + self.describe()
        for child in self.children:
            yield from child.explain(depth + 1)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def sought(self) -> Iterator[Node]:
        """The nodes a match is looked for by: every node but those under a NOT (or an and-not's
        negative side), whose words a matching article does not have."""
        yield self
        for child in self.children:
            yield from child.sought()


@dataclass(frozen=True)
class Term(Node):
    field: str
    text: bytes
    word: str  # the indexed word, for reading
    boost: float = 1.0

    def describe(self) -> str:
        return f"term {self.field}:{self.word}" + _boost(self.boost)


@dataclass(frozen=True)
class Fields(Node):
    """One word in several text fields, scored once: BM25F, each field's frequency normalised by that
    field's own length, weighted by its term's boost, added and saturated once, with the idf of the
    field where the word is most frequent (indexer/engine/combined.py defines it for Whoosh)."""

    children: tuple[Term, ...]
    boost: float = 1.0

    def describe(self) -> str:
        fields = "|".join(term.field + _boost(term.boost).lstrip() for term in self.children)
        return f"word {fields}:{self.children[0].word}" + _boost(self.boost)

    def explain(self, depth: int = 0) -> Iterator[str]:
        yield "  " * depth + self.describe()


@dataclass(frozen=True)
class Expansion(Node):
    """A wildcard, prefix, fuzzy term or range: the OR of the indexed words it stands for."""

    pattern: str
    children: tuple[Term, ...] = ()
    boost: float = 1.0

    def describe(self) -> str:
        return f"expansion {self.pattern} -> {len(self.children)} words" + _boost(self.boost)

    def explain(self, depth: int = 0) -> Iterator[str]:
        yield "  " * depth + self.describe()
        shown = self.children[:5]
        for child in shown:
            yield from child.explain(depth + 1)
        if len(self.children) > len(shown):
            yield "  " * (depth + 1) + f"... {len(self.children) - len(shown)} more"


@dataclass(frozen=True)
class Phrase(Node):
    """Words one right after another."""

    field: str
    words: tuple[Term, ...]
    boost: float = 1.0

    @property
    def children(self) -> tuple[Term, ...]:  # type: ignore[override]
        return self.words

    def describe(self) -> str:
        return f'phrase {self.field}:"{" ".join(w.word for w in self.words)}"' + _boost(self.boost)

    def explain(self, depth: int = 0) -> Iterator[str]:
        yield "  " * depth + self.describe()


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]
    boost: float = 1.0

    def describe(self) -> str:
        return "and" + _boost(self.boost)


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]
    boost: float = 1.0

    def describe(self) -> str:
        return "or" + _boost(self.boost)


@dataclass(frozen=True)
class Not(Node):
    """Every live document the child does not match; as in Whoosh, it scores 1.0 where it matches."""

    child: Node

    @property
    def children(self) -> tuple[Node, ...]:  # type: ignore[override]
        return (self.child,)

    def describe(self) -> str:
        return "not"

    def sought(self) -> Iterator[Node]:
        yield self


@dataclass(frozen=True)
class AndNot(Node):
    positive: Node
    negative: Node

    @property
    def children(self) -> tuple[Node, ...]:  # type: ignore[override]
        return (self.positive, self.negative)

    def describe(self) -> str:
        return "and-not"

    def sought(self) -> Iterator[Node]:
        yield self
        yield from self.positive.sought()


@dataclass(frozen=True)
class AndMaybe(Node):
    """The required part's matches; the optional part adds to the score where it matches too."""

    required: Node
    optional: Node

    @property
    def children(self) -> tuple[Node, ...]:  # type: ignore[override]
        return (self.required, self.optional)

    def describe(self) -> str:
        return "and-maybe"


@dataclass(frozen=True)
class Days(Node):
    """Published on a local day from `first` to `last` (YYYYMMDD, inclusive; None: open); scores
    its boost, as Whoosh's constant-score ranges do."""

    first: int | None
    last: int | None
    boost: float = 1.0

    def describe(self) -> str:
        return f"days {self.first or '...'} to {self.last or '...'}" + _boost(self.boost)


@dataclass(frozen=True)
class Everything(Node):
    boost: float = 1.0

    def describe(self) -> str:
        return "everything"


@dataclass(frozen=True)
class Nothing(Node):
    def describe(self) -> str:
        return "nothing"


@dataclass(frozen=True)
class Fallback(Node):
    """A part of the query Whoosh's own matchers answer: exact, and one posting at a time."""

    query: Any = field(compare=False)
    text: str = ""
    terms: tuple[tuple[str, bytes], ...] = ()  # the words it looks for, for highlighting

    def describe(self) -> str:
        return f"fallback to Whoosh: {self.text}"


def _boost(boost: float) -> str:
    return f" ^{boost:g}" if boost != 1.0 else ""


def fallbacks(plan: Node) -> list[Fallback]:
    return [node for node in plan.walk() if isinstance(node, Fallback)]


def words_of(plan: Node, field_name: str) -> frozenset[str]:
    """The indexed words a plan looks for in one field, for highlighting."""
    words = {node.word for node in plan.sought() if isinstance(node, Term) and node.field == field_name}
    for node in (node for node in plan.sought() if isinstance(node, Fallback)):
        words.update(text.decode("utf-8") for name, text in node.terms if name == field_name)
    return frozenset(words)


def _common(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The values two sorted arrays without repeats share: merged (numpy's stable sort, timsort,
    finds the two runs and merges them in one pass; a binary search of one in the other took
    twice as long), twins kept."""
    both = np.concatenate((first, second))
    both.sort(kind="stable")
    return both[1:][both[1:] == both[:-1]]


class SegmentData(Protocol):
    """What evaluation needs of a segment (indexer/engine/segments.py provides it)."""

    size: int
    live: np.ndarray

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]: ...

    def occurrences(self, field: str, btext: bytes) -> np.ndarray: ...  # (document << 32) + position

    def pairs(self, field: str, first: bytes, second: bytes) -> np.ndarray | None: ...  # or None: positions

    def lengths(self, field: str) -> tuple[np.ndarray, np.ndarray]: ...  # a code a document, code lengths

    def days(self) -> np.ndarray: ...


class Statistics(Protocol):
    """Index-wide statistics, as Whoosh's BM25F reads them."""

    def doc_count_all(self) -> int: ...

    def doc_frequency(self, field: str, btext: bytes) -> int: ...

    def average_length(self, field: str) -> float: ...

    def scorable(self, field: str) -> bool: ...

    def fallback(self, node: Fallback, segment: Any, scored: bool) -> tuple[np.ndarray, np.ndarray]: ...


class Evaluation:
    """One query's evaluation over the segments of an index view, within a time limit."""

    def __init__(self, stats: Statistics, ranking: Ranking, query: str, time_limit: float,
                 left_out: Callable[[], float] = lambda: 0.0):
        """`left_out`: a clock of time not counted against the limit (building cached arrays)."""
        self.stats, self.ranking = stats, ranking
        self.query, self.time_limit = query, time_limit
        self.deadline = time.monotonic() + time_limit
        self._left_out, self._left_out_before = left_out, left_out()

    def in_time(self) -> None:
        if time.monotonic() - (self._left_out() - self._left_out_before) > self.deadline:
            raise QueryError(f"query {self.query!r} stopped after {self.time_limit:g} s, its time limit: "
                             f"make it narrower (fewer wildcards, a field, a filter)")

    def run(self, plan: Node, segments: Sequence[Any], scored: bool) -> Answer:
        """The merged answer of every segment: masks and scores over the whole view."""
        answers = [self.answer(plan, segment, scored) for segment in segments]
        if not answers:
            return np.zeros(0, dtype=bool), np.zeros(0)
        return np.concatenate([a[0] for a in answers]), np.concatenate([a[1] for a in answers])

    def answer(self, plan: Node, segment: SegmentData, scored: bool) -> Answer:
        mask, score = self._answer(plan, segment, scored)
        mask = mask & segment.live
        return mask, score * mask

    def _answer(self, node: Node, seg: SegmentData, scored: bool) -> Answer:
        handler: Callable[[Any, SegmentData, bool], Answer] = getattr(self, f"_{type(node).__name__.lower()}")
        return handler(node, seg, scored)

    # -- leaves ------------------------------------------------------------------------------------

    def _term(self, node: Term, seg: SegmentData, scored: bool) -> Answer:
        self.in_time()
        ids, weights = seg.postings(node.field, node.text)
        mask, score = np.zeros(seg.size, dtype=bool), np.zeros(seg.size)
        mask[ids] = True
        if not scored:
            return mask, score
        if self.stats.scorable(node.field):
            frequency = self._normalised(node, seg, ids, weights)
            score[ids] = self._saturated(self._idf(node) * node.boost, frequency)
        else:
            score[ids] = weights.astype(np.float64) * node.boost  # as Whoosh scores, in double precision
        return mask, score

    def _fields(self, node: Fields, seg: SegmentData, scored: bool) -> Answer:
        mask, postings = np.zeros(seg.size, dtype=bool), []
        for term in node.children:
            self.in_time()
            ids, weights = seg.postings(term.field, term.text)
            mask[ids] = True
            postings.append((term, ids, weights))
        if not scored:
            return mask, np.zeros(seg.size)
        frequency = np.zeros(seg.size)  # each field's, normalised by its own length, weighted, added
        for term, ids, weights in postings:
            frequency[ids] += term.boost * self._normalised(term, seg, ids, weights)
        found = max(self.stats.doc_frequency(term.field, term.text) for term in node.children)
        # saturated over every document: a frequency of 0 (no match) saturates to 0
        return mask, self._saturated(idf(found, self.stats.doc_count_all()) * node.boost, frequency)

    def _normalised(self, term: Term, seg: SegmentData, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """BM25's length normalisation of a term's frequency in each of its documents: the frequency
        divided by (1 - b) + b * length / average length (the average over the whole view)."""
        b, average = self.ranking.b, self.stats.average_length(term.field) or 1
        codes, length_of_code = seg.lengths(term.field)
        divisor_of_code = (1 - b) + b * length_of_code / average
        return weights / divisor_of_code.take(codes.take(ids))  # float64, as Whoosh scores

    def _saturated(self, weight: float, frequency: np.ndarray) -> np.ndarray:
        """BM25's saturation of normalised frequencies, times the word's weight (its idf): reuses
        `frequency`'s memory (a query's arrays are as long as a segment)."""
        k1 = self.ranking.k1
        score = frequency * (weight * (k1 + 1))
        frequency += k1
        return np.divide(score, frequency, out=score)

    def _idf(self, node: Term) -> float:
        """idf() over every document, deleted ones included, as Whoosh counts them."""
        return idf(self.stats.doc_frequency(node.field, node.text), self.stats.doc_count_all())

    def _phrase(self, node: Phrase, seg: SegmentData, scored: bool) -> Answer:
        mask = np.zeros(seg.size, dtype=bool)
        mask[self._phrase_documents(node, seg)] = True
        if not scored:
            return mask, np.zeros(seg.size)
        words = sum((self._term(word, seg, True)[1] for word in node.words), np.zeros(seg.size))
        return mask, words * (node.boost * mask)  # Whoosh scores a phrase as the sum of its words' scores

    def _phrase_documents(self, node: Phrase, seg: SegmentData) -> np.ndarray:
        """The documents that have the phrase (a document once or more): two common words' from
        their pair's postings, any other phrase's from its words' positions."""
        if len(node.words) == 2:
            pair = seg.pairs(node.field, node.words[0].text, node.words[1].text)
            if pair is not None:
                return pair
        keys = np.zeros(0, dtype=np.int64)
        for number, word in enumerate(node.words):
            self.in_time()
            occurrences = seg.occurrences(node.field, word.text)
            if not len(occurrences):
                return np.zeros(0, dtype=np.int64)
            # where the phrase would start (kept non-negative), in order, as (document << 32) + position
            starts = occurrences + (len(node.words) - number)
            keys = starts if number == 0 else _common(keys, starts)
        return keys >> 32

    def _days(self, node: Days, seg: SegmentData, scored: bool) -> Answer:
        days = seg.days()
        mask = days > 0
        if node.first is not None:
            mask &= days >= node.first
        if node.last is not None:
            mask &= days <= node.last
        return mask, mask * node.boost

    def _everything(self, node: Everything, seg: SegmentData, scored: bool) -> Answer:
        return np.ones(seg.size, dtype=bool), np.full(seg.size, node.boost)

    def _nothing(self, node: Nothing, seg: SegmentData, scored: bool) -> Answer:
        return np.zeros(seg.size, dtype=bool), np.zeros(seg.size)

    def _fallback(self, node: Fallback, seg: SegmentData, scored: bool) -> Answer:
        self.in_time()
        ids, scores = self.stats.fallback(node, seg, scored)
        mask, score = np.zeros(seg.size, dtype=bool), np.zeros(seg.size)
        mask[ids], score[ids] = True, scores
        return mask, score

    # -- combinations ------------------------------------------------------------------------------

    def _combine(self, children: Sequence[Node], seg: SegmentData, scored: bool, every: bool,
                 boost: float) -> Answer:
        mask = np.ones(seg.size, dtype=bool) if every else np.zeros(seg.size, dtype=bool)
        score = np.zeros(seg.size)
        for child in children:
            child_mask, child_score = self._answer(child, seg, scored)
            if every:
                mask &= child_mask
            else:
                mask |= child_mask
            score += child_score * child_mask
        return mask, score * (boost * mask)

    def _and(self, node: And, seg: SegmentData, scored: bool) -> Answer:
        return self._combine(node.children, seg, scored, True, node.boost)

    def _or(self, node: Or, seg: SegmentData, scored: bool) -> Answer:
        return self._combine(node.children, seg, scored, False, node.boost)

    def _expansion(self, node: Expansion, seg: SegmentData, scored: bool) -> Answer:
        return self._combine(node.children, seg, scored, False, node.boost)

    def _not(self, node: Not, seg: SegmentData, scored: bool) -> Answer:
        inner, _ = self._answer(node.child, seg, False)
        mask = seg.live & ~inner
        return mask, mask * 1.0

    def _andnot(self, node: AndNot, seg: SegmentData, scored: bool) -> Answer:
        mask, score = self._answer(node.positive, seg, scored)
        negative, _ = self._answer(node.negative, seg, False)
        mask = mask & ~negative
        return mask, score * mask

    def _andmaybe(self, node: AndMaybe, seg: SegmentData, scored: bool) -> Answer:
        mask, score = self._answer(node.required, seg, scored)
        optional, extra = self._answer(node.optional, seg, scored)
        return mask, (score + extra * optional) * mask

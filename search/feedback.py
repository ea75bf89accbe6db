"""Pseudo-relevance feedback: RM3 (Abdul-Jaleel et al., 2004) as Anserini implements it.

The words of a query's best matches, each match's word shares weighted by its score, become a
relevance model; its strongest words are added to the query, which keeps `original_weight` of the
weight. An option (`dateline search --feedback`), not the default: over bench/relevance.py's six
test collections it helps some and hurts others (the README has the figures).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from dateline.search.plan import AndMaybe, AndNot, Days, Fields, Node, Not, Or, Term


@dataclass(frozen=True)
class RM3:
    """Anserini's defaults: 10 documents, 10 words, half the weight kept by the query as typed."""

    documents: int = 10
    words: int = 10
    original_weight: float = 0.5
    most_common: float = 0.1  # a word in a larger share of the articles is never added (as Anserini)


def relevance_model(documents: Iterable[tuple[Counter[str], float]], words: int,
                    usable: Callable[[str], bool]) -> dict[str, float]:
    """P(word | relevant): each document's share of the word times the document's score, summed;
    the `words` largest of the usable words, scaled to sum to 1."""
    model: defaultdict[str, float] = defaultdict(float)
    for counts, score in documents:
        total = sum(counts.values())
        for word, count in counts.items():
            model[word] += count / total * score
    kept: list[tuple[str, float]] = []
    for word, value in sorted(model.items(), key=lambda item: -item[1]):  # usable() only as needed
        if len(kept) == words:
            break
        if usable(word):
            kept.append((word, value))
    weight = sum(value for _, value in kept)
    return {word: value / weight for word, value in kept} if weight > 0 else {}


def query_weight(plan: Node) -> float:
    """The query's own words, counted as scored (a word given twice counts twice)."""
    return sum(node.boost for node in plan.sought() if isinstance(node, Fields | Term))


def expanded(plan: Node, model: Mapping[str, float], field_weights: Mapping[str, float],
             feedback: RM3) -> Node:
    """The query with the model's words: the query scaled so its words weigh `original_weight` in
    all, each model word (over every text field, as an unfielded word) its share of the rest. The
    words widen what the query finds (that is their use: articles that say it in other words),
    except where the query excludes or filters (NOT, a date, a facet field): there they only add
    to the scores of its matches."""
    if not model:
        return plan
    original = Or((plan,), feedback.original_weight / (query_weight(plan) or 1))
    added = tuple(Fields(tuple(Term(field, word.encode("utf-8"), word, weight)
                               for field, weight in field_weights.items()),
                         (1 - feedback.original_weight) * share)
                  for word, share in model.items())
    if any(_constrains(node, field_weights) for node in plan.walk()):
        return AndMaybe(original, Or(added))
    return Or((original, *added))


def _constrains(node: Node, text_fields: Mapping[str, float]) -> bool:
    return isinstance(node, Not | AndNot | Days) or (isinstance(node, Term) and node.field not in text_fields)

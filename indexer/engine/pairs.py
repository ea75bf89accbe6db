"""Word pairs: a phrase of two common words answered from one posting list.

A phrase is found by intersecting its words' positions. For two words in most articles that is
tens of millions of positions read and merged a query (`"oil prices"` at a million generated
articles: 40 million, 355 ms). So, as Lucene's CommonGrams and Nutch's common-term bigrams do,
a news text field has a pairs field: for each two words one right after the other (as a phrase
numbers them: stop words are not counted) that are both common in the segment, a term `first
second` whose postings are the articles holding the pair. A two-word phrase of such words reads
that list and no position.

Which words are common is decided per segment, as it is written, and said in the segment itself:
each common word has a mark term in the pairs field. A word is common where it occurs at least once
an article on average (and PAIR_WORDS_MIN times): a phrase of rarer words reads fewer positions
than two an article, and news copy has few such words (Reuters: `said`, `mln`, `dlrs`, `pct`...).
A query takes the pair's postings only where both words are marked; elsewhere (a segment written
before, a rarer word) it intersects positions as before. A merge does not carry a pairs field
over (its segments' common words differ), so a merged segment has no marks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

PAIR_RATE = 1.0  # occurrences an article: a word common in a segment occurs this often there
PAIR_WORDS_MIN = 2048  # occurrences: fewer, and a word is not common in a segment, however small
MARK = b"\x00"  # a mark term is MARK + the word: they sort before every pair


def pairs_field(field: str) -> str:
    """The pairs field of a news text field."""
    return f"{field}_pairs"


def is_pairs_field(name: str) -> bool:
    return name.endswith("_pairs")


def pair_term(first: bytes, second: bytes) -> bytes:
    return first + b" " + second


def mark_term(word: bytes) -> bytes:
    return MARK + word


def common_words(words: np.ndarray, documents: int) -> np.ndarray:
    """The numbers of the words that occur PAIR_RATE times an article in the segment (of
    `documents` articles), and at least PAIR_WORDS_MIN times (`words`: every word kept, as its
    number)."""
    return np.flatnonzero(np.bincount(words) >= max(PAIR_WORDS_MIN, PAIR_RATE * documents))


def pair_postings(words: np.ndarray, docs: np.ndarray, documents: int,
                  vocabulary: list[str]) -> Iterator[tuple[bytes, np.ndarray]]:
    """The pairs field's terms in byte order, each with its documents in order: a mark for each
    common word (document 0), then each pair of common words one right after the other in a
    document. `words`: every word kept, as its number, a document's in order; `docs`: each one's
    document."""
    common = common_words(words, documents)
    if not len(common):
        return
    texts = [vocabulary[number].encode("utf-8") for number in common.tolist()]
    for text in sorted(texts):
        yield mark_term(text), np.zeros(1, dtype=np.int64)
    slot = np.full(int(words.max()) + 1, -1, dtype=np.int64)
    slot[common] = np.arange(len(common))
    first, second = slot[words[:-1]], slot[words[1:]]
    pairs = (first >= 0) & (second >= 0) & (docs[:-1] == docs[1:])
    keys = np.unique((first[pairs] * len(common) + second[pairs]) * documents + docs[:-1][pairs])
    pair_of_key, docs_of_key = np.divmod(keys, documents)
    starts = np.flatnonzero(np.diff(pair_of_key, prepend=-1))
    ends = np.append(starts[1:], len(keys))
    found = np.divmod(pair_of_key[starts], len(common))
    terms = [pair_term(texts[a], texts[b]) for a, b in zip(found[0].tolist(), found[1].tolist(), strict=True)]
    for number in sorted(range(len(terms)), key=terms.__getitem__):
        yield terms[number], docs_of_key[starts[number]:ends[number]]

"""A segment's news text indexed a segment at a time.

Whoosh's writer turns each document's text into postings one word at a time: a tuple per posting
for its pool, a sort, then a call per posting to fill the codec's blocks, asking each time for the
document's field length. For news copy of 300 words that was three quarters of a segment writer's
CPU. Here a news_analyzer field keeps each document's words as numbers in an array, and when the
segment is written numpy sorts them by term and document, counts the frequencies, encodes the
position gaps, and hands the codec's own block writer (W3PostingsWriter, whose blocks are
Whoosh's format) a block of up to 128 postings at a time. tests/test_engine.py checks that the
postings, spelling words, lengths and stored fields equal those Whoosh's writer makes.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

from dateline.indexer.engine.analysis import news_words, stemmer
from dateline.indexer.engine.formats import encode_varint_array
from dateline.indexer.engine.pairs import pair_postings
from dateline.indexer.engine.segments import LENGTH_OF_BYTE

SPELLING_VALUE = pack_uint(1)  # a spelling word's posting value: frequency 1, as its weight says
TERMS_A_CHUNK = 4096  # terms whose postings are made Python lists at once


@dataclass(frozen=True)
class TermPostings:
    """One term's postings in document order, as the codec's block writer takes them."""

    text: bytes
    docnums: list[int]
    weights: list[float]
    values: list[bytes]
    lengths: list[int]  # each document's field length, as Whoosh's length byte gives it back


class NewsText:
    """One news_analyzer field's words in one segment, gathered a document at a time."""

    def __init__(self, boost: float, spelling: bool) -> None:
        self.boost = boost
        self.vocabulary: dict[str, int] = {}  # stem -> its number, in the order first seen
        self.numbers: dict[str, int] = {}  # word -> its stem's number
        self.words = array("i")  # every word kept, as its stem's number, document after document
        self.docnums, self.firsts, self.counts = array("i"), array("i"), array("i")
        self.length_bytes = bytearray()  # of every document of the segment, by number
        self.spelling: Counter[str] | None = Counter() if spelling else None  # whole words: documents

    def add(self, docnum: int, text: str) -> int:
        """Take a document's text; its length in words, as Whoosh counts it."""
        first, words = news_words(text)
        self.length_bytes.extend(bytes(docnum + 1 - len(self.length_bytes)))
        if not words:
            return 0
        numbers = self.numbers
        found = list(map(numbers.get, words))
        if None in found:  # words new to the segment: stemmed once each (other scripts' are not)
            new = sorted({word for word, number in zip(words, found, strict=True) if number is None})
            stems = stemmer().stemWords(new)
            vocabulary = self.vocabulary
            for word, stem in zip(new, stems, strict=True):
                numbers[word] = vocabulary.setdefault(stem if word.isascii() else word, len(vocabulary))
            found = [numbers[word] for word in words]
        self.words.extend(cast("list[int]", found))  # every word numbered now
        self.docnums.append(docnum)
        self.firsts.append(first)
        self.counts.append(len(words))
        self.length_bytes[docnum] = length_to_byte(len(words))
        if self.spelling is not None:
            self.spelling.update(set(words))
        return len(words)

    def postings(self) -> Iterator[TermPostings]:
        """Every term's postings, in term order (UTF-8 bytes order, which is code point order)."""
        if not self.words:
            return
        words = np.frombuffer(self.words, dtype=np.int32)
        counts = np.frombuffer(self.counts, dtype=np.int32)
        stems = list(self.vocabulary)
        order = sorted(range(len(stems)), key=stems.__getitem__)
        rank = np.empty(len(stems), dtype=np.int64)
        rank[order] = np.arange(len(stems))
        # each word's document and position (positions count from the document's first word kept)
        documents = int(self.docnums[-1]) + 1
        docs = np.repeat(np.frombuffer(self.docnums, dtype=np.int32).astype(np.int64), counts)
        starts = np.cumsum(counts) - counts
        firsts = np.frombuffer(self.firsts, dtype=np.int32)
        positions = np.arange(len(words)) - np.repeat(starts - firsts, counts)
        # words by term, then document; a stable sort keeps each document's positions in order
        key = rank[words] * documents + docs
        del docs
        by_term = np.argsort(key, kind="stable")
        key, positions = key[by_term], positions[by_term]
        del by_term
        first_of_posting = np.flatnonzero(np.diff(key, prepend=-1))
        gaps = np.diff(positions, prepend=0)
        gaps[first_of_posting] = positions[first_of_posting]
        del positions
        data, sizes = encode_varint_array(gaps)
        value_ends = np.cumsum(np.add.reduceat(sizes, first_of_posting))
        term_of_posting, docnums = np.divmod(key[first_of_posting], documents)
        frequencies = np.diff(np.append(first_of_posting, len(key)))
        del key, gaps, sizes
        lengths = LENGTH_OF_BYTE.astype(np.int64)[np.frombuffer(self.length_bytes, dtype=np.uint8)[docnums]]
        bounds = np.append(np.flatnonzero(np.diff(term_of_posting, prepend=-1)), len(docnums))
        # Python lists a chunk of terms at a time: a list item costs tens of bytes, a posting of numpy 4
        for chunk in range(0, len(stems), TERMS_A_CHUNK):
            terms = order[chunk:chunk + TERMS_A_CHUNK]
            low, high = int(bounds[chunk]), int(bounds[chunk + len(terms)])
            ends = value_ends[low:high].tolist()
            values = [data[start:end] for start, end in zip([int(value_ends[low - 1]) if low else 0, *ends],
                                                           ends, strict=False)]
            chunk_docs, chunk_lengths = docnums[low:high].tolist(), lengths[low:high].tolist()
            chunk_weights = (frequencies[low:high] * self.boost).tolist()
            at = (bounds[chunk:chunk + len(terms) + 1] - low).tolist()
            for number, start, end in zip(terms, at, at[1:], strict=False):
                yield TermPostings(stems[number].encode("utf-8"), chunk_docs[start:end],
                                   chunk_weights[start:end], values[start:end], chunk_lengths[start:end])

    def pair_postings(self) -> Iterator[TermPostings]:
        """The postings of the field's pairs field (pairs.py): its common words' marks, and the pairs
        of them one right after the other."""
        if not self.words:
            return
        words = np.frombuffer(self.words, dtype=np.int32).astype(np.int64)
        docs = np.repeat(np.frombuffer(self.docnums, dtype=np.int32).astype(np.int64),
                         np.frombuffer(self.counts, dtype=np.int32))
        for text, docnums in pair_postings(words, docs, int(self.docnums[-1]) + 1, list(self.vocabulary)):
            count = len(docnums)
            yield TermPostings(text, docnums.tolist(), [1.0] * count, [b""] * count, [0] * count)

    def spelling_postings(self) -> Iterator[TermPostings]:
        """The whole words, each with one posting of document 0 for every document that has it: what
        Whoosh's writer gives a separate spelling field (its corrector counts them)."""
        documents = self.spelling or Counter()
        for word in sorted(documents):
            count = documents[word]
            yield TermPostings(word.encode("utf-8"), [0] * count, [1.0] * count, [SPELLING_VALUE] * count,
                               [0] * count)


def write_field(fieldwriter: Any, fieldname: str, field: Any, terms: Iterator[TermPostings]) -> None:
    """Write a field's terms (if it has any) through Whoosh's W3 field writer, filling its posting
    writer's block a block at a time (what its add() does a posting at a time; its _write_block
    writes them)."""
    started = False
    for term in terms:
        if not started:
            fieldwriter.start_field(fieldname, field)
            started = True
        fieldwriter.start_term(term.text)
        postwriter = fieldwriter._postwriter
        limit = postwriter._blocklimit
        for start in range(0, len(term.docnums), limit):
            if start:
                postwriter._write_block()
            end = start + limit
            weights, lengths = term.weights[start:end], term.lengths[start:end]
            postwriter._ids = array("I", term.docnums[start:end])
            postwriter._weights = array("f", weights)
            postwriter._values = term.values[start:end]
            postwriter._maxweight = max(weights)
            postwriter._maxlength = max(lengths)
            shortest = min(lengths)  # a posting of length 0 (none stored) is left out, as Whoosh does
            postwriter._minlength = shortest or min((n for n in lengths if n), default=None)
        fieldwriter.finish_term()  # writes the last block
    if started:
        fieldwriter.finish_field()

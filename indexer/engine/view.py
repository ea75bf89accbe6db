"""One committed generation of an index as the search layer reads it: segments, statistics,
stored articles, query compilation, snippets and spelling, with Whoosh kept inside."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import highlight, scoring
from whoosh.support.levenshtein import damerau_levenshtein

from dateline.indexer.engine import patches  # noqa: F401  (applied on import)
from dateline.indexer.engine.analysis import is_news_analyzer, news_tokens
from dateline.indexer.engine.pairs import pairs_field
from dateline.indexer.engine.parser import Compiler, Resolve, make_parser, parse
from dateline.indexer.engine.segments import (
    ArrayCache,
    PostingsCache,
    Segment,
    mapped_bytes,
    segment_ids,
    segments_of,
)
from dateline.indexer.engine.store import live_run
from dateline.indexer.fields import FACET_FIELDS, TEXT_FIELDS
from dateline.search import plan
from dateline.search.output import MARK_END, MARK_START


class _MarkerFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return MARK_START + highlight.get_text(text, token, replace) + MARK_END


class BM25F(scoring.BM25F):
    """Whoosh's BM25F with Dateline's idf (search/plan.py), for what Whoosh's own matchers score."""

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        return plan.idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())


def weighting(ranking: plan.Ranking) -> BM25F:
    return BM25F(B=ranking.b, K1=ranking.k1)


class IndexView:
    """A searcher of one generation. Arrays and decoded postings are kept in caches shared by the
    views of one index, keyed by segment, so a newer generation reuses an older one's work."""

    def __init__(self, ix: Any, path: Path, ranking: plan.Ranking, arrays: ArrayCache,
                 postings: PostingsCache):
        self.path, self.ranking = path, ranking
        self.generation: int = ix.latest_generation()
        self._searcher = ix.searcher(weighting=weighting(ranking))
        self._reader = self._searcher.reader()
        self.schema = ix.schema
        self._parser = make_parser(self.schema, ranking)
        self._frequencies: dict[tuple[str, bytes], int] = {}
        self._average_lengths: dict[str, float] = {}
        self._news_body = is_news_analyzer(self.schema["body"].analyzer)
        self._doc_count_all: int = self._reader.doc_count_all()  # Whoosh sums every segment's per call
        self.segments: list[Segment] = segments_of(self._reader, self.schema, arrays, postings)
        if self.generation == ix.latest_generation():
            arrays.keep_only(segment_ids(self.segments))

    def close(self) -> None:
        self._searcher.close()

    def build_arrays(self) -> None:
        """Build every segment's arrays that queries read (text lengths, dates, facet maps, common
        words' and word pairs' postings) and keep them beside the index, where they are not yet:
        an indexing run ends with this, so a later process's first query finds them (at a million
        articles, building them was most of a first query's 1.2-4.6 s)."""
        for segment in self.segments:
            for field in TEXT_FIELDS:
                segment.lengths(field)
                segment.keep_common_postings(field)
                if pairs_field(field) in self.schema:
                    segment.keep_common_postings(pairs_field(field))
            segment.days()
            segment.instants()
            for facet in FACET_FIELDS:
                segment.facet(facet.name)
            segment.release_mapped_pages()  # what was read of the segment file, once

    @property
    def state(self) -> str:
        """Names this index as it is now: another commit, or another index, names another state."""
        return f"{self.path.resolve()}|{self.generation}|{','.join(sorted(segment_ids(self.segments)))}"

    # -- statistics, as Whoosh's BM25F reads them ---------------------------------------------------

    def doc_count_all(self) -> int:
        return self._doc_count_all

    def doc_frequency(self, field: str, btext: bytes) -> int:
        """Documents with the term, deleted ones included (as Whoosh's idf counts); kept per view, as
        Whoosh's searcher keeps its idf, since each lookup visits every segment's term table."""
        key = (field, btext)
        if key not in self._frequencies:
            self._frequencies[key] = self._reader.doc_frequency(field, btext)
        return self._frequencies[key]

    def average_length(self, field: str) -> float:
        """Kept per view: Whoosh sums every segment's total length for it, and a query asks once a
        segment (80 segments at a million articles: 6,400 lookups a query)."""
        if field not in self._average_lengths:
            self._average_lengths[field] = self._searcher.avg_field_length(field) or 0.0
        return self._average_lengths[field]

    def scorable(self, field: str) -> bool:
        return bool(self.schema[field].scorable)

    def fallback(self, node: plan.Fallback, segment: Any, scored: bool) -> tuple[np.ndarray, np.ndarray]:
        return segment.whoosh_matches(node.query, self._searcher, scored)

    # -- queries ------------------------------------------------------------------------------------

    def compile(self, text: str, resolve: Resolve, facet_fields: set[str]) -> plan.Node:
        compiler = Compiler(self._reader, self.schema, text, resolve, facet_fields)
        return compiler.compile(parse(text, self._parser))

    def analyze(self, field: str, text: str) -> list[str]:
        return [token.text for token in self.schema[field].analyzer(text)]

    def knows(self, field: str, word: str) -> bool:
        """Whether any document has the (analysed) word in the field."""
        return self.frequency(field, word) > 0

    def closest_word(self, field: str, word: str, at_least: int = 1) -> str | None:
        """The nearest whole word as written in the articles (edit distance 2 at most, first letter
        kept) that at least `at_least` documents have: the nearest (a swap of two letters is one
        edit), then the most frequent."""
        spelled = f"spell_{field}" if f"spell_{field}" in self.schema.names() else field  # whole words
        typed = word.lower()
        found = []
        for candidate in self._searcher.corrector(spelled).suggest(typed, limit=8, prefix=1):
            frequency = self.doc_frequency(spelled, self.schema[spelled].to_bytes(candidate))
            if frequency >= at_least:
                found.append((damerau_levenshtein(typed, candidate), -frequency, candidate))
        return min(found)[2] if found else None

    def frequency(self, field: str, word: str) -> int:
        """Documents with the (analysed) word in the field."""
        return self.doc_frequency(field, self.schema[field].to_bytes(word))

    def snippet(self, body: str, words: frozenset[str]) -> str:
        """Up to two fragments of the body around the words, the words between highlight markers:
        Whoosh's highlight(), fed news_tokens where the body is analysed by news_analyzer."""
        if self._news_body:
            tokens = news_tokens(body)
        else:
            tokens = self.schema["body"].analyzer(body, chars=True, mode="index", removestops=False)
        fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        fragments = fragmenter.fragment_tokens(body, highlight.set_matched_filter(tokens, words))
        best = highlight.top_fragments(fragments, 2, highlight.BasicFragmentScorer(), highlight.FIRST, 1)
        return str(_MarkerFormatter()(body, best))

    # -- stored articles ----------------------------------------------------------------------------

    def stored(self, docnum: int) -> dict[str, Any]:
        """The stored article of a document, with its reprint group."""
        fields = self._reader.stored_fields(docnum)
        return {**json.loads(fields["article"]), "reprint_group": fields.get("reprint")}

    def numbers(self, field: str, value: str) -> list[int]:
        """Live documents with one exact value of an identifier field (id, reprint)."""
        return list(self._searcher.document_numbers(**{field: value}))

    def live_numbers(self, part: int = 0, parts: int = 1) -> Iterator[int]:
        """Live documents, or those of `part` of `parts` runs of document numbers (store.live_run)."""
        return live_run(self._reader, part, parts)

    def bound_mapped_pages(self, budget: int) -> None:
        """Give back the index's mapped file pages this process holds once they pass `budget`
        bytes (on a system without /proc/self/statm, at every call)."""
        held = mapped_bytes()
        if held is None or held > budget:
            for segment in self.segments:
                segment.release_mapped_pages()


def build_arrays(ix: Any, path: Path) -> None:
    """IndexView.build_arrays over the latest generation of an open index (what the writer just
    committed to), in the folder `path`."""
    view = IndexView(ix, path, plan.Ranking(), ArrayCache(path), PostingsCache())
    try:
        view.build_arrays()
    finally:
        view.close()

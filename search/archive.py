"""The library API the CLI and the site generator share: open an index, search it, count facets.

    from dateline.search import Archive
    archive = Archive("dateline-index")
    results = archive.search("cocoa", filters={"place": ["brazil"]}, facets=["year", "place"])
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from dateline.corpus.article import Article, aware
from dateline.errors import DatelineError, QueryError
from dateline.indexer.engine.analysis import WORD
from dateline.indexer.engine.segments import ArrayCache, PostingsCache, seconds_building
from dateline.indexer.engine.store import check_index, corrupt_error, open_index
from dateline.indexer.engine.view import IndexView
from dateline.indexer.fields import DEFAULT_INDEX, TEXT_FIELDS, local_day
from dateline.search.concordance import Concordance, Keywords, occurrences
from dateline.search.facets import FACETS, FacetCounts, FieldMap
from dateline.search.feedback import RM3, expanded, relevance_model
from dateline.search.plan import Evaluation, Node, Ranking, fallbacks, words_of
from dateline.search.query import TEXT_NAMES, parse_day
from dateline.search.trend import PERIODS, Series, Trend, count, every_period, label, period_starts

SORTS = ("relevance", "newest", "oldest")
CONCORDANCE_SORTS = ("date", "left", "right")
Selection = tuple[Node, np.ndarray, np.ndarray, dict[str, np.ndarray]]  # plan, mask, scores, filter masks
F = TypeVar("F", bound=Callable[..., Any])
MAX_SUGGESTED_WORD = 40  # letters; no real word is longer, and correcting one costs a second per thousand
OPERATORS = {"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"}
_SUGGESTABLE = re.compile(rf"(?:(\w+):)?({WORD})")
RARE_WORD, FREQUENT_ALTERNATIVE = 3, 20  # a word in 3 articles or fewer, beside one in 20 times as many
TIME_LIMIT = 10.0  # seconds a search may run before it stops with a QueryError
SIZE_LOOKUPS = 100  # reprint sizes looked up segment by segment before a whole-view map is built
MAPPED_BUDGET = 128 * 2**20  # bytes of the index's mapped file pages a walk or a site build keeps resident


@dataclass(frozen=True)
class Hit:
    """One result: the article, its rank and a snippet between highlight markers (output.py renders them)."""

    rank: int
    score: float | None
    article: Article
    snippet: str
    reprint_group: str
    reprint_count: int

    @property
    def id(self) -> str:
        return self.article.id


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: dict[str, list[str]]
    total: int
    page: int
    pages: int
    limit: int
    sort: str
    hits: list[Hit]
    facets: list[FacetCounts]
    suggestion: str | None = None
    collapsed: bool = False


@dataclass(frozen=True)
class ReprintGroup:
    """Copies of one story: how many, when it first and last appeared, where, and its earliest copy."""

    group: str
    copies: int
    first: datetime | None
    last: datetime | None
    agencies: list[str]
    datelines: list[str]
    earliest: Article


@dataclass(frozen=True)
class ArchiveStats:
    articles: int
    size_bytes: int
    facets: list[FacetCounts] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None


@contextmanager
def _damage_reported(path: Path) -> Iterator[None]:
    """Whoosh reports damaged index files with whatever parsing them raised (zlib.error, struct.error,
    UnpicklingError, MemoryError, ...). When a read fails, the files are checked against the digests
    taken at commit: changed files make it the one-line ArchiveError; otherwise it is a bug, raised."""
    try:
        yield
    except DatelineError:
        raise
    except Exception as exc:
        damaged = check_index(path).damaged
        if not damaged:
            raise
        raise corrupt_error(path, damaged, exc) from None


def _reading(method: F) -> F:
    """An Archive method (or generator) that reads the index, with damage reported in one line."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(self: Archive, *args: Any, **kwargs: Any) -> Any:
            with _damage_reported(self.path):
                yield from method(self, *args, **kwargs)
        return cast(F, generator)

    @functools.wraps(method)
    def call(self: Archive, *args: Any, **kwargs: Any) -> Any:
        with _damage_reported(self.path):
            return method(self, *args, **kwargs)
    return cast(F, call)


class Archive:
    """A read-only view of one index. What it derives from the index (facet maps, date keys,
    decoded postings) is computed per segment and kept while the segment lives, so a commit
    costs only the work for the segments it added."""

    def __init__(self, path: str | Path = DEFAULT_INDEX, ranking: Ranking | None = None,
                 time_limit: float = TIME_LIMIT):
        self.path = Path(path)
        self.time_limit = time_limit
        self.ranking = ranking or Ranking()
        self._index = open_index(self.path)
        self._arrays = ArrayCache(self.path)
        self._postings = PostingsCache()
        self._stamp = os.stat(self.path).st_mtime_ns
        self._view = self._open_view()
        self._maps: dict[str, FieldMap] = {}
        self._merged: dict[str, np.ndarray] = {}
        self._size_lookups = 0  # reprint sizes looked up segment by segment in this view

    def _open_view(self) -> IndexView:
        return IndexView(self._index, self.path, self.ranking, self._arrays, self._postings)

    def close(self) -> None:
        self._view.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def view(self) -> IndexView:
        """The latest committed generation (a commit by another process is seen at the next call).
        A commit adds files, which changes the folder's modification time: only then is the folder
        listed for its latest generation (a listing costs more than a whole warm query's numpy work)."""
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError:
            stamp = -1
        if stamp != self._stamp:
            self._stamp = stamp
            if self._index.latest_generation() != self._view.generation:
                self._view.close()
                self._view = self._open_view()
                self._forget_merged()
        return self._view

    def _forget_merged(self) -> None:
        """Forget the maps and arrays merged over the whole view (a new view merges its own)."""
        self._maps.clear()
        self._merged.clear()
        self._size_lookups = 0

    # -- arrays over the whole view, merged from its segments ---------------------------------------

    def _merge(self, name: str, part: Callable[[Any], np.ndarray], dtype: type) -> np.ndarray:
        """One array over the whole view from each segment's part, kept until the view changes."""
        view = self.view
        if name not in self._merged:
            parts = [part(segment) for segment in view.segments]
            self._merged[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        return self._merged[name]

    def fieldmap(self, field: str) -> FieldMap:
        """The (document, value) map of a facet field."""
        view = self.view
        if field not in self._maps:
            self._maps[field] = FieldMap.merge(((s.offset, s.facet(field)) for s in view.segments),
                                               view.doc_count_all())
        return self._maps[field]

    def _live(self) -> np.ndarray:
        return self._merge("live", lambda segment: segment.live, bool)

    def _date_keys(self, docs: np.ndarray, newest: bool) -> np.ndarray:
        """Sort keys of documents by date, oldest or newest first, the undated after every date."""
        instants = self._merge("instants", lambda segment: segment.instants(), np.int64)
        undated = self._merge("undated", lambda segment: segment.days() == 0, bool)
        keys = -instants[docs] if newest else instants[docs]
        keys[undated[docs]] = np.iinfo(np.int64).max
        return keys

    def _reprint_groups(self) -> np.ndarray:
        """Each document's reprint group as an ordinal of the reprint field map (-1: none)."""
        if "reprint-groups" not in self._merged:
            reprints = self.fieldmap("reprint")
            groups = np.full(reprints.doc_count, -1, dtype=np.int64)
            groups[reprints.docs] = reprints.ordinals
            self._merged["reprint-groups"] = groups
        return self._merged["reprint-groups"]

    def _ordered(self, docs: np.ndarray, keys: np.ndarray, top: int | None) -> np.ndarray:
        """Documents by key, then by document number (Whoosh's tie order); only the first `top` sorted."""
        if top is not None and len(docs) > top:
            bound = _bound_of_smallest(keys, top)
            if bound is not None:  # one pass over many keys leaves few to partition
                within = keys <= bound
                docs, keys = docs[within], keys[within]
            within = keys <= np.partition(keys, top - 1)[top - 1]
            docs, keys = docs[within], keys[within]
        return docs[np.lexsort((docs, keys))][:top]

    # -- queries ----------------------------------------------------------------------------

    def resolve_filters(self, filters: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
        """Filter values as indexed ('reuters' -> 'Reuters'). An unknown facet name, or a value no
        article has (--place brasil), is an error with the closest values, not a silent 0."""
        resolved: dict[str, list[str]] = {}
        for name, values in filters.items():
            values = [v for v in values if v]
            if not values:
                continue
            if name not in FACETS:
                raise QueryError(f"unknown filter {name!r} (filters: {', '.join(FACETS)})")
            fieldmap = self.fieldmap(FACETS[name].field)
            spellings = {v: fieldmap.resolve(v) for v in values}
            missing = [v for v, found in spellings.items() if not found]
            if missing and fieldmap.doc_count:
                close = difflib.get_close_matches(missing[0], fieldmap.values, n=3, cutoff=0.6)
                hint = (f"; did you mean {' or '.join(close)}?" if close
                        else f" (its values: dateline search --facet {name})")
                raise QueryError(f"no article has {name} {missing[0]!r}{hint}")
            resolved[name] = [spelling for v in values for spelling in spellings[v] or [v]]
        return resolved

    def plan(self, query: str) -> Node:
        """The query compiled once into Dateline's plan: checked, parsed, expansions read (and
        bounded), facet values in their indexed spelling (agency:reuters finds Reuters)."""
        facet_fields = {facet.field for facet in FACETS.values()}
        def resolve(field: str, value: str) -> list[str]:
            return self.fieldmap(field).resolve(value)

        return self.view.compile(query, resolve, facet_fields)

    @_reading
    def explain(self, query: str) -> list[str]:
        """The plan of a query, one node a line, and which parts (if any) Whoosh answers itself."""
        plan = self.plan(query)
        lines = list(plan.explain())
        found = fallbacks(plan)
        lines.append(f"{len(found)} part{'s' * (len(found) != 1)} answered by Whoosh's own matchers"
                     if found else "every node evaluated with numpy over whole posting blocks")
        return lines

    def _evaluate(self, plan: Node, query: str, scored: bool) -> tuple[np.ndarray, np.ndarray]:
        view = self.view
        return Evaluation(view, self.ranking, query, self.time_limit, seconds_building).run(
            plan, view.segments, scored)

    def _days(self) -> np.ndarray:
        return self._merge("days", lambda segment: segment.days(), np.int32)

    @_reading
    def day_counts(self) -> dict[int, int]:
        """Articles per calendar day (YYYYMMDD, in the source's own time); the undated left out."""
        days = self._days()[self._live()]
        values, counts = np.unique(days[days > 0], return_counts=True)
        return dict(zip(values.tolist(), counts.tolist(), strict=True))

    def _selection(self, query: str, filters: dict[str, list[str]], date_from: str | None,
                   date_to: str | None, scored: bool) -> Selection:
        """The query's plan, its matches within the dates and their scores, and each filter's mask
        (kept apart for multi-select facet counts)."""
        plan = self.plan(query)
        first, last = _day_bounds(date_from, date_to)
        filter_masks = {name: self.fieldmap(FACETS[name].field).mask(values)
                        for name, values in filters.items()}

        def within_dates(mask: np.ndarray) -> np.ndarray:
            if not (first or last):
                return mask
            days = self._days()
            return mask & (days > 0) & (days >= (first or 0)) & (days <= (last or 99_999_999))

        mask, scores = self._evaluate(plan, query, scored)
        mask = within_dates(mask)
        if scored and self.ranking.feedback:
            chosen = _within(mask, filter_masks.values())
            mask, scores = self._fed_back(plan, query, chosen, scores, self.ranking.feedback)
            mask = within_dates(mask)
        return plan, mask, scores, filter_masks

    def _fed_back(self, plan: Node, query: str, chosen: np.ndarray, scores: np.ndarray,
                  feedback: RM3) -> tuple[np.ndarray, np.ndarray]:
        """The query run again with RM3's words, from its best matches among those chosen."""
        docs = np.flatnonzero(chosen)
        view, live = self.view, int(self._live().sum())

        def usable(word: str) -> bool:  # not one letter, not in most articles (as Anserini)
            return len(word) > 1 and all(view.frequency(name, word) <= feedback.most_common * live
                                         for name in TEXT_FIELDS)

        documents = []
        for docnum in self._ordered(docs, -scores[docs], feedback.documents):
            stored = view.stored(int(docnum))
            words = view.analyze("body", f"{stored['title']}\n{stored['body']}")
            documents.append((Counter(words), float(scores[docnum])))
        model = relevance_model(documents, feedback.words, usable)
        return self._evaluate(expanded(plan, model, self.ranking.field_weights(), feedback), query, True)

    def _matching(self, query: str, filters: Mapping[str, Iterable[str]] | None, date_from: str | None,
                  date_to: str | None) -> np.ndarray:
        """Every live document the query and all its filters (as typed) select."""
        resolved = self.resolve_filters(filters or {})
        _, mask, _, filter_masks = self._selection(query, resolved, date_from, date_to, scored=False)
        return _within(mask, filter_masks.values())

    @_reading
    def trend(self, queries: Iterable[str], *, by: str = "month",
              filters: Mapping[str, Iterable[str]] | None = None, date_from: str | None = None,
              date_to: str | None = None) -> Trend:
        """Matches of each query per period, beside the archive's own volume (every article of the
        period within the filters); periods without a match keep their place."""
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r} (periods: {', '.join(PERIODS)})")
        queries = list(queries)
        days = self._days()
        dated = days > 0
        matches = [self._matching(query, filters, date_from, date_to) for query in queries]
        starts = [period_starts(days[mask & dated], by) for mask in matches]
        found = [s for s in starts if len(s)]
        if not found:
            return Trend(by, [], [], [Series(query, [], [], 0, int((mask & ~dated).sum()))
                                      for query, mask in zip(queries, matches, strict=True)])
        periods = every_period(min(s.min() for s in found), max(s.max() for s in found), by)
        everything = self._matching("", filters, date_from, date_to)
        volume = count(periods, period_starts(days[everything & dated], by))
        series = []
        for query, mask, query_starts in zip(queries, matches, starts, strict=True):
            counts = count(periods, query_starts)
            shares = [c / v if v else None for c, v in zip(counts, volume, strict=True)]
            series.append(Series(query, counts, shares, len(query_starts), int((mask & ~dated).sum())))
        return Trend(by, [label(start, by) for start in periods], volume, series)

    @_reading
    def concordance(self, query: str, *, width: int = 5, filters: Mapping[str, Iterable[str]] | None = None,
                    date_from: str | None = None, date_to: str | None = None, sort: str = "date",
                    limit: int | None = None) -> list[Concordance]:
        """Every occurrence of the query's words (and phrases) in its matches, with `width` words
        each side; oldest article first, or sorted by the left or the right context."""
        if sort not in CONCORDANCE_SORTS:
            raise QueryError(f"unknown sort {sort!r} (sorts: {', '.join(CONCORDANCE_SORTS)})")
        plan = self.plan(query)
        keywords = Keywords.of(plan)
        if not keywords.words and not keywords.phrases:
            raise QueryError(f"query {query!r} names no words to show in context")
        mask = self._matching(query, filters, date_from, date_to)
        docs = np.flatnonzero(mask)
        forms: dict[str, str | None] = {}

        def indexed(word: str) -> str | None:
            if word not in forms:
                analysed = self.view.analyze("body", word)
                forms[word] = analysed[0] if analysed else None
            return forms[word]

        pattern = re.compile(WORD)
        lines: list[Concordance] = []
        for docnum in self._ordered(docs, self._date_keys(docs, newest=False), None):
            article, _ = self._stored(int(docnum))
            published = article.published.isoformat() if article.published else None
            for text in (article.title, article.lead or "", article.body):
                lines.extend(Concordance(article.id, published, article.title, left, keyword, right)
                             for left, keyword, right in occurrences(text, keywords, indexed, pattern, width))
            if limit is not None and sort == "date" and len(lines) >= limit:
                break
        if sort == "left":
            lines.sort(key=lambda line: line.left.casefold().split()[::-1])
        elif sort == "right":
            lines.sort(key=lambda line: line.right.casefold().split())
        return lines[:limit]

    @_reading
    def export(self, query: str = "", *, filters: Mapping[str, Iterable[str]] | None = None,
               date_from: str | None = None, date_to: str | None = None) -> Iterator[tuple[Article, str]]:
        """Every match with its reprint group, oldest first (undated last), one at a time: memory
        does not grow with the export."""
        mask = self._matching(query, filters, date_from, date_to)
        docs = np.flatnonzero(mask)
        ordered = self._ordered(docs, self._date_keys(docs, newest=False), None)
        yield from self._stored_in_turn(map(int, ordered))

    @_reading
    def reprint_groups(self, query: str = "", *, filters: Mapping[str, Iterable[str]] | None = None,
                       date_from: str | None = None, date_to: str | None = None, min_copies: int = 2,
                       limit: int | None = 20) -> tuple[int, list[ReprintGroup]]:
        """Reprint groups with a copy among the query's matches, largest first: how many groups in
        all, and the first `limit` of them with every copy counted (matching the query or not)."""
        mask = self._matching(query, filters, date_from, date_to)
        groups, live, sizes = self._reprint_groups(), self._live(), self._reprint_sizes()
        touched = np.unique(groups[mask & (groups >= 0)])
        touched = touched[sizes[touched] >= min_copies]
        touched = touched[np.lexsort((touched, -sizes[touched]))]
        found = []
        for ordinal in touched[:limit]:
            copies = [self._stored(int(d))[0] for d in np.flatnonzero((groups == ordinal) & live)]
            dated = sorted((c for c in copies if c.published), key=lambda c: (aware(c.published), c.id))
            earliest = dated[0] if dated else min(copies, key=lambda c: c.id)
            found.append(ReprintGroup(
                str(self.fieldmap("reprint").sorted_values[ordinal]), len(copies),
                dated[0].published if dated else None, dated[-1].published if dated else None,
                sorted({c.agency or "unknown" for c in copies}),
                sorted({c.dateline or "unknown" for c in copies}), earliest))
        return len(touched), found

    @property
    def generation(self) -> int:
        return self.view.generation

    @property
    def state(self) -> str:
        return self.view.state

    @_reading
    def search(
        self,
        query: str = "",
        *,
        filters: Mapping[str, Iterable[str]] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        facets: Iterable[str] = (),
        sort: str = "relevance",
        page: int = 1,
        limit: int = 10,
        collapse_reprints: bool = False,
        facet_limit: int | None = 10,
    ) -> SearchResults:
        """Ranked hits, facet counts over every match (multi-select), and a spelling suggestion."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r} (sorts: {', '.join(SORTS)})")
        if page < 1 or limit < 1:
            raise QueryError("page and limit must be 1 or more")
        facets = list(facets)
        for name in facets:
            if name not in FACETS:
                raise QueryError(f"unknown facet {name!r} (facets: {', '.join(FACETS)})")
        filters = self.resolve_filters(filters or {})
        if sort == "relevance" and not query.strip().strip("*"):
            sort = "newest"
        plan, base_mask, scores, filter_masks = self._selection(query, filters, date_from, date_to,
                                                                scored=sort == "relevance")
        final_mask = _within(base_mask, filter_masks.values())

        facet_counts = []
        for name in facets:
            # multi-select: a facet's own filter does not hide its other values
            others = (other_mask for other, other_mask in filter_masks.items() if other != name)
            mask = _within(base_mask, others)
            facet = FACETS[name]
            selected = tuple(filters.get(name, ()))
            facet_counts.append(facet.count(self.fieldmap(facet.field), mask, selected, facet_limit))

        docs = np.flatnonzero(final_mask)
        keys = -scores[docs] if sort == "relevance" else self._date_keys(docs, newest=sort == "newest")
        if collapse_reprints:  # the best-ranked copy of each reprint group stands for the group
            ordered = self._ordered(docs, keys, None)
            groups = self._reprint_groups()[ordered]
            firsts = np.union1d(np.unique(groups, return_index=True)[1], np.flatnonzero(groups < 0))
            ordered = ordered[firsts]
            total = len(ordered)
        else:
            ordered = self._ordered(docs, keys, page * limit)
            total = len(docs)

        words = words_of(plan, "body")
        first_rank = (page - 1) * limit + 1
        hits = [
            self._hit(int(docnum), rank, float(scores[docnum]) if sort == "relevance" else None, words)
            for rank, docnum in enumerate(ordered[first_rank - 1: page * limit], start=first_rank)
        ]
        return SearchResults(
            query=query, filters=filters, total=total, page=page, pages=max(1, math.ceil(total / limit)),
            limit=limit, sort=sort, hits=hits, facets=facet_counts, collapsed=collapse_reprints,
            suggestion=self.suggest(query) if total <= RARE_WORD or self._has_unknown_word(plan) else None,
        )

    @_reading
    def rank(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """The `limit` best matches of a query as (record, score), best first, and nothing more: no
        stored article, snippet, facet or spelling suggestion is made. A record is the source's own
        identity of the article (a JSON `id`, a Reuters NEWID), else its place in the file. For
        evaluation runs and re-rankers, which need the order and not the pages."""
        _plan, ordered, scores = self._best_first(query, {}, limit)
        records = self._records()
        return [(records[docnum], float(scores[docnum])) for docnum in ordered]

    def _best_first(self, query: str, filters: Mapping[str, Iterable[str]], limit: int | None
                    ) -> tuple[Node, np.ndarray, np.ndarray]:
        """The query's plan, its matches within the filters by score (the first `limit`), and the scores."""
        plan, mask, scores, filter_masks = self._selection(query, self.resolve_filters(filters), None, None,
                                                           scored=True)
        docs = np.flatnonzero(_within(mask, filter_masks.values()))
        return plan, self._ordered(docs, -scores[docs], limit), scores

    def _records(self) -> np.ndarray:
        """Each document's record (its key after the source path), kept until the view changes."""
        if "records" not in self._merged:
            keys = self.fieldmap("key")
            records = np.empty(keys.doc_count, dtype=object)
            distinct = np.array([value.rpartition("#")[2] for value in keys.values], dtype=object)
            records[keys.docs] = distinct[keys.ordinals]
            self._merged["records"] = records
        return self._merged["records"]

    def _stored(self, docnum: int) -> tuple[Article, str]:
        """A document's article and its reprint group (its own id if it has none)."""
        data = self.view.stored(docnum)
        group = data.pop("reprint_group") or data["id"]
        return Article.from_dict(data), group

    def _hit(self, docnum: int, rank: int, score: float | None, words: frozenset[str] = frozenset()) -> Hit:
        """A result from a document's stored article; a snippet around the query's words, else the lead."""
        article, group = self._stored(docnum)
        snippet = self.view.snippet(article.body, words) if words else ""
        return Hit(rank=rank, score=score, article=article,
                   snippet=" ".join(snippet.split()) or _lead(article.body),
                   reprint_group=group, reprint_count=max(1, self.reprint_size(group)))

    def _has_unknown_word(self, plan: Node) -> bool:
        return any(not self.view.knows("body", word) for word in words_of(plan, "body"))

    def suggest(self, query: str) -> str | None:
        """'Did you mean': the query as typed, each word found in no article replaced by the closest
        word the articles have, and each rare word (in RARE_WORD articles or fewer) by a close word
        at least FREQUENT_ALTERNATIVE times as frequent (volker, 1 article: volcker, 108). Whole words,
        never stems. (Whoosh's correct_query fails on ranges and on tokens without positions.)"""
        if not query.strip().strip("*"):
            return None
        view = self.view
        changed = False

        def correct(match: re.Match) -> str:
            nonlocal changed
            field, word = match.group(1), match.group(2)
            if ((field and field.lower() not in TEXT_NAMES) or word in OPERATORS
                    or len(word) > MAX_SUGGESTED_WORD):
                return match.group()
            terms = view.analyze("body", word)
            if not terms:
                return match.group()
            seen = max(view.frequency(name, term) for term in terms for name in TEXT_FIELDS)
            if seen > RARE_WORD:
                return match.group()
            found = view.closest_word("body", word, at_least=max(1, seen * FREQUENT_ALTERNATIVE))
            if not found:
                return match.group()
            changed = True
            return match.group()[: match.start(2) - match.start()] + found

        corrected = _SUGGESTABLE.sub(correct, query)
        return corrected if changed else None

    # -- articles ---------------------------------------------------------------------------

    @_reading
    def article(self, article_id: str) -> Article | None:
        numbers = self.view.numbers("id", article_id)
        return self._stored(numbers[0])[0] if numbers else None

    @_reading
    def reprints(self, group: str) -> list[Article]:
        """Every copy in a reprint group, earliest first (undated copies last)."""
        copies = [self._stored(n)[0] for n in self.view.numbers("reprint", group)]
        return sorted(copies, key=lambda a: (a.published is None,
                                             a.published.isoformat() if a.published else "", a.id))

    @_reading
    def browse(self, facet: str, value: str, page_size: int) -> Iterator[list[Hit]]:
        """Pages of every article with one facet value, newest first."""
        docs = np.flatnonzero(self.fieldmap(FACETS[facet].field).mask([value]) & self._live())
        ordered = self._ordered(docs, self._date_keys(docs, newest=True), None)
        for start in range(0, len(ordered), page_size):
            yield [self._hit(int(docnum), rank, None)
                   for rank, docnum in enumerate(ordered[start:start + page_size], start=start + 1)]

    def ranked(self, query: str, page_size: int, filters: Mapping[str, Iterable[str]] | None = None,
               limit: int | None = None) -> Iterator[list[Hit]]:
        """Pages of the matches of a query (every one, or the best `limit`), best first: ranked once,
        each page's articles read when it is reached (a saved query's pages, however many)."""
        plan, ordered, scores = self._best_first(query, filters or {}, limit)
        words = words_of(plan, "body")
        for start in range(0, len(ordered), page_size):
            yield [self._hit(int(docnum), rank, float(scores[docnum]), words)
                   for rank, docnum in enumerate(ordered[start:start + page_size], start=start + 1)]

    @_reading
    def reprint_size(self, group: str) -> int:
        """How many copies a reprint group holds. A search's few hits look their groups up segment by
        segment; past SIZE_LOOKUPS in one view (a site's every article), one map over the whole view
        pays: it unites every article's group across segments, seconds at a million articles."""
        if "reprint-sizes" not in self._merged and self._size_lookups < SIZE_LOOKUPS:
            self._size_lookups += 1
            return sum(segment.live_count("reprint", group) for segment in self.view.segments)
        ordinal = self.fieldmap("reprint").ordinal(group)
        return int(self._reprint_sizes()[ordinal]) if ordinal is not None else 0

    def _reprint_sizes(self) -> np.ndarray:
        """Live copies in each reprint group, by the group's ordinal in the reprint field map."""
        if "reprint-sizes" not in self._merged:
            reprints = self.fieldmap("reprint")
            live_ordinals = reprints.ordinals[self._live()[reprints.docs]]
            self._merged["reprint-sizes"] = np.bincount(live_ordinals, minlength=len(reprints.sorted_values))
        return self._merged["reprint-sizes"]

    @_reading
    def iter_articles(self, part: int = 0, parts: int = 1) -> Iterator[tuple[Article, str]]:
        """Every article with its reprint group, one at a time, so memory does not grow with the archive;
        or those of `part` of `parts` runs of documents, for readers working in parallel."""
        yield from self._stored_in_turn(self.view.live_numbers(part, parts))

    def _stored_in_turn(self, docnums: Iterable[int]) -> Iterator[tuple[Article, str]]:
        """The stored articles of many documents, one at a time, the index pages they read given
        back every thousand (bound_mapped_pages): an export of a million articles kept 1.2 GB of
        them resident."""
        for number, docnum in enumerate(docnums, start=1):
            yield self._stored(docnum)
            if number % 1_000 == 0:
                self.bound_mapped_pages()

    def release_memory(self) -> None:
        """Forget the arrays and posting lists kept in memory (made again from the index's cache files
        when next needed): a site build has no more use for them while Pagefind indexes its pages."""
        self._forget_merged()
        self._arrays.forget()
        self._postings.clear()

    def bound_mapped_pages(self) -> None:
        """Give back the index's memory-mapped file pages read so far once they pass MAPPED_BUDGET
        (they stay in the page cache). Reading stored articles from all over a million-article
        index otherwise keeps gigabytes of it resident in the process: a site build's listings add
        about 1.3 GB in their first thousand pages."""
        self.view.bound_mapped_pages(MAPPED_BUDGET)

    @_reading
    def stats(self, facets: Iterable[str] = tuple(FACETS), top: int = 5) -> ArchiveStats:
        """What the archive holds: its size, the top values of each facet, and its date span."""
        results = self.search(facets=facets, facet_limit=top, limit=1)
        oldest = self.search(sort="oldest", limit=1).hits
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())  # cache files too
        return ArchiveStats(
            articles=results.total, size_bytes=size, facets=results.facets,
            first=oldest[0].article.published if oldest else None,
            last=results.hits[0].article.published if results.hits else None,
        )


def _bound_of_smallest(keys: np.ndarray, top: int, run: int = 256) -> Any:
    """A key at least as large as the `top`-th smallest: the `top`-th smallest of the minima of runs
    of `run` keys (each run holds a key no larger than its minimum); None for too few runs. One pass
    over the keys, where partitioning a million of them took 7 ms of a 40 ms query."""
    whole = len(keys) // run
    if whole <= top:
        return None
    minima = keys[:whole * run].reshape(whole, run).min(axis=1)
    return np.partition(minima, top - 1)[top - 1]


def _within(mask: np.ndarray, masks: Iterable[np.ndarray]) -> np.ndarray:
    """The documents of `mask` that each of `masks` holds too (a new array): a query within its filters."""
    within = mask.copy()
    for other in masks:
        within &= other
    return within


def _day_bounds(date_from: str | None, date_to: str | None) -> tuple[int | None, int | None]:
    """--from/--to as local days (YYYYMMDD): the same days the year and month facets count."""
    start = parse_day(date_from) if date_from else None
    end = parse_day(date_to, end=True) if date_to else None
    if start and end and start > end:
        raise QueryError(f"--from {date_from} is after --to {date_to}: no date is in between")
    return (local_day(start) if start else None, local_day(end) if end else None)


def _lead(body: str, chars: int = 200) -> str:
    first = " ".join(body.split("\n\n", 1)[0].split())
    return first if len(first) <= chars else first[:chars].rsplit(" ", 1)[0] + " …"

"""The library API the CLI and the site generator share: open an index, search it, count facets.

    from dateline.search import Archive
    archive = Archive("dateline-index")
    results = archive.search("cocoa", filters={"place": ["brazil"]}, facets=["year", "place"])
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import html
import inspect
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
from whoosh import highlight, scoring
from whoosh import query as wq

from dateline.errors import DatelineError, QueryError
from dateline.indexer import whoosh_patches  # noqa: F401  (applied on import)
from dateline.indexer.analysis import WORD
from dateline.indexer.schema import UNKNOWN
from dateline.indexer.store import DEFAULT_INDEX, check_index, corrupt_error, open_index
from dateline.search.facets import FACETS, FacetCounts, FieldMap
from dateline.search.masks import QueryArrays
from dateline.search.query import TEXT_FIELDS, TEXT_NAMES, expand_terms, make_parser, parse_day, parse_query

SORTS = ("relevance", "newest", "oldest")
# Tuned on Cranfield with bench/relevance.py (a grid of K1 0.8-2.0, B 0.5-0.9, title boost 1-3).
BM25_B, BM25_K1 = 0.75, 1.6
MARK_START, MARK_END = "\ue000", "\ue001"  # highlight markers; renderers turn them into <mark> or bold
F = TypeVar("F", bound=Callable[..., Any])
MAX_SUGGESTED_WORD = 40  # letters; no real word is longer, and correcting one costs a second per thousand
OPERATORS = {"AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"}
_SUGGESTABLE = re.compile(rf"(?:(\w+):)?({WORD})")
TIME_LIMIT = 10.0  # seconds a search may run before it stops with a QueryError


@dataclass(frozen=True)
class Hit:
    """One result: the article's stored data, its rank and a snippet with highlight markers."""

    rank: int
    score: float | None
    article: dict[str, Any]
    snippet: str
    reprint_group: str
    reprint_count: int

    @property
    def id(self) -> str:
        return self.article["id"]


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


class _MarkerFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return MARK_START + highlight.get_text(text, token, replace) + MARK_END


class Archive:
    """A read-only view of one index; facet maps are built once per index generation and cached."""

    def __init__(self, path: str | Path = DEFAULT_INDEX, weighting: scoring.WeightingModel | None = None,
                 time_limit: float = TIME_LIMIT):
        self.path = Path(path)
        self.time_limit = time_limit
        self.index = open_index(self.path)
        self._weighting = weighting or ranking()
        self._generation = self.index.latest_generation()
        self._searcher = self.index.searcher(weighting=self._weighting)
        self._parser = make_parser(self.index.schema)
        self._maps: dict[str, FieldMap] = {}
        self._arrays: dict[str, dict[str, np.ndarray]] = {}
        self._query_arrays: QueryArrays | None = None

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def searcher(self):
        # Compared by generation, not Searcher.up_to_date(): an index with nothing committed yet has
        # an EmptyReader, which is never "up to date" and which Searcher.refresh() cannot reuse.
        generation = self.index.latest_generation()
        if generation != self._generation:
            self._searcher.close()
            self._searcher = self.index.searcher(weighting=self._weighting)
            self._generation = generation
            self._maps.clear()
            self._arrays.clear()
            self._query_arrays = None
        return self._searcher

    # -- arrays derived from the index, cached per generation -----------------------------------

    def _built_from(self) -> str:
        """What every cached array is derived from: the generation and its segments, by id and size."""
        reader = self.searcher.reader()
        segments = [f"{leaf.segment().segment_id()}:{leaf.doc_count_all()}:{leaf.doc_count()}"
                    for leaf, _ in reader.leaf_readers() if leaf.segment() is not None]
        return f"{self._generation}|{reader.doc_count_all()}|{','.join(segments)}"

    def _cached(self, name: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """Arrays from memory, from this generation's file beside the index, or built and stored there.

        A cache file is used only if it says it holds `name`, built from these very segments, and
        its arrays still have the checksum they were written with; else it is rebuilt. A damaged or
        foreign file can cost a rebuild, never a wrong count."""
        self.searcher  # noqa: B018  (refreshes, and clears the arrays of an older generation)
        if name in self._arrays:
            return self._arrays[name]
        cache = self.path / f"cache-{self._generation}-{name}.npz"
        label = {"name": name, "built_from": self._built_from()}
        arrays = _load_cache(cache, label)
        if arrays is None:
            arrays = build()
            _store(cache, arrays, label, stale=self.path.glob(f"cache-*-{name}.npz"))
        self._arrays[name] = arrays
        return arrays

    def fieldmap(self, field: str) -> FieldMap:
        """The (document, value) map of a facet field."""
        self.searcher  # noqa: B018  (refreshes, and clears the maps of an older generation)
        if field not in self._maps:
            def build() -> dict[str, np.ndarray]:
                built = FieldMap.build(self.searcher.reader(), field)
                return {"values": np.array(built.values, dtype=str), "docs": built.docs, "ordinals": built.ordinals}
            arrays = self._cached(f"facet-{field}", build)
            self._maps[field] = FieldMap(list(arrays["values"]), arrays["docs"], arrays["ordinals"],
                                         self.searcher.reader().doc_count_all())
        return self._maps[field]

    def _field_lengths(self, field: str) -> np.ndarray:
        """Every document's length in a text field, as Whoosh stores it for BM25F."""
        def build() -> dict[str, np.ndarray]:
            reader = self.searcher.reader()
            count = reader.doc_count_all()
            lengths = (reader.doc_field_length(docnum, field, 0) or 0 for docnum in range(count))
            return {"lengths": np.fromiter(lengths, dtype=np.float64, count=count)}
        return self._cached(f"lengths-{field}", build)["lengths"]

    def _date_keys(self, docs: np.ndarray, newest: bool) -> np.ndarray:
        """Sort keys of documents by date, oldest or newest first, the undated after every date."""
        def build() -> dict[str, np.ndarray]:
            reader = self.searcher.reader()
            raw = np.zeros(reader.doc_count_all(), dtype=np.uint64)
            for leaf, offset in reader.leaf_readers():  # per segment: Whoosh's MultiColumnReader mis-indexes
                column, count = leaf.column_reader("date", translate=False), leaf.doc_count_all()
                raw[offset:offset + count] = np.fromiter((column[d] or 0 for d in range(count)), np.uint64, count)
            # Whoosh's sortable form is unsigned; flipping the top bit keeps its order in int64.
            return {"dates": (raw ^ np.uint64(1 << 63)).view(np.int64),
                    "undated": self.fieldmap("year").mask([UNKNOWN])}
        arrays = self._cached("dates", build)
        keys = -arrays["dates"][docs] if newest else arrays["dates"][docs]
        keys[arrays["undated"][docs]] = np.iinfo(np.int64).max
        return keys

    def _reprint_groups(self) -> np.ndarray:
        """Each document's reprint group as an ordinal of the reprint field map (-1: none)."""
        def build() -> dict[str, np.ndarray]:
            reprints = self.fieldmap("reprint")
            groups = np.full(reprints.doc_count, -1, dtype=np.int64)
            groups[reprints.docs] = reprints.ordinals
            return {"groups": groups}
        return self._cached("reprint-groups", build)["groups"]

    def _live(self) -> np.ndarray:
        """Documents not deleted."""
        def build() -> dict[str, np.ndarray]:
            reader = self.searcher.reader()
            mask = np.ones(reader.doc_count_all(), dtype=bool)
            for leaf, offset in reader.leaf_readers():
                if leaf.has_deletions():
                    mask[offset:offset + leaf.doc_count_all()] = False
                    mask[np.fromiter(leaf.all_doc_ids(), dtype=np.int64) + offset] = True
            return {"live": mask}
        return self._cached("live", build)["live"]

    def _matches(self) -> QueryArrays:
        """Masks and scores of queries; kept per generation, with its cache of decoded postings."""
        searcher = self.searcher
        if self._query_arrays is None:
            self._query_arrays = QueryArrays(searcher, self._live(), self._field_lengths)
        return self._query_arrays

    def _ordered(self, docs: np.ndarray, keys: np.ndarray, top: int | None) -> np.ndarray:
        """Documents by key, then by document number (Whoosh's tie order); only the first `top` sorted."""
        if top is not None and len(docs) > top:
            kth = np.partition(keys, top - 1)[top - 1]
            docs, keys = docs[keys <= kth], keys[keys <= kth]
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

    def _resolve_terms(self, q: wq.Query) -> wq.Query:
        """Facet-field terms typed in any case match the indexed spelling (agency:reuters)."""
        facet_fields = {facet.field for facet in FACETS.values()}

        def fix(node: wq.Query) -> wq.Query:
            if isinstance(node, wq.Term) and node.fieldname in facet_fields and isinstance(node.text, str):
                spellings = self.fieldmap(node.fieldname).resolve(node.text)
                if spellings and spellings != [node.text]:
                    return wq.Or([wq.Term(node.fieldname, s, boost=node.boost) for s in spellings])
            return node.apply(fix)

        return fix(q)

    def compile_query(self, query: str) -> wq.Query:
        """The Whoosh query for the user's text: checked, parsed, expansions read (and bounded) once,
        facet values in the indexed spelling."""
        return self._resolve_terms(expand_terms(parse_query(query, self._parser), self.searcher.reader(), query))

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
        text_query = self.compile_query(query)
        if not self.searcher.reader().doc_count_all():  # nothing committed yet: Whoosh's EmptyReader has no columns
            return SearchResults(query=query, filters=filters, total=0, page=page, pages=1, limit=limit, sort=sort,
                                 hits=[], facets=[FacetCounts(name, FACETS[name].label, [], ()) for name in facets],
                                 collapsed=collapse_reprints)

        matches = self._matches()
        matches.start(query, self.time_limit)
        scores = None
        if sort == "relevance" and isinstance(text_query, wq.Every):
            sort = "newest"
        if sort == "relevance":
            base_mask, scores = matches.scored(text_query)
        else:
            base_mask = matches.mask(text_query)
        if date_from or date_to:
            start = parse_day(date_from) if date_from else None
            end = parse_day(date_to, end=True) if date_to else None
            if start and end and start > end:
                raise QueryError(f"--from {date_from} is after --to {date_to}: no date is in between")
            naive = [d.astimezone(timezone.utc).replace(tzinfo=None) if d else None for d in (start, end)]
            base_mask = base_mask & matches.mask(wq.DateRange("date", naive[0], naive[1]))
        filter_masks = {name: self.fieldmap(FACETS[name].field).mask(values) for name, values in filters.items()}
        final_mask = base_mask.copy()
        for mask in filter_masks.values():
            final_mask &= mask

        facet_counts = []
        for name in facets:
            mask = base_mask.copy()
            for other, other_mask in filter_masks.items():
                if other != name:  # multi-select: a facet's own filter does not hide its other values
                    mask &= other_mask
            facet = FACETS[name]
            selected = tuple(filters.get(name, ()))
            facet_counts.append(facet.count(self.fieldmap(facet.field), mask, selected, facet_limit))

        docs = np.flatnonzero(final_mask)
        keys = -scores[docs] if scores is not None else self._date_keys(docs, newest=sort == "newest")
        if collapse_reprints:  # the best-ranked copy of each reprint group stands for the group
            ordered = self._ordered(docs, keys, None)
            groups = self._reprint_groups()[ordered]
            firsts = np.union1d(np.unique(groups, return_index=True)[1], np.flatnonzero(groups < 0))
            ordered = ordered[firsts]
            total = len(ordered)
        else:
            ordered = self._ordered(docs, keys, page * limit)
            total = len(docs)

        words = _body_words(text_query, self.searcher)
        hits = [
            self._hit(int(docnum), rank, float(scores[docnum]) if scores is not None else None, words)
            for rank, docnum in enumerate(ordered[(page - 1) * limit: page * limit], start=(page - 1) * limit + 1)
        ]
        return SearchResults(
            query=query, filters=filters, total=total, page=page, pages=max(1, math.ceil(total / limit)),
            limit=limit, sort=sort, hits=hits, facets=facet_counts, collapsed=collapse_reprints,
            suggestion=self.suggest(query, text_query) if total == 0 or self._has_unknown_word(text_query) else None,
        )

    def _hit(self, docnum: int, rank: int, score: float | None, words: frozenset[str] = frozenset()) -> Hit:
        """A result from a document's stored fields; a snippet around the query's words, else the lead."""
        stored = self.searcher.reader().stored_fields(docnum)
        article = json.loads(stored["article"])
        snippet = ""
        if words:
            snippet = highlight.highlight(
                article["body"], words, self.searcher.schema["body"].analyzer,
                highlight.ContextFragmenter(maxchars=240, surround=60), _MarkerFormatter(), top=2, mode="index")
        group = stored.get("reprint") or article["id"]
        return Hit(rank=rank, score=score, article=article, snippet=" ".join(snippet.split()) or _lead(article["body"]),
                   reprint_group=group, reprint_count=max(1, self.reprint_size(group)))

    def _has_unknown_word(self, q: wq.Query) -> bool:
        reader = self.searcher.reader()
        for fieldname, text in q.iter_all_terms():
            if fieldname == "body" and reader.doc_frequency(fieldname, text) == 0:
                return True
        return False

    def suggest(self, query: str, q: wq.Query) -> str | None:
        """'Did you mean': the query as typed, each word found in no article replaced by the closest
        indexed word. (Whoosh's correct_query fails on ranges and on tokens without positions.)"""
        if isinstance(q, wq.Every):
            return None
        reader = self.searcher.reader()
        analyzer = self.searcher.schema["body"].analyzer
        corrector = self.searcher.corrector("body")
        changed = False

        def correct(match: re.Match) -> str:
            nonlocal changed
            field, word = match.group(1), match.group(2)
            if (field and field.lower() not in TEXT_NAMES) or word in OPERATORS or len(word) > MAX_SUGGESTED_WORD:
                return match.group()
            terms = [token.text for token in analyzer(word)]
            if not terms or any(reader.doc_frequency(name, term) for term in terms for name in TEXT_FIELDS):
                return match.group()
            found = corrector.suggest(word.lower(), limit=1, prefix=1)
            if not found:
                return match.group()
            changed = True
            return match.group()[: match.start(2) - match.start()] + found[0]

        corrected = _SUGGESTABLE.sub(correct, query)
        return corrected if changed else None

    # -- articles ---------------------------------------------------------------------------

    @_reading
    def article(self, article_id: str) -> dict[str, Any] | None:
        stored = self.searcher.document(id=article_id)
        return json.loads(stored["article"]) if stored else None

    @_reading
    def reprints(self, group: str) -> list[dict[str, Any]]:
        """Every copy in a reprint group, earliest first (undated copies last)."""
        copies = [json.loads(f["article"]) for f in self.searcher.documents(reprint=group)]
        return sorted(copies, key=lambda a: (a["published"] is None, a["published"] or "", a["id"]))

    @_reading
    def browse(self, facet: str, value: str, page_size: int) -> Iterator[list[Hit]]:
        """Pages of every article with one facet value, newest first."""
        docs = np.flatnonzero(self.fieldmap(FACETS[facet].field).mask([value]) & self._live())
        ordered = self._ordered(docs, self._date_keys(docs, newest=True), None)
        for start in range(0, len(ordered), page_size):
            yield [self._hit(int(docnum), rank, None)
                   for rank, docnum in enumerate(ordered[start:start + page_size], start=start + 1)]

    @_reading
    def reprint_size(self, group: str) -> int:
        """How many copies a reprint group holds."""
        reprints = self.fieldmap("reprint")
        sizes = self._cached("reprint-sizes", lambda: {
            "sizes": np.bincount(reprints.ordinals, minlength=len(reprints.values))})["sizes"]
        ordinal = reprints.ordinal(group)
        return int(sizes[ordinal]) if ordinal is not None else 0

    @_reading
    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Every article with its reprint group, one at a time, so memory does not grow with the archive."""
        reader = self.searcher.reader()
        for docnum in reader.all_doc_ids():
            stored = reader.stored_fields(docnum)
            yield {**json.loads(stored["article"]), "reprint_group": stored.get("reprint")}

    @_reading
    def stats(self, facets: Iterable[str] = tuple(FACETS), top: int = 5) -> ArchiveStats:
        """What the archive holds: its size, the top values of each facet, and its date span."""
        results = self.search(facets=facets, facet_limit=top, limit=1)
        oldest = self.search(sort="oldest", limit=1).hits
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        return ArchiveStats(
            articles=results.total, size_bytes=size, facets=results.facets,
            first=_published(oldest[0].article) if oldest else None,
            last=_published(results.hits[0].article) if results.hits else None,
        )


def ranking() -> scoring.WeightingModel:
    """BM25F with the parameters tuned on Cranfield (bench/relevance.py); see the README's table."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def _published(article: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(article["published"]) if article.get("published") else None


def _arrays_digest(arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for key in sorted(arrays):
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _load_cache(cache: Path, label: dict[str, str]) -> dict[str, np.ndarray] | None:
    """A cache file's arrays if it is whole and made for `label`; None for anything else."""
    if not cache.exists():
        return None
    try:
        with np.load(cache, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        meta = json.loads(str(arrays.pop("_meta")))
    except Exception:  # numpy and zipfile raise many kinds (BadZipFile, zlib.error, EOFError, KeyError, ...)
        return None
    if not isinstance(meta, dict) or meta.get("label") != label or meta.get("digest") != _arrays_digest(arrays):
        return None
    return arrays


def _store(cache: Path, arrays: dict[str, np.ndarray], label: dict[str, str], stale: Iterable[Path]) -> None:
    """Write a cache file atomically, labelled and checksummed, and drop those of older generations;
    a read-only index is fine."""
    meta = json.dumps({"label": label, "digest": _arrays_digest(arrays)})
    try:
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, **cast(dict[str, Any], {"_meta": np.array(meta), **arrays}))
        tmp.replace(cache)
        for old in stale:
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _body_words(q: wq.Query, searcher) -> frozenset[str]:
    """The body words a query looks for (prefixes and wildcards expanded), for highlighting."""
    field = searcher.schema["body"]
    # Name the field: without it Whoosh's loop rebinds its own `fieldname` and skips other fields' leaves.
    return frozenset(field.from_bytes(text) for _, text in q.existing_terms(searcher.reader(), expand=True,
                                                                             fieldname="body"))


def _lead(body: str, chars: int = 200) -> str:
    first = " ".join(body.split("\n\n", 1)[0].split())
    return first if len(first) <= chars else first[:chars].rsplit(" ", 1)[0] + " …"


def plain(marked: str) -> str:
    return marked.replace(MARK_START, "").replace(MARK_END, "")


def marked_html(marked: str) -> str:
    """A snippet as HTML: the text escaped, then the highlights turned into <mark>."""
    return html.escape(marked).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def results_to_dict(results: SearchResults) -> dict[str, Any]:
    """The stable JSON shape of `dateline search --format json` (documented in the README)."""
    return {
        "query": results.query,
        "filters": results.filters,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "limit": results.limit,
        "sort": results.sort,
        "collapsed": results.collapsed,
        "suggestion": results.suggestion,
        "hits": [{
            "rank": hit.rank,
            "score": hit.score,
            "id": hit.id,
            "title": hit.article["title"],
            "published": hit.article["published"],
            "agency": hit.article["agency"],
            "license": hit.article["license"],
            "dateline": hit.article["dateline"],
            "language": hit.article["language"],
            "url": hit.article["url"],
            "source": hit.article["provenance"]["source"],
            "snippet": plain(hit.snippet),
            "snippet_html": marked_html(hit.snippet),
            "reprint_group": hit.reprint_group,
            "reprint_count": hit.reprint_count,
        } for hit in results.hits],
        "facets": {facet.name: [{"value": v.value, "count": v.count, "selected": v.selected} for v in facet.values]
                   for facet in results.facets},
    }
